"""Data-quality flags are stored by every entry path and explained by the reporter."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from enterprises.choices import FlagRule
from enterprises.models import FigureFlag, MonthlyReport
from enterprises.selectors.quality import count_flags, list_unexplained_flags
from enterprises.services.figures import delete_monthly_reports, save_monthly_report
from enterprises.services.quality import explain_figure_flag, rebuild_figure_flags
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import AssignmentFactory, EnterpriseFactory, MonthlyReportFactory
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
OCT, NOV, DEC = (datetime.date(2021, month, 1) for month in (10, 11, 12))


def flags(enterprise, period=NOV):
    return set(
        FigureFlag.objects.filter(enterprise=enterprise, period=period).values_list(
            "rule", "metric"
        )
    )


def test_save_flags_a_report_and_a_correction_clears_it():
    october = MonthlyReportFactory(period=OCT, output_value=100)
    report = save_monthly_report(
        report=MonthlyReport(
            enterprise=october.enterprise, period=NOV, output_value=1000000, employees=10
        )
    )
    assert flags(report.enterprise) == {(FlagRule.MONTH_JUMP, "output_value")}
    flag = FigureFlag.objects.get(report=report)
    assert flag.params["value"] == "1000000" and flag.params["compared"] == "100"
    report.output_value = 100
    save_monthly_report(report=report)
    assert flags(report.enterprise) == set()


def test_a_change_of_the_month_before_recomputes_the_next_months_flags():
    october = MonthlyReportFactory(period=OCT, output_value=100)
    MonthlyReportFactory(enterprise=october.enterprise, period=NOV, output_value=1000)
    assert flags(october.enterprise) == {(FlagRule.MONTH_JUMP, "output_value")}
    october.output_value = 900
    save_monthly_report(report=october)
    assert flags(october.enterprise) == set()
    delete_monthly_reports(reports=MonthlyReport.objects.filter(pk=october.pk))
    assert flags(october.enterprise) == set()


def test_last_years_december_is_compared_with_januarys_report():
    december = MonthlyReportFactory(period=datetime.date(2020, 12, 1), output_value=100)
    MonthlyReportFactory(
        enterprise=december.enterprise, period=datetime.date(2021, 1, 1), output_value=500
    )
    assert flags(december.enterprise, datetime.date(2021, 1, 1)) == {
        (FlagRule.MONTH_JUMP, "output_value")
    }


def test_the_admin_stores_the_flags_of_the_report_it_saves(admin_client):
    enterprise = EnterpriseFactory()
    data = {
        "enterprise": enterprise.pk,
        "period": "2021-11-01",
        "output_value": "100",
        "value_added": "150",
        "revenue": "90",
        "profit": "1",
        "tax": "1",
        "employees": "3",
        "wages": "1",
        "electricity": "1",
        "submitted_at_0": "2021-12-01",
        "submitted_at_1": "10:00:00",
    }
    response = admin_client.post(reverse("admin:enterprises_monthlyreport_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert flags(enterprise) == {(FlagRule.VALUE_ADDED_OVER_OUTPUT, "value_added")}
    # The clerk is told at once.
    page = admin_client.get(response.url).content.decode()
    assert "数据质量校验标记：工业增加值 150.00 超过工业总产值 100.00（万元）。" in page


def test_the_api_stores_the_flags_of_the_report_it_writes(admin_api):
    enterprise = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/monthly-reports/",
        {"enterprise": enterprise.pk, "period": "2021-11", "output_value": "100", "tax": "5"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert flags(enterprise) == {
        (FlagRule.NO_EMPLOYEES, "employees"),
        (FlagRule.TAX_OVER_REVENUE, "tax"),
    }
    admin_api.patch(
        f"/api/v1/monthly-reports/{response.json()['id']}/",
        {"employees": 5, "revenue": "100"},
        format="json",
    )
    assert flags(enterprise) == set()


def test_an_import_stores_the_flags_in_bulk_and_its_preview_lists_them_per_row(
    django_assert_max_num_queries,
):
    quiet, loud = EnterpriseFactory(), EnterpriseFactory()
    MonthlyReportFactory(enterprise=loud, period=OCT, output_value="100.00", employees=50)
    rows = [
        MONTHLY_HEADER,
        monthly_row(quiet.credit_code),
        monthly_row(loud.credit_code, output="1000000.00"),
        monthly_row(quiet.credit_code, period="2021-12", employees=5),
    ]
    kind = get_kind("monthly_reports")
    preview = run_import(kind=kind, source=io.BytesIO(xlsx(rows)), dry_run=True)
    assert preview.ok, preview.errors
    warnings = {line.row: line.warnings for line in preview.additions}
    assert warnings[2] == []
    assert len(warnings[3]) == 1 and "1,000,000.00" in warnings[3][0]
    # December compares with November of the same file.
    assert len(warnings[4]) == 1 and "50" in warnings[4][0]
    assert not FigureFlag.objects.exists()

    result = run_import(kind=kind, source=io.BytesIO(xlsx(rows)))
    assert result.written
    assert flags(loud) == {(FlagRule.MONTH_JUMP, "output_value")}
    assert flags(quiet, DEC) == {(FlagRule.EMPLOYEES_CHANGE, "employees")}
    assert flags(quiet) == set()


def test_the_import_page_shows_the_flags_of_each_row(client):
    client.force_login(user_with_role("administrator"))
    enterprise = EnterpriseFactory()
    content = xlsx([MONTHLY_HEADER, monthly_row(enterprise.credit_code, value_added="500.00")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        reverse("imports:upload", args=["monthly_reports"]),
        {"file": SimpleUploadedFile("figures.xlsx", content)},
    ).content.decode()
    found = re.search(r'<table[^>]*id="import-warnings".*?</table>', page, re.S)
    assert found and found.group(0).count('class="import-warning"') == 1
    assert "500.00" in found.group(0) and "100.00" in found.group(0)


def test_explain_records_who_why_and_when_with_history():
    assignment = AssignmentFactory(year=2021)
    reporter = user_with_role("department_user", official=True)
    reporter.official.department = assignment.department
    reporter.official.save()
    report = MonthlyReportFactory(enterprise=assignment.enterprise, employees=0)
    flag = FigureFlag.objects.get(report=report)
    now = timezone.now()
    explain_figure_flag(
        flag=flag, explanation=" 新厂区尚未招工，由母公司派员生产。 ", acting_user=reporter, now=now
    )
    flag.refresh_from_db()
    assert flag.explanation == "新厂区尚未招工，由母公司派员生产。"
    assert flag.explained_by == reporter and flag.explained_at == now
    latest = flag.history.latest()
    assert latest.explanation == flag.explanation and latest.history_user == reporter

    # The same numbers keep it; new numbers need a new explanation (history keeps the old).
    save_monthly_report(report=report)
    flag.refresh_from_db()
    assert flag.explained
    report.output_value = Decimal(120)
    save_monthly_report(report=report)
    flag.refresh_from_db()
    assert not flag.explained
    assert flag.history.filter(explanation="新厂区尚未招工，由母公司派员生产。").exists()


def test_explain_refuses_a_blank_or_long_reason_and_anyone_outside_the_report():
    report = MonthlyReportFactory(employees=0)
    flag = FigureFlag.objects.get(report=report)
    bureau = user_with_role("economic_bureau")
    with pytest.raises(ValidationError):
        explain_figure_flag(flag=flag, explanation="  ", acting_user=bureau, now=timezone.now())
    with pytest.raises(ValidationError):
        explain_figure_flag(
            flag=flag, explanation="x" * 301, acting_user=bureau, now=timezone.now()
        )
    stranger = user_with_role("department_user", official=True)
    with pytest.raises(PermissionDenied):
        explain_figure_flag(flag=flag, explanation="因为", acting_user=stranger, now=timezone.now())
    leader = user_with_role("county_leader")
    with pytest.raises(PermissionDenied):
        explain_figure_flag(flag=flag, explanation="因为", acting_user=leader, now=timezone.now())
    flag.refresh_from_db()
    assert not flag.explained


def test_rebuild_applies_new_thresholds(settings):
    october = MonthlyReportFactory(period=OCT, output_value=100)
    MonthlyReportFactory(enterprise=october.enterprise, period=NOV, output_value=250)
    assert flags(october.enterprise) == set()
    settings.HENGKOU_DQ_MONTH_FACTOR = "2"
    assert rebuild_figure_flags() == 1
    assert flags(october.enterprise) == {(FlagRule.MONTH_JUMP, "output_value")}
    settings.HENGKOU_DQ_MONTH_FACTOR = "3"
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "data-quality flags rebuilt" in out.getvalue()
    assert flags(october.enterprise) == set()


def test_a_report_moved_to_another_enterprise_or_month_takes_its_flags_along():
    report = MonthlyReportFactory(employees=0)
    other = EnterpriseFactory()
    report.enterprise = other
    save_monthly_report(report=report)
    flag = FigureFlag.objects.get()
    assert (flag.report_id, flag.enterprise_id, flag.period) == (report.pk, other.pk, NOV)
    report.period = OCT
    save_monthly_report(report=report)
    flag = FigureFlag.objects.get()
    assert (flag.report_id, flag.enterprise_id, flag.period) == (report.pk, other.pk, OCT)


def test_refreshing_the_flags_costs_the_same_queries_for_more_enterprises_and_years():
    """A batch of enterprises is read in one query (its reports of the years needed, by the
    (enterprise, period) index) and its stored flags in one more, whatever the reports."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enterprises.services.quality import refresh_figure_flags

    def enterprise_with_years(years):
        enterprise = EnterpriseFactory()
        for year in years:
            for month in (1, 6, 12):
                MonthlyReportFactory(
                    enterprise=enterprise, period=datetime.date(year, month, 1), employees=10
                )
        return enterprise

    def count(enterprises, years):
        pairs = {(enterprise.pk, year) for enterprise in enterprises for year in years}
        with CaptureQueriesContext(connection) as queries:
            assert refresh_figure_flags(pairs=pairs) == 0  # nothing changed
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        # No join of the enterprises to order the reports; years as date ranges.
        assert not any("enterprises_enterprise" in sql or "extract" in sql.lower() for sql in reads)
        return len(queries)

    few = [enterprise_with_years([2020, 2021])]
    many = [enterprise_with_years([2018, 2019, 2020, 2021]) for _ in range(6)]
    assert count(few, [2021]) == count(many, [2018, 2019, 2020, 2021]) == count(many, [2018, 2021])


def test_years_apart_are_each_compared_with_the_months_before_them():
    from enterprises.services.quality import refresh_figure_flags

    enterprise = EnterpriseFactory()
    for period, output, employees in (
        (datetime.date(2018, 12, 1), 100, 0),  # 2018 is only read: not flagged
        (datetime.date(2019, 1, 1), 1000, 10),  # a jump against December 2018
        (datetime.date(2020, 1, 1), 1000, 10),
        (datetime.date(2021, 12, 1), 100, 10),
        (datetime.date(2022, 1, 1), 1000, 10),  # a jump against December 2021
    ):
        MonthlyReport.objects.create(
            enterprise=enterprise, period=period, output_value=output, employees=employees
        )
    # 2019 and 2021, each with the year after it (2020 and 2022).
    assert refresh_figure_flags(pairs={(enterprise.pk, 2019), (enterprise.pk, 2021)}) == 2
    assert set(FigureFlag.objects.values_list("period", "rule", "metric")) == {
        (datetime.date(2019, 1, 1), FlagRule.MONTH_JUMP, "output_value"),
        (datetime.date(2022, 1, 1), FlagRule.MONTH_JUMP, "output_value"),
    }


@pytest.mark.parametrize(
    "thresholds",
    [
        {},
        {"month_factor": "2.5", "year_rise": "0.3", "year_fall": "0.2", "min_amount": "0"},
        {"value_added_ratio": "0.6", "employees_change": "0.05", "electricity_gap": "0.01"},
    ],
)
def test_postgresqls_screen_lets_through_every_report_that_breaks_a_rule(thresholds):
    """On PostgreSQL the database screens the reports and Python checks those that pass: the
    flags are exactly those of checking every report, on reports at and around every
    threshold."""
    import random

    from django.db import connection

    from enterprises.quality import QualityThresholds
    from enterprises.services import quality

    if connection.vendor != "postgresql":
        pytest.skip("the screen is PostgreSQL's; elsewhere every report is checked in Python")
    t = QualityThresholds(**{key: Decimal(value) for key, value in thresholds.items()})
    assert quality._screenable(t)
    rng = random.Random(2021)
    # Plain months (no rule breaks), each report with at most one figure moved to a rule's
    # threshold or a cent (one employee) either side of it: a screen looser than a rule by less
    # than the cent lets a flagged report through only by chance.
    plain = {
        "output_value": Decimal(1000),
        "value_added": Decimal(300),
        "revenue": Decimal(950),
        "profit": Decimal(50),
        "tax": Decimal(30),
        "employees": 500,
        "wages": Decimal(200),
        "electricity": Decimal(100),
    }
    cent = Decimal("0.01")

    def moved():
        figures = dict(plain)
        step = rng.choice([-1, 0, 1])
        kind = rng.choice(["month", "year", "ratio", "employees", "electricity", "none"])
        if kind in ("month", "year"):
            metric = rng.choice(["output_value", "value_added", "revenue", "tax", "wages"])
            factor = rng.choice(
                [t.month_factor, 1 / t.month_factor]
                if kind == "month"
                else [1 + t.year_rise, 1 - t.year_fall]
            )
            figures[metric] = (plain[metric] * factor).quantize(cent) + step * cent
        elif kind == "ratio":
            metric, base, ratio = rng.choice(
                [
                    ("value_added", "output_value", t.value_added_ratio),
                    ("tax", "revenue", t.tax_ratio),
                    ("profit", "revenue", t.profit_ratio),
                ]
            )
            figures[metric] = (plain[base] * ratio).quantize(cent) + step * cent
        elif kind == "employees":
            change = rng.choice([1, -1]) * t.employees_change
            figures["employees"] = int(plain["employees"] * (1 + change)) + step
        elif kind == "electricity":
            # output +10%, electricity down by the gap less 10 points, a cent either side
            figures["output_value"] = plain["output_value"] * Decimal("1.1")
            power = plain["electricity"] * (1 + Decimal("0.1") - t.electricity_gap)
            figures["electricity"] = power.quantize(cent) + step * cent
        return figures

    reports = []
    enterprises = [EnterpriseFactory() for _ in range(10)]
    for enterprise in enterprises:
        for year in (2019, 2020, 2021):
            for month in range(1, 13):
                figures = moved() if rng.random() < 0.3 else dict(plain)
                reports.append(
                    MonthlyReport(
                        enterprise=enterprise, period=datetime.date(year, month, 1), **figures
                    )
                )
    MonthlyReport.objects.bulk_create(reports)
    ids = sorted(enterprise.pk for enterprise in enterprises)
    years_of = {enterprise_id: {2020, 2021} for enterprise_id in ids}
    screened = quality._screened_wanted_flags(ids, years_of, t)
    checked = quality._wanted_flags(ids, years_of, t)
    assert screened == checked
    assert len(checked) > 50


# --- a correction after an explanation (docs/rules.md) -------------------------------------------


def explained_flag(report, rule=FlagRule.VALUE_ADDED_OVER_OUTPUT):
    flag = FigureFlag.objects.get(report=report, rule=rule)
    bureau = user_with_role("economic_bureau")
    explain_figure_flag(flag=flag, explanation="来料加工。", acting_user=bureau, now=timezone.now())
    flag.refresh_from_db()
    assert flag.explained
    return flag


def test_a_correction_that_clears_an_explained_flag_keeps_the_explanation_in_history():
    report = MonthlyReportFactory(output_value=100, value_added=150)
    flag = explained_flag(report)
    assert count_flags(period=NOV) == (1, 1)
    report.value_added = Decimal(15)
    save_monthly_report(report=report)
    assert not FigureFlag.objects.exists()
    # The board counts it no more; the history keeps what was explained, then the deletion.
    assert count_flags(period=NOV) == (0, 0)
    rows = list(FigureFlag.history.filter(id=flag.pk).order_by("history_date", "history_id"))
    assert [row.history_type for row in rows] == ["+", "~", "-"]
    assert rows[-1].explanation == "来料加工。" and rows[-1].params["value"] == "150"
    # The same figure entered again is a new flag, to be explained again.
    report.value_added = Decimal(150)
    save_monthly_report(report=report)
    assert not FigureFlag.objects.get().explained
    assert count_flags(period=NOV) == (1, 0)


def test_a_new_value_that_still_breaks_the_rule_must_be_explained_again():
    report = MonthlyReportFactory(output_value=100, value_added=150)
    flag = explained_flag(report)
    report.value_added = Decimal(160)
    save_monthly_report(report=report)
    flag.refresh_from_db()
    assert not flag.explained and flag.explained_by is None and flag.explained_at is None
    assert flag.params["value"] == "160"
    assert count_flags(period=NOV) == (1, 0)
    assert list(list_unexplained_flags(period=NOV)) == [flag]
    assert flag.history.filter(explanation="来料加工。", params__value="150").exists()


def test_an_explanation_holds_while_the_numbers_it_answered_stay():
    report = MonthlyReportFactory(output_value=100, value_added=150)
    flag = explained_flag(report)
    # A figure the rule does not read, and a threshold moving, leave the explanation.
    report.revenue = Decimal(300)
    save_monthly_report(report=report)
    flag.refresh_from_db()
    assert flag.explained


def test_a_threshold_moving_keeps_the_explanation(settings):
    report = MonthlyReportFactory(output_value=100, value_added=150)
    flag = explained_flag(report)
    settings.HENGKOU_DQ_VALUE_ADDED_RATIO = "1.2"
    assert rebuild_figure_flags() == 1
    flag.refresh_from_db()
    assert flag.explained and flag.params["limit"] == "1.2"


def test_a_change_of_the_month_compared_needs_a_new_explanation():
    october = MonthlyReportFactory(period=OCT, output_value=100)
    november = MonthlyReportFactory(enterprise=october.enterprise, output_value=1000)
    flag = explained_flag(november, FlagRule.MONTH_JUMP)
    october.output_value = Decimal(200)
    save_monthly_report(report=october)
    flag.refresh_from_db()
    assert flag.params["compared"] == "200" and not flag.explained


def test_electricity_against_output_needs_a_new_explanation_for_any_new_figure():
    october = MonthlyReportFactory(period=OCT, output_value=100, electricity=100)
    november = MonthlyReportFactory(enterprise=october.enterprise, output_value=200, electricity=40)
    flag = explained_flag(november, FlagRule.ELECTRICITY_VS_OUTPUT)
    assert (flag.params["value"], flag.params["compared"]) == ("-60", "100")
    # −59.99% rounds to the same −60%, but the figure is not the one explained.
    november.electricity = Decimal("40.01")
    save_monthly_report(report=november)
    flag.refresh_from_db()
    assert flag.params["value"] == "-60" and not flag.explained
    assert flag.params["figures"] == ["40.01", "100", "200", "100"]


def test_the_screen_stands_aside_for_a_rule_it_has_no_clause_for(monkeypatch):
    """Every rule has its clause in PostgreSQL's screen; a rule added without one would never
    be flagged there, so the screen is not used until it is listed (and given its clause)."""
    from enterprises.quality import QualityThresholds
    from enterprises.services import quality

    defaults = QualityThresholds.from_settings()
    assert set(FlagRule) == quality.SCREENED_RULES
    assert quality._screenable(defaults)
    monkeypatch.setattr(
        quality, "SCREENED_RULES", quality.SCREENED_RULES - {FlagRule.ELECTRICITY_VS_OUTPUT}
    )
    assert not quality._screenable(defaults)
