"""The audit trail: every write path keeps who, when, and each field before and after."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.choices import ReportStatus
from enterprises.models import Assignment, Enterprise, MonthlyReport, Target, Visit
from enterprises.services.figures import delete_monthly_reports, save_monthly_report
from hengkou.services.close import close_month, reopen_month
from projects.models import Project
from tests.factories import (
    AssignmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    TargetFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)


@pytest.fixture
def admin_user_():
    return UserFactory(username="auditor", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_api(admin_user_):
    client = APIClient()
    client.force_authenticate(admin_user_)
    return client


def _history(api, obj, **extra):
    query = {"model": obj._meta.label_lower, "object_id": obj.pk, **extra}
    return api.get("/api/v1/history/", query)


def test_a_visit_logged_on_its_page_records_who_and_its_participants(client):
    official = OfficialFactory(name="张三")
    user = user_with_role("official", official=official, username="zhang")
    assignment = AssignmentFactory(
        year=timezone.localdate().year, responsible=official, department=official.department
    )
    client.force_login(user)
    response = client.post(
        reverse("enterprises:visit_new", args=[assignment.enterprise_id]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "participants": [official.pk, assignment.leader.pk],
            "kind": "routine",
            "notes": "了解生产经营情况",
            "problems-TOTAL_FORMS": "0",
            "problems-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    records = list(visit.history.order_by("history_id"))
    assert records[0].history_type == "+"
    assert {record.history_user for record in records} == {user}
    # The participants are kept with the record (m2m history).
    assert {row.official_id for row in records[-1].participants.all()} == {
        official.pk,
        assignment.leader_id,
    }


def test_an_enterprise_changed_in_the_admin_keeps_before_and_after(admin_client):
    enterprise = EnterpriseFactory(name="安康旧名有限公司", employees=10)
    admin = enterprise.history.model._meta.get_field("history_user").related_model
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = {
        "credit_code": enterprise.credit_code,
        "name": "安康新名有限公司",
        "chain": enterprise.chain,
        "chain_role": enterprise.chain_role,
        "employees": "12",
        "poverty_employees": "0",
        "address": "",
        "titles-TOTAL_FORMS": "0",
        "titles-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = enterprise.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == admin.objects.get(is_superuser=True)
    delta = latest.diff_against(latest.prev_record)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["name"] == ("安康旧名有限公司", "安康新名有限公司")
    assert changes["employees"] == (10, 12)

    page = admin_client.get(reverse("admin:enterprises_enterprise_history", args=[enterprise.pk]))
    assert page.status_code == 200
    assert "安康新名有限公司" in page.content.decode()


def test_a_target_patched_over_the_api_is_read_back_from_the_history_endpoint(
    admin_api, admin_user_
):
    target = TargetFactory(value=Decimal("1200.00"))
    response = admin_api.patch(f"/api/v1/targets/{target.pk}/", {"value": "1500.00"}, format="json")
    assert response.status_code == 200, response.content
    latest = target.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", admin_user_)

    body = _history(admin_api, target).json()
    assert body["model"] == "enterprises.target"
    changed, created = body["results"]
    assert changed["type"] == "~"
    assert changed["user"] == "auditor"
    values = {change["field"]: change for change in changed["changes"]}
    assert (values["value"]["before"], values["value"]["after"]) == ("1200.00", "1500.00")
    assert "year" not in values
    assert created["type"] == "+"
    assert created["user"] is None  # written by the factory, outside a request
    assert {change["field"] for change in created["changes"]} >= {"enterprise", "year", "value"}


def test_the_service_writes_history_and_a_delete_keeps_a_minus_row(admin_api):
    enterprise = EnterpriseFactory()
    report = save_monthly_report(
        report=MonthlyReport(enterprise=enterprise, period=NOV, output_value=Decimal("100.00"))
    )
    report.output_value = Decimal("120.00")
    save_monthly_report(report=report)
    pk = report.pk
    assert list(
        MonthlyReport.history.filter(id=pk)
        .order_by("history_id")
        .values_list("history_type", "output_value")
    ) == [("+", Decimal("100.00")), ("~", Decimal("120.00"))]

    assert delete_monthly_reports(reports=MonthlyReport.objects.filter(pk=pk)) == 1
    assert not MonthlyReport.objects.filter(pk=pk).exists()
    gone = MonthlyReport.history.filter(id=pk).latest()
    assert (gone.history_type, gone.output_value) == ("-", Decimal("120.00"))

    body = _history(admin_api, report).json()
    assert [entry["type"] for entry in body["results"]] == ["-", "~", "+"]
    deleted = {change["field"]: change for change in body["results"][0]["changes"]}
    assert deleted["output_value"] == {"field": "output_value", "before": "120.00", "after": None}


def test_closing_and_reopening_a_month_records_each_status_change(admin_user_):
    report = MonthlyReportFactory(period=NOV)
    already = MonthlyReportFactory(period=NOV, status=ReportStatus.LOCKED)
    close_month(period=NOV, acting_user=admin_user_, now=timezone.now())
    locked = report.history.latest()
    assert (locked.history_type, locked.status, locked.history_user) == (
        "~",
        ReportStatus.LOCKED,
        admin_user_,
    )
    assert locked.history_change_reason == "close 2021-11"
    # A row already locked is not rewritten, so nothing is recorded for it.
    assert already.history.count() == 1

    reopen_month(period=NOV, acting_user=admin_user_, reason="数据有误", now=timezone.now())
    reopened = report.history.latest()
    assert reopened.status == ReportStatus.OPEN
    assert reopened.history_change_reason == "reopen 2021-11: 数据有误"
    assert report.history.count() == 3


def test_the_history_endpoint_needs_the_view_permission_and_a_known_model():
    target = TargetFactory()
    api = APIClient()
    # An official's role does not hold enterprises.view_target.
    api.force_authenticate(user_with_role("official", official=True))
    assert _history(api, target).status_code == 403
    # Nor does a user holding no role at all.
    api.force_authenticate(UserFactory())
    assert _history(api, target).status_code == 403
    # A clerk of the economic bureau reads every target, and so its history.
    clerk = user_with_role("economic_bureau")
    assert clerk.has_perm("enterprises.view_target")
    api.force_authenticate(clerk)
    assert _history(api, target).status_code == 200
    assert api.get("/api/v1/history/", {"model": "auth.user", "object_id": 1}).status_code == 400
    assert api.get("/api/v1/history/", {"model": "enterprises.target"}).status_code == 400
    assert APIClient().get("/api/v1/history/", {"model": "enterprises.target"}).status_code in {
        401,
        403,
    }


def test_seed_demo_writes_history_once_and_a_second_run_adds_none():
    call_command("seed_demo", stdout=StringIO())
    for model in (Enterprise, Assignment, Target, MonthlyReport, Visit, Project):
        objects = model.objects.count()
        assert objects
        assert model.history.filter(history_type="+").count() == objects, model
    before = {
        model: model.history.count() for model in (Enterprise, Assignment, MonthlyReport, Project)
    }
    call_command("seed_demo", stdout=StringIO())
    assert {model: model.history.count() for model in before} == before
