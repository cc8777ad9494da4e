"""Row-level scoping: a department sees and changes its own records through every door.

The role users belong to department 1 (tests/scoped_world.py); every attempt on department 2's
records — by id in the API, a page, the admin, the history endpoint, an export, or a body naming
them — is not found or refused, and writes nothing.
"""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from openpyxl import load_workbook
from rest_framework import mixins
from rest_framework.test import APIClient

from core import scoping
from core.admin import ScopedAdminMixin
from core.api.views import ScopedViewSetMixin
from core.scoping import get_scope, in_scope, is_registered, scope_queryset
from enterprises.models import Enterprise, MonthlyReport, Problem, Visit
from hengkou.api.urls import router
from hengkou.roles import DOMAIN_APPS
from tests.scoped_world import build_world

SIDE_ROLES = ("department_user", "official", "county_leader")


@pytest.fixture
def world(db):
    return build_world()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user):
    client = Client()
    client.force_login(user)
    return client


# --- the rules cover everything ----------------------------------------------------------------


def test_every_domain_model_declares_its_scope():
    models = [
        model
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    ]
    assert models
    assert [m._meta.label for m in models if not is_registered(m)] == []


def test_every_api_resource_and_admin_is_scoped():
    def scoped(viewset):
        # The mixin must come before DRF's mixins, or their perform_* hooks would win.
        mro = viewset.__mro__
        return ScopedViewSetMixin in mro and all(
            mro.index(ScopedViewSetMixin) < mro.index(mixin)
            for mixin in (mixins.CreateModelMixin, mixins.UpdateModelMixin)
            if mixin in mro
        )

    assert [prefix for prefix, viewset, _basename in router.registry if not scoped(viewset)] == []
    domain_admins = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in DOMAIN_APPS
    ]
    assert domain_admins
    assert [type(a).__name__ for a in domain_admins if not isinstance(a, ScopedAdminMixin)] == []


# --- who sees what -----------------------------------------------------------------------------


def test_each_role_sees_its_rows(world):
    ours, theirs = world.ours.enterprise, world.theirs.enterprise
    enterprises = Enterprise.objects.all()
    for role in ("administrator", "economic_bureau", "supervision_office"):
        assert set(scope_queryset(enterprises, world.users[role])) == {ours, theirs}
    for role in SIDE_ROLES:
        assert list(scope_queryset(enterprises, world.users[role])) == [ours], role
    assert list(scope_queryset(enterprises, world.users["no_role"])) == []


def test_the_scope_costs_one_query_and_is_kept_on_the_user(world, django_assert_num_queries):
    user = world.users["department_user"]
    with django_assert_num_queries(1):
        scope = get_scope(user)
        assert get_scope(user) is scope
    assert scope.department_ids == {world.ours.department.pk}


def test_without_a_resolver_only_superusers_reach_rows(world, monkeypatch):
    # core knows no app: until enterprises registers what a scope is, nothing is reached.
    monkeypatch.setattr(scoping, "_RESOLVER", [])
    enterprises = Enterprise.objects.all()
    for role in ("administrator", "department_user", "official"):
        user = world.users[role]
        scoping.forget_scope(user)
        assert get_scope(user) is scoping.NO_ROWS
        assert list(scope_queryset(enterprises, user)) == [], role


def test_an_official_reaches_their_assignments_through_the_team_too(world):
    from tests.factories import AssignmentFactory, OfficialFactory
    from tests.roles import user_with_role

    member = OfficialFactory(department=world.theirs.department)
    assignment = AssignmentFactory(year=world.today.year, department=world.theirs.department)
    assignment.team.add(member)
    user = user_with_role("official", official=member)
    assert in_scope(user, assignment.enterprise)
    assert not in_scope(user, world.theirs.enterprise)


# --- the API -----------------------------------------------------------------------------------

RESOURCES = {
    "enterprises": "enterprise",
    "assignments": "assignment",
    "visits": "visit",
    "problems": "problem",
    "monthly-reports": "monthlyreport",
    "projects": "project",
    "supervision-notices": "supervisionnotice",
    "targets": "target",
    "project-plans": "projectplan",
    "project-reports": "projectreport",
    "departments": "department",
    "officials": "official",
    "cultivations": "cultivation",
    "loans": "loan",
    "safety-inspections": "safetyinspection",
    "standard-factories": "standardfactory",
    "new-investors": "newinvestor",
    "funding-applications": "fundingapplication",
}


@pytest.mark.parametrize("role", SIDE_ROLES)
def test_another_departments_records_are_not_found_in_the_api(world, role):
    client = api(world.users[role])
    for resource, record in RESOURCES.items():
        theirs = world.theirs.records[record]
        listed = client.get(f"/api/v1/{resource}/", {"page_size": 1000})
        if listed.status_code == 403:
            # No permission to read the kind at all: the detail is refused the same way.
            assert client.get(f"/api/v1/{resource}/{theirs.pk}/").status_code == 403
            continue
        assert listed.status_code == 200, resource
        ids = {row["id"] for row in listed.json()["results"]}
        assert theirs.pk not in ids, resource
        assert client.get(f"/api/v1/{resource}/{theirs.pk}/").status_code == 404, resource
        for method in ("patch", "delete"):
            status = getattr(client, method)(
                f"/api/v1/{resource}/{theirs.pk}/", {}, format="json"
            ).status_code
            assert status in (403, 404, 405), (resource, method, status)
        assert type(theirs).objects.filter(pk=theirs.pk).exists()


def test_the_department_user_lists_exactly_its_own(world):
    client = api(world.users["department_user"])
    for resource, record in (
        ("enterprises", "enterprise"),
        ("problems", "problem"),
        ("monthly-reports", "monthlyreport"),
        ("supervision-notices", "supervisionnotice"),
        ("projects", "project"),
    ):
        ids = {row["id"] for row in client.get(f"/api/v1/{resource}/").json()["results"]}
        assert ids == {world.ours.records[record].pk}, resource


def test_a_body_naming_another_departments_enterprise_is_refused(world):
    client = api(world.users["department_user"])
    before = MonthlyReport.objects.count()
    response = client.post(
        "/api/v1/monthly-reports/",
        {"enterprise": world.theirs.enterprise.pk, "period": "2021-10", "output_value": "1.00"},
        format="json",
    )
    assert response.status_code == 400
    assert "enterprise" in response.json()
    assert MonthlyReport.objects.count() == before
    response = client.post(
        "/api/v1/monthly-reports/",
        {"enterprise": world.ours.enterprise.pk, "period": "2021-10", "output_value": "1.00"},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_raising_names_only_its_own_department_routing_may_name_any(world):
    """Raising a problem names the raiser's department; routing it (交办) any department."""
    client = api(world.users["department_user"])
    problem = world.ours.records["problem"]
    response = client.patch(
        f"/api/v1/problems/{problem.pk}/", {"department": world.theirs.department.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    problem.refresh_from_db()
    assert problem.department == world.theirs.department  # the handling department sees it now
    assert problem.events.filter(action="assigned").exists()
    response = client.post(
        "/api/v1/problems/",
        {
            "enterprise": world.ours.enterprise.pk,
            "category": "land",
            "description": "用地",
            "department": world.theirs.department.pk,
            "raised_on": world.today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "department" in response.json()
    assert Problem.objects.count() == 2


def test_an_official_cannot_log_a_visit_to_another_departments_enterprise(world):
    client = api(world.users["official"])
    before = Visit.objects.count()
    response = client.post(
        "/api/v1/visits/",
        {
            "enterprise": world.theirs.enterprise.pk,
            "visited_on": world.today.isoformat(),
            "participants": [world.ours.responsible.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert Visit.objects.count() == before


def test_the_history_of_another_departments_record_is_not_found(world):
    client = api(world.users["department_user"])
    for record, model in (
        ("enterprise", "enterprises.enterprise"),
        ("problem", "enterprises.problem"),
    ):
        theirs = world.theirs.records[record]
        ours = world.ours.records[record]
        url = "/api/v1/history/"
        assert client.get(url, {"model": model, "object_id": theirs.pk}).status_code == 404
        assert client.get(url, {"model": model, "object_id": ours.pk}).status_code == 200


def test_the_visit_compliance_endpoint_holds_only_the_users_assignments(world):
    for role in SIDE_ROLES:
        body = api(world.users[role]).get(
            "/api/v1/visit-compliance/", {"period": f"{world.today:%Y-%m}"}
        )
        assert body.status_code == 200
        assignments = {line["assignment"] for line in body.json()["results"]}
        assert assignments == {world.ours.assignment.pk}, role


# --- pages -------------------------------------------------------------------------------------


def _their_pages(world):
    theirs = world.theirs.records
    month = f"{world.today:%Y-%m}"
    return [
        f"/enterprises/{theirs['enterprise'].pk}/",
        f"/enterprises/{theirs['enterprise'].pk}/visits/new/",
        f"/problems/{theirs['problem'].pk}/",
        f"/work-reports/{theirs['assignment'].pk}/{month}/",
        f"/projects/{theirs['project'].pk}/",
        f"/projects/{theirs['project'].pk}/reports/{month}/",
        f"/notices/{theirs['supervisionnotice'].pk}/",
        f"/compliance/officials/{theirs['official'].pk}/",
    ]


@pytest.mark.parametrize("role", SIDE_ROLES)
def test_another_departments_pages_are_not_found(world, role):
    client = page(world.users[role])
    for url in _their_pages(world):
        status = client.get(url).status_code
        # 403 where the role may not open that kind of page at all.
        assert status in (403, 404), (url, status)
    # The department user may open every kind: the other department's are all 404.
    if role == "department_user":
        assert {client.get(url).status_code for url in _their_pages(world)} - {404} <= {403}


def test_a_post_to_another_departments_page_writes_nothing(world):
    client = page(world.users["department_user"])
    problem = world.theirs.records["problem"]
    response = client.post(f"/problems/{problem.pk}/", {"action": "feedback", "note": "x"})
    assert response.status_code == 404
    assert not problem.events.exists()
    month = f"{world.today:%Y-%m}"
    assignment = world.theirs.assignment
    response = client.post(f"/work-reports/{assignment.pk}/{month}/", {"progress": "改写"})
    assert response.status_code == 404
    assert assignment.work_reports.get().progress == "进展顺利"


def test_lists_and_their_exports_hold_only_the_users_rows(world):
    client = page(world.users["department_user"])
    html = client.get("/problems/").content.decode()
    assert world.ours.enterprise.name in html
    assert world.theirs.enterprise.name not in html
    response = client.get("/problems/?format=xlsx")
    assert response.status_code == 200
    cells = {
        str(cell)
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for cell in row
    }
    assert world.ours.enterprise.name in cells
    assert world.theirs.enterprise.name not in cells
    board = client.get("/work-reports/").content.decode()
    assert world.ours.enterprise.name in board
    assert world.theirs.enterprise.name not in board


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_keeps_a_department_user_to_its_rows(world):
    client = page(world.users["department_user"])
    changelist = client.get("/admin/enterprises/monthlyreport/")
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert world.ours.enterprise.name in html
    assert world.theirs.enterprise.name not in html
    theirs = world.theirs.records["monthlyreport"]
    response = client.get(f"/admin/enterprises/monthlyreport/{theirs.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    response = client.post(
        f"/admin/enterprises/monthlyreport/{theirs.pk}/change/", {"output_value": "999"}
    )
    theirs.refresh_from_db()
    assert str(theirs.output_value) != "999.00"
    history = client.get(f"/admin/enterprises/monthlyreport/{theirs.pk}/history/")
    assert history.status_code == 404


def test_the_admin_refuses_a_form_naming_another_departments_enterprise(world):
    client = page(world.users["department_user"])
    before = MonthlyReport.objects.count()
    response = client.post(
        "/admin/enterprises/monthlyreport/add/",
        {"enterprise": world.theirs.enterprise.pk, "period": "2021-10-01", "output_value": "5"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "enterprise" in response.context["adminform"].form.errors
    assert MonthlyReport.objects.count() == before


def test_the_admin_export_holds_only_the_users_rows(world):
    client = page(world.users["department_user"])
    response = client.get("/admin/enterprises/monthlyreport/export.xlsx")
    assert response.status_code == 200
    cells = {
        str(cell)
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for cell in row
    }
    assert world.ours.enterprise.name in cells
    assert world.theirs.enterprise.name not in cells


def test_a_problem_is_also_its_handling_departments_and_its_raisers(world):
    from tests.factories import ProblemFactory

    theirs = world.theirs.enterprise
    handled_by_us = ProblemFactory(enterprise=theirs, department=world.ours.department)
    raised_by_our_official = ProblemFactory(
        enterprise=theirs, department=world.theirs.department, raised_by=world.ours.responsible
    )
    elsewhere = world.theirs.records["problem"]
    head = page(world.users["department_user"])
    assert head.get(f"/problems/{handled_by_us.pk}/").status_code == 200
    assert head.get(f"/problems/{elsewhere.pk}/").status_code == 404
    official = api(world.users["official"])
    listed = {row["id"] for row in official.get("/api/v1/problems/").json()["results"]}
    assert raised_by_our_official.pk in listed
    assert elsewhere.pk not in listed and handled_by_us.pk not in listed


@pytest.mark.parametrize(
    ("resource", "field", "record", "body"),
    [
        ("monthly-reports", "enterprise", "monthlyreport", {"output_value": "1.00"}),
        ("project-reports", "project", "projectreport", {"investment": "1.00"}),
    ],
)
def test_scope_is_checked_before_uniqueness_so_nothing_leaks(world, resource, field, record, body):
    """A refusal reads the same whether or not the other department's record has filed."""
    client = api(world.users["department_user"])
    filed = world.theirs.records[record]
    owner = getattr(filed, field)
    period = filed.period.strftime("%Y-%m")
    answers = []
    for month in (period, "2020-01"):  # the month it filed, and one it never filed
        response = client.post(
            f"/api/v1/{resource}/", {field: owner.pk, "period": month, **body}, format="json"
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert list(answers[0][1]) == [field]
