"""The OpenAPI schema of API v1, its docs page, and a schemathesis run over every operation."""

import datetime
import os
import re
from decimal import Decimal

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    Official,
    Period,
    Problem,
    Target,
    Visit,
    WorkReport,
)
from hengkou.models import Inspection, SupervisionNotice
from projects.models import (
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPlan,
    ProjectReport,
)
from tests.factories import (
    AssignmentFactory,
    EnterpriseTitleFactory,
    InspectionFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    ProjectEvaluationFactory,
    ProjectInspectionFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    TargetFactory,
    UserFactory,
    VisitFactory,
    WorkReportFactory,
)
from tests.roles import user_with_role

RESOURCES = [
    "departments",
    "officials",
    "enterprises",
    "assignments",
    "targets",
    "monthly-reports",
    "visits",
    "problems",
    "projects",
    "project-plans",
    "project-reports",
    "supervision-notices",
    "work-reports",
    "inspections",
    "project-inspections",
    "project-evaluations",
]
COMPUTED = ["rankings", "zone-stats", "visit-compliance", "chain-stats", "assessments"]
# Examples per operation and generation mode, the same ones on every run; API_FUZZ_EXAMPLES=200
# runs a longer, random fuzz.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
RANDOM = "API_FUZZ_EXAMPLES" in os.environ


def _integrator() -> APIClient:
    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau"))
    return client


@pytest.fixture
def schema_document(db):
    response = _integrator().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_schema_and_docs_need_a_login_with_a_role(db, path):
    assert APIClient().get(path).status_code in (401, 403)
    roleless = APIClient()
    roleless.force_authenticate(UserFactory(username="no-role"))
    assert roleless.get(path).status_code == 403
    assert _integrator().get(path).status_code == 200


def test_schema_is_openapi_3_and_describes_every_resource(schema_document):
    assert schema_document["openapi"].startswith("3.")
    paths = schema_document["paths"]
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    for endpoint in COMPUTED:
        assert f"/api/v1/{endpoint}/" in paths
    assert "/api/v1/periods/{period}/close/" in paths
    assert "/api/v1/periods/{period}/reopen/" in paths
    assert "/api/v1/projects/{id}/stage/" in paths
    assert "/api/v1/schema/" not in paths


def test_schema_documents_fields_filters_and_errors(schema_document):
    components = schema_document["components"]["schemas"]
    enterprise = components["Enterprise"]["properties"]
    assert enterprise["above_scale_years"]["type"] == "array"
    assert enterprise["id"]["readOnly"] is True
    report = components["MonthlyReport"]["properties"]
    assert report["period"]["pattern"] == "^[0-9]{4}-[0-9]{2}$"
    assert report["output_value"]["type"] == "string"
    assert report["status"]["readOnly"] is True
    # A report's data-quality flags: read only, each with its rule, message and explanation.
    assert report["flags"]["readOnly"] is True and report["flags"]["type"] == "array"
    assert "flags" not in components["MonthlyReportRequest"]["properties"]
    flag = components[report["flags"]["items"]["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"rule", "metric", "message", "explained", "explanation"} <= set(flag)
    assert set(components["MonthlyReportRequest"]["required"]) == {"enterprise", "period"}
    assert set(components["VisitRequest"]["required"]) == {
        "enterprise",
        "visited_on",
        "participants",
    }
    assert components["StageEnum"]["enum"] == ["reserve", "started", "completed", "operating"]
    listing = schema_document["paths"]["/api/v1/enterprises/"]["get"]
    filters = {parameter["name"] for parameter in listing["parameters"]}
    assert {"chain", "chain_role", "above_scale_year", "department", "year", "search"} <= filters
    assert {"page", "page_size"} <= filters
    create = schema_document["paths"]["/api/v1/monthly-reports/"]["post"]
    assert {"201", "400", "403", "409"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["examples"]
    patch = schema_document["paths"]["/api/v1/problems/{id}/"]["patch"]
    assert "satisfaction" in patch["description"]
    ranking = schema_document["paths"]["/api/v1/rankings/"]["get"]
    assert {p["name"] for p in ranking["parameters"]} == {"period", "metric"}
    assert "Ranking" in str(ranking["responses"]["200"])


def test_docs_page_loads_its_assets_from_this_site(db):
    client = _integrator()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert "http://" not in script.content.decode()
    assert "https://" not in script.content.decode()
    assert "<script>" not in html.replace(" ", "")


def _seed():
    """Give the fuzzer rows to find at small ids, in every table the API serves."""
    today = timezone.localdate()
    assignment = AssignmentFactory(year=2021)
    assignment.team.add(assignment.responsible)
    EnterpriseTitleFactory(enterprise=assignment.enterprise, year=2021)
    TargetFactory(enterprise=assignment.enterprise, value=Decimal("1000"))
    MonthlyReportFactory(enterprise=assignment.enterprise, output_value=Decimal("200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=datetime.date(2021, 10, 1))
    visit = VisitFactory(enterprise=assignment.enterprise)
    visit.participants.add(assignment.leader, assignment.responsible)
    ProblemFactory(enterprise=assignment.enterprise, raised_on=today)
    ProblemFactory(
        enterprise=assignment.enterprise,
        department=assignment.department,
        raised_on=today - datetime.timedelta(days=20),
        assigned_on=today - datetime.timedelta(days=20),
        status="assigned",
    )
    OfficialFactory(department=assignment.department, rank="department_head")
    plan = ProjectPlanFactory(department=assignment.department, leader=assignment.leader)
    ProjectReportFactory(project__enterprise=assignment.enterprise)
    plan.project.enterprise = assignment.enterprise
    plan.project.save()
    WorkReportFactory(assignment=assignment)
    InspectionFactory(department=assignment.department, assignment=assignment)
    ProjectInspectionFactory(project=plan.project)
    ProjectEvaluationFactory(project=plan.project)
    Period.objects.create(
        period=datetime.date(2021, 9, 1), status="closed", closed_at=timezone.now()
    )


# The model behind each resource's {id}, and behind each foreign key of a request body.
PATH_MODELS = {
    "departments": Department,
    "officials": Official,
    "enterprises": Enterprise,
    "assignments": Assignment,
    "targets": Target,
    "monthly-reports": MonthlyReport,
    "visits": Visit,
    "problems": Problem,
    "projects": Project,
    "project-plans": ProjectPlan,
    "project-reports": ProjectReport,
    "supervision-notices": SupervisionNotice,
    "work-reports": WorkReport,
    "inspections": Inspection,
    "project-inspections": ProjectInspection,
    "project-evaluations": ProjectEvaluation,
}
BODY_MODELS = {
    "enterprise": Enterprise,
    "department": Department,
    "leader": Official,
    "responsible": Official,
    "participants": Official,
    "team": Official,
    "project": Project,
    "visit": Visit,
    "assignment": Assignment,
    "user": get_user_model(),
}


def _existing(model, value):
    """Return an existing row's id in place of two of three generated ids (others kept)."""
    if isinstance(value, bool) or not isinstance(value, int) or value % 3 == 0:
        return value
    pks = list(model.objects.order_by("pk").values_list("pk", flat=True)[:5])
    return pks[value % len(pks)] if pks else value


def aim_at_existing_rows(case):
    """Point most generated ids at rows that exist, so that writes and updates really happen."""
    resource = case.operation.path.split("/")[3]
    if "id" in (case.path_parameters or {}) and resource in PATH_MODELS:
        case.path_parameters["id"] = _existing(PATH_MODELS[resource], case.path_parameters["id"])
    if isinstance(case.body, dict):
        for name, model in BODY_MODELS.items():
            value = case.body.get(name)
            if isinstance(value, list):
                case.body[name] = [_existing(model, item) for item in value]
            elif value is not None:
                case.body[name] = _existing(model, value)


@pytest.fixture
def in_process_requests(settings):
    """Serve requests in this thread with the test database, as Django's test client does."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fuzz(operation, mode, *, headers, failures, calls):
    """Send an operation's examples and generated cases; record status codes and failures."""

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case):
        if mode == GenerationMode.POSITIVE:
            aim_at_existing_rows(case)
        response = case.call(headers=headers)
        calls.append(response.status_code)
        try:
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance],
                headers=headers,
            )
        except Exception as error:
            # Recorded rather than raised: Hypothesis would spend minutes shrinking it.
            failures.append(f"{operation.label} [{mode.value}]: {error}")

    exercise()


def takes_input(operation) -> bool:
    """Return whether an operation has a parameter or a body: only those have negative cases.

    Hypothesis gives up (``Unsatisfiable``) when asked for invalid input to an operation that
    takes none, such as ``GET /api/v1/ping/`` (the authentication header and cookie that
    schemathesis adds from the security schemes are never made invalid).
    """
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


@pytest.mark.timeout(1200)  # 130-150 s on a quiet machine, over 300 s beside another suite
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(in_process_requests):
    """Fuzz every operation of the schema as an administrator: no 5xx, every answer as documented.

    Each operation gets a few positive and a few negative examples (its documented examples
    first); the examples of one run share the database, so later ones meet earlier writes.
    """
    _seed()
    admin = UserFactory(username="fuzz-admin", is_staff=True, is_superuser=True)
    headers = {"Authorization": f"Token {Token.objects.create(user=admin).key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", in_process_requests, headers=headers
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    failures, calls = [], []
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if takes_input(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            fuzz(operation, mode, headers=headers, failures=failures, calls=calls)

    assert calls.count(200) + calls.count(201) > len(operations)
    assert not failures, "\n\n".join(failures[:20])

    # The coverage phase: boundary values, every enum value, wrong types and missing fields
    # derived from each constraint of the schema, positive and negative.
    covered = 0
    for operation in operations:
        generation = schema.config.generation_for(operation=operation)
        for case in schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=generation,
        ):
            covered += 1
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{operation.label} [coverage]: {response.status_code}")
    assert covered > len(operations) * 3
    assert not failures, "\n\n".join(failures[:20])
