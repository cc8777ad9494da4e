"""Hostile request bodies: every write of the API answers 400 for a body that is not a JSON object,
for nesting beyond the documented depth and for bodies that are not JSON, and writes nothing."""

import datetime

import pytest
from django.db import models, transaction
from django.utils import timezone

from core.api.http import json_depth
from enterprises.models import MonthlyReport
from hengkou.models import NoticeEvent
from tests.factories import EnterpriseFactory, UserFactory
from tests.hengkou.test_access import _api_url, api_operations
from tests.scoped_world import build_world

pytestmark = pytest.mark.django_db

WRITES = ("post", "patch", "put")
NESTED = "[" * 100_000 + "]" * 100_000
BODIES = {
    "array": "[null, null]",
    "number": "12",
    "string": '"reason"',
    "null": "null",
    "deep array": NESTED,
    "deep object": '{"a": ' * 40 + "1" + "}" * 40,
    "not json": "{reason: oops}",
    "NaN": '{"reason": NaN}',
}


def test_every_write_refuses_a_body_that_is_not_one_bounded_object(admin_api):
    world = build_world()
    writes = [(path, method) for path, method in api_operations() if method in WRITES]
    assert len(writes) > 30
    wrong = []
    events = NoticeEvent.objects.count()
    for path, method in writes:
        url = _api_url(world, path)
        for name, body in BODIES.items():
            with transaction.atomic():
                response = getattr(admin_api, method)(url, body, content_type="application/json")
                transaction.set_rollback(True)
            # 404: a detail URL of a record this world does not make (answered before the body).
            if response.status_code not in (400, 404) or (
                response.status_code == 400 and "detail" not in response.json()
            ):
                wrong.append(f"{method.upper()} {url} [{name}]: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert NoticeEvent.objects.count() == events


def test_reopen_with_an_array_body_is_a_400_not_a_500(admin_api):
    response = admin_api.post(
        "/api/v1/periods/2021-11/reopen/", "[null, null]", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"] or "对象" in response.json()["detail"]


def test_a_body_just_within_the_depth_limit_is_read(admin_api, settings):
    settings.HENGKOU_JSON_MAX_DEPTH = 3
    body = '{"reason": {"a": {"b": 1}}}'
    assert json_depth(body) == 3
    response = admin_api.post(
        "/api/v1/periods/2021-11/reopen/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" not in str(response.json())  # parsed: refused by the view for its own reasons
    deeper = '{"reason": {"a": {"b": [1]}}}'
    response = admin_api.post(
        "/api/v1/periods/2021-11/reopen/", deeper, content_type="application/json"
    )
    assert response.status_code == 400 and "3" in response.json()["detail"]


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth('{"a": "[[[[{{{{"}') == 1
    assert json_depth('["\\"[", [[]]]') == 3
    assert json_depth(NESTED) == 100_000


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("output_value", "1_000", 400),
        ("output_value", "1e3", 400),
        ("output_value", "١٠٠٠", 400),  # Arabic-Indic digits, which Python's Decimal reads
        ("employees", "1_000", 400),
        ("employees", " 1000 ", 201),
        ("output_value", "1000.50", 201),
    ],
)
def test_numbers_are_read_as_a_person_writes_them(admin_api, field, value, status):
    enterprise = EnterpriseFactory()
    body = {"enterprise": enterprise.pk, "period": "2021-11", field: value}
    response = admin_api.post("/api/v1/monthly-reports/", body, format="json")
    assert response.status_code == status, response.content
    if status == 400:
        assert field in response.json()
        assert not MonthlyReport.objects.exists()


def test_signed_in_pages_exports_and_api_answers_are_not_stored(client, admin_api):
    user = UserFactory(username="cache-admin", is_superuser=True)
    client.force_login(user)
    for url in ("/", "/dashboard/?period=2021-11&metric=output_value", "/notices/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
    export = client.get("/dashboard/ranking.xlsx", {"period": "2021-11", "metric": "output_value"})
    assert export["Cache-Control"] == "private, no-store"
    assert admin_api.get("/api/v1/departments/")["Cache-Control"] == "private, no-store"


def test_every_text_field_has_one_bound_kept_by_model_form_and_serializer():
    from django.apps import apps
    from rest_framework import serializers as drf

    from core.api.serializers import ModelWriteSerializer
    from core.models import BoundedTextField

    unbounded = [
        f"{model._meta.label}.{field.name}"
        for app in ("enterprises", "projects", "hengkou")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not isinstance(field, BoundedTextField)
    ]
    assert unbounded == []
    for serializer_class in _subclasses(ModelWriteSerializer):
        meta = getattr(serializer_class, "Meta", None)
        if meta is None or not hasattr(meta, "model"):
            continue
        for name, field in serializer_class().fields.items():
            if isinstance(field, drf.CharField) and not field.read_only:
                assert field.max_length, f"{serializer_class.__name__}.{name}"
                try:
                    model_field = meta.model._meta.get_field(name)
                except Exception:
                    continue
                if isinstance(model_field, BoundedTextField):
                    assert field.max_length == model_field.max_length


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@pytest.mark.parametrize("char", ["x", "长"])  # 1 MB, and 3 MB beyond the body limit
@pytest.mark.parametrize(
    ("resource", "field", "extra"),
    [
        ("visits", "notes", {}),
        ("problems", "description", {"category": "land"}),
    ],
)
def test_a_million_characters_are_refused_and_nothing_is_written(
    admin_api, resource, field, extra, char
):
    from enterprises.models import Problem, Visit
    from tests.factories import AssignmentFactory

    assignment = AssignmentFactory(year=timezone.localdate().year)
    body = {
        "enterprise": assignment.enterprise.pk,
        "visited_on": timezone.localdate().isoformat(),
        "participants": [assignment.responsible.pk],
        field: char * 1_000_000,
        **extra,
    }
    response = admin_api.post(f"/api/v1/{resource}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json() if char == "x" else "detail" in response.json()
    assert not Visit.objects.exists() and not Problem.objects.exists()


def test_a_long_reopen_reason_is_refused(admin_api):
    from enterprises.models import Period, PeriodEvent

    Period.objects.create(period=datetime.date(2021, 11, 1), status="closed")
    response = admin_api.post(
        "/api/v1/periods/2021-11/reopen/", {"reason": "x" * 200_000}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    assert Period.objects.get().status == "closed"
    assert not PeriodEvent.objects.exists()


def test_every_endpoint_with_a_month_refuses_one_that_has_not_begun(admin_api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=None, urlconf=None).get_schema(request=None, public=True)
    checked = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post"):
                continue
            names = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
            if ("period", "path") in names:
                url, query = path.replace("{period}", "2099-01"), {}
            elif ("period", "query") in names:
                url, query = path, {"period": "2099-01", "metric": "output_value"}
            else:
                continue
            if "{" in url:
                continue
            if method == "get":
                response = admin_api.get(url, query)
            else:
                response = admin_api.post(url, {"reason": "x"}, format="json")
            checked.append(url)
            assert response.status_code == 400, (method, url, response.content[:300])
            assert "2099-01" in str(response.json())
    assert {"/api/v1/rankings/", "/api/v1/periods/2099-01/close/"} <= set(checked)


def test_pages_refuse_a_month_that_has_not_begun(client):
    client.force_login(UserFactory(username="pager", is_superuser=True))
    response = client.get("/dashboard/", {"period": "2099-01", "metric": "output_value"})
    assert response.status_code == 200
    assert "2099-01 尚未开始" in response.content.decode()
