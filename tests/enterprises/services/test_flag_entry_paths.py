"""Every path that writes monthly figures stores the flags of what it writes, and a correction
through the same path removes them (the flag's history keeps its last state, explanation and all).

The paths: the admin's form (there is no other form page for monthly figures; departments use
the admin), its revert to an earlier version, its bulk delete action, the API's POST and PATCH
(PUT is not offered), and the Excel import (upload, preview, confirm).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.choices import FlagRule
from enterprises.models import FigureFlag, MonthlyReport
from enterprises.services.quality import explain_figure_flag
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import EnterpriseFactory, MonthlyReportFactory
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
OCT, NOV = datetime.date(2021, 10, 1), datetime.date(2021, 11, 1)
VALUE_ADDED = {(FlagRule.VALUE_ADDED_OVER_OUTPUT, "value_added")}
REASON = "来料加工，增加值按合同口径填报。"


def flags(enterprise, period=NOV):
    return set(
        FigureFlag.objects.filter(enterprise=enterprise, period=period).values_list(
            "rule", "metric"
        )
    )


def explain(enterprise, user):
    flag = FigureFlag.objects.get(enterprise=enterprise)
    explain_figure_flag(flag=flag, explanation=REASON, acting_user=user, now=timezone.now())
    return flag


def assert_gone_with_its_history(flag, user):
    """The flag is deleted; its history's last row is the deletion, explanation and user kept."""
    assert not FigureFlag.objects.filter(pk=flag.pk).exists()
    last = FigureFlag.history.filter(id=flag.pk).latest()
    assert last.history_type == "-"
    assert last.explanation == REASON and last.history_user == user


def admin_form(enterprise, **figures):
    data = {
        "enterprise": enterprise.pk,
        "period": "2021-11-01",
        "output_value": "100",
        "value_added": "20",
        "revenue": "90",
        "profit": "1",
        "tax": "1",
        "employees": "3",
        "wages": "1",
        "electricity": "1",
    }
    return {**data, **figures}


@pytest.fixture
def bureau():
    return user_with_role("economic_bureau", is_staff=True)


def test_the_admin_form_stores_the_flag_and_its_correction_removes_it(client, bureau):
    client.force_login(bureau)
    enterprise = EnterpriseFactory()
    response = client.post(
        reverse("admin:enterprises_monthlyreport_add"),
        admin_form(enterprise, value_added="150"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert flags(enterprise) == VALUE_ADDED
    flag = explain(enterprise, bureau)

    report = MonthlyReport.objects.get(enterprise=enterprise)
    change = reverse("admin:enterprises_monthlyreport_change", args=[report.pk])
    response = client.post(change, admin_form(enterprise, value_added="15"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert flags(enterprise) == set()
    assert_gone_with_its_history(flag, bureau)


def test_the_admins_revert_to_an_earlier_version_stores_its_flags(client, bureau):
    client.force_login(bureau)
    report = MonthlyReportFactory(output_value="100", value_added="150")
    assert flags(report.enterprise) == VALUE_ADDED
    change = reverse("admin:enterprises_monthlyreport_change", args=[report.pk])
    client.post(change, admin_form(report.enterprise, value_added="15"))
    assert flags(report.enterprise) == set()

    flagged = report.history.filter(value_added=150).latest()
    revert = reverse(
        "admin:enterprises_monthlyreport_simple_history", args=[report.pk, flagged.history_id]
    )
    response = client.post(revert, admin_form(report.enterprise, value_added="150"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert flags(report.enterprise) == VALUE_ADDED


def test_the_admins_bulk_delete_removes_the_flags_and_recomputes_the_next_month(admin_client):
    # Deleting reports is the administrator's (the roles that enter figures correct them).
    client = admin_client
    october = MonthlyReportFactory(period=OCT, output_value="100", value_added="150")
    enterprise = october.enterprise
    november = MonthlyReportFactory(enterprise=enterprise, period=NOV, output_value="1000")
    assert flags(enterprise, OCT) == VALUE_ADDED
    assert flags(enterprise, NOV) == {(FlagRule.MONTH_JUMP, "output_value")}
    response = client.post(
        reverse("admin:enterprises_monthlyreport_changelist"),
        {"action": "delete_selected", "_selected_action": [october.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(MonthlyReport.objects.values_list("pk", flat=True)) == [november.pk]
    # October's flags went with it, and November no longer jumps against a missing month.
    assert not FigureFlag.objects.exists()


def test_the_api_post_and_patch_store_the_flags_and_put_is_not_offered(bureau):
    api = APIClient()
    api.force_authenticate(bureau)
    enterprise = EnterpriseFactory()
    body = {"enterprise": enterprise.pk, "period": "2021-11", "output_value": "100"}
    response = api.post(
        "/api/v1/monthly-reports/", {**body, "value_added": "150", "employees": 3}, format="json"
    )
    assert response.status_code == 201, response.content
    assert flags(enterprise) == VALUE_ADDED
    flag = explain(enterprise, bureau)

    url = f"/api/v1/monthly-reports/{response.json()['id']}/"
    assert api.put(url, {**body, "value_added": "15"}, format="json").status_code == 405
    assert flags(enterprise) == VALUE_ADDED
    response = api.patch(url, {"value_added": "15"}, format="json")
    assert response.status_code == 200, response.content
    assert flags(enterprise) == set()
    assert_gone_with_its_history(flag, bureau)


def test_the_import_stores_the_flags_and_a_corrected_file_removes_them(client, bureau):
    client.force_login(bureau)
    enterprise = EnterpriseFactory()

    def import_rows(**figures):
        content = xlsx([MONTHLY_HEADER, monthly_row(enterprise.credit_code, **figures)])
        url = reverse("imports:upload", args=["monthly_reports"])
        page = client.post(url, {"file": SimpleUploadedFile("figures.xlsx", content)})
        assert page.context["result"].ok, page.context["result"].errors
        confirm = reverse("imports:confirm", args=["monthly_reports"])
        assert client.post(confirm, {"token": page.context["token"]}).status_code == 302

    import_rows(value_added="150.00")
    assert flags(enterprise) == VALUE_ADDED
    flag = explain(enterprise, bureau)
    import_rows(value_added="15.00")
    assert MonthlyReport.objects.get(enterprise=enterprise).value_added == 15
    assert flags(enterprise) == set()
    assert_gone_with_its_history(flag, bureau)
