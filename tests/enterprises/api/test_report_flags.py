"""monthly-reports/ shows each report's data-quality flags, and a write answers with its own."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.choices import FlagRule
from enterprises.models import FigureFlag
from enterprises.services.quality import explain_figure_flag
from tests.factories import EnterpriseFactory, MonthlyReportFactory, UserFactory

pytestmark = pytest.mark.django_db
OCT, NOV = datetime.date(2021, 10, 1), datetime.date(2021, 11, 1)
FLAG_FIELDS = {
    "id",
    "rule",
    "metric",
    "params",
    "message",
    "explained",
    "explanation",
    "explained_by",
    "explained_at",
}


def flagged_report(**figures):
    """Return a November report with no employees (a flag) and a value added above output."""
    return MonthlyReportFactory(
        period=NOV, output_value="100", value_added="150", employees=0, **figures
    )


def explain(flag, text="新厂区由母公司派员生产，增加值含来料加工。"):
    user = UserFactory(username="zhao", first_name="赵红梅", is_superuser=True)
    return explain_figure_flag(flag=flag, explanation=text, acting_user=user, now=timezone.now())


def test_the_list_and_the_detail_show_the_reports_flags_explained_or_not(admin_api):
    report = flagged_report()
    quiet = MonthlyReportFactory(period=NOV)
    explain(FigureFlag.objects.get(report=report, rule=FlagRule.NO_EMPLOYEES))

    body = admin_api.get("/api/v1/monthly-reports/", {"period": "2021-11"}).json()
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id[quiet.pk]["flags"] == []
    flags = by_id[report.pk]["flags"]
    assert [(f["rule"], f["metric"]) for f in flags] == [
        (FlagRule.NO_EMPLOYEES, "employees"),
        (FlagRule.VALUE_ADDED_OVER_OUTPUT, "value_added"),
    ]
    assert set(flags[0]) == FLAG_FIELDS
    assert flags[0]["explained"] is True
    assert flags[0]["explanation"] == "新厂区由母公司派员生产，增加值含来料加工。"
    assert flags[0]["explained_by"] == "赵红梅" and flags[0]["explained_at"]
    assert flags[1]["explained"] is False and flags[1]["explanation"] == ""
    assert flags[1]["explained_by"] is None and flags[1]["explained_at"] is None
    assert flags[1]["message"] == "工业增加值 150.00 超过工业总产值 100.00（万元）。"
    assert flags[1]["params"] == {"value": "150", "compared": "100", "limit": "1"}

    detail = admin_api.get(f"/api/v1/monthly-reports/{report.pk}/").json()
    assert detail["flags"] == flags


def test_the_list_reads_the_flags_in_one_query_whatever_the_rows(admin_api):
    counts = []
    for more in (2, 38):
        for _ in range(more):
            report = flagged_report()
            explain(FigureFlag.objects.filter(report=report).first())
        with CaptureQueriesContext(connection) as queries:
            response = admin_api.get("/api/v1/monthly-reports/", {"page_size": 1000})
        assert response.status_code == 200
        assert all(len(row["flags"]) == 2 for row in response.json()["results"])
        counts.append(len(queries))
    assert response.json()["count"] == 40
    assert counts[0] == counts[1], counts


def test_a_create_answers_with_the_flags_it_produced(admin_api):
    enterprise = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/monthly-reports/",
        {"enterprise": enterprise.pk, "period": "2021-11", "output_value": "100", "tax": "5"},
        format="json",
    )
    assert response.status_code == 201, response.content
    flags = response.json()["flags"]
    assert [(f["rule"], f["metric"], f["explained"]) for f in flags] == [
        (FlagRule.NO_EMPLOYEES, "employees", False),
        (FlagRule.TAX_OVER_REVENUE, "tax", False),
    ]
    assert {f["id"] for f in flags} == set(FigureFlag.objects.values_list("pk", flat=True))


def test_a_patch_answers_with_the_flags_left_after_it(admin_api):
    report = flagged_report()
    explain(FigureFlag.objects.get(report=report, rule=FlagRule.NO_EMPLOYEES))
    url = f"/api/v1/monthly-reports/{report.pk}/"
    # The value added corrected, the employees' explanation untouched: one flag left, explained.
    response = admin_api.patch(url, {"value_added": "30"}, format="json")
    assert response.status_code == 200, response.content
    assert [(f["rule"], f["explained"]) for f in response.json()["flags"]] == [
        (FlagRule.NO_EMPLOYEES, True)
    ]
    # A change that still breaks a rule answers with the flag, now to be explained again.
    response = admin_api.patch(url, {"output_value": "120"}, format="json")
    assert [(f["rule"], f["explained"]) for f in response.json()["flags"]] == [
        (FlagRule.NO_EMPLOYEES, False)
    ]
    # A change of a neighbour month is answered with the report's own flags only.
    october = MonthlyReportFactory(enterprise=report.enterprise, period=OCT, output_value="10")
    response = admin_api.patch(url, {"employees": 8}, format="json")
    assert [(f["rule"], f["metric"]) for f in response.json()["flags"]] == [
        (FlagRule.MONTH_JUMP, "output_value")
    ]
    response = admin_api.patch(
        f"/api/v1/monthly-reports/{october.pk}/", {"output_value": "110"}, format="json"
    )
    assert response.json()["flags"] == []
    assert admin_api.get(url).json()["flags"] == []
