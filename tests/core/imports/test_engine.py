"""Importing monthly reports from .xlsx: the checks, the all-or-nothing write, the upsert."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.templates import render_template
from enterprises.models import MonthlyReport, MonthlyYtd, Period
from enterprises.services.figures import rebuild_monthly_ytd
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import (
    AssignmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

KIND = "monthly_reports"


def run(rows, *, user=None, dry_run=False, title_rows=()):
    return run_import(
        kind=get_kind(KIND),
        source=io.BytesIO(xlsx(rows, title_rows=title_rows)),
        user=user,
        dry_run=dry_run,
    )


def messages(result):
    return [(error.row, error.column, error.message) for error in result.errors]


def test_import_creates_reports_keeps_the_rollup_and_records_who():
    first, second = EnterpriseFactory(), EnterpriseFactory()
    clerk = UserFactory(is_superuser=True)
    result = run(
        [
            MONTHLY_HEADER,
            monthly_row(first.credit_code, "2021-10", "100.00"),
            monthly_row(first.credit_code, "2021-11", "150.50"),
            monthly_row(second.credit_code, "2021-11", "80", profit="-12.30"),
        ],
        user=clerk,
    )
    assert result.ok, messages(result)
    assert (result.created, result.updated, result.unchanged, result.written) == (3, 0, 0, True)
    report = MonthlyReport.objects.get(enterprise=first, period=datetime.date(2021, 11, 1))
    assert report.output_value == Decimal("150.50")
    assert report.employees == 50
    assert MonthlyReport.objects.get(enterprise=second).profit == Decimal("-12.30")
    ytd = MonthlyYtd.objects.get(enterprise=first, period=datetime.date(2021, 11, 1))
    assert ytd.output_value == Decimal("250.50")
    assert rebuild_monthly_ytd() == 0  # the import left the rollup exactly up to date
    history = MonthlyReport.history.filter(enterprise_id=first.pk)
    assert history.count() == 2
    assert {(h.history_type, h.history_user_id) for h in history} == {("+", clerk.pk)}


def test_reimporting_the_same_file_changes_nothing():
    enterprise = EnterpriseFactory()
    rows = [MONTHLY_HEADER, monthly_row(enterprise.credit_code, "2021-11", "1,234.50")]
    assert run(rows).written
    before = MonthlyReport.history.count()
    updated_at = MonthlyReport.objects.get().updated_at
    again = run(rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert MonthlyReport.history.count() == before
    assert MonthlyReport.objects.get().updated_at == updated_at


def test_a_changed_row_is_updated_with_a_history_row_naming_the_user():
    report = MonthlyReportFactory(output_value=Decimal("100.00"), employees=50)
    clerk = UserFactory(is_superuser=True)
    result = run(
        [MONTHLY_HEADER, monthly_row(report.enterprise.credit_code, "2021-11", "120.00")],
        user=clerk,
    )
    assert (result.created, result.updated) == (0, 1)
    report.refresh_from_db()
    assert report.output_value == Decimal("120.00")
    latest = report.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user_id) == ("~", clerk.pk)
    assert MonthlyYtd.objects.get(
        enterprise=report.enterprise, period=report.period
    ).output_value == Decimal("120.00")


def test_every_bad_row_is_reported_and_nothing_is_written():
    good, other = EnterpriseFactory(), EnterpriseFactory()
    Period.objects.create(period=datetime.date(2021, 9, 1), status="closed")
    result = run(
        [
            MONTHLY_HEADER,
            monthly_row(good.credit_code, "2021-11"),  # 2: good
            monthly_row("91610900MA00000000", "2021-11"),  # 3: unknown code
            monthly_row(good.credit_code, "2021-12", "abc"),  # 4: bad number
            monthly_row(good.credit_code, "2021-13"),  # 5: bad month
            monthly_row(good.credit_code, "2021-11"),  # 6: duplicate of row 2
            monthly_row(good.credit_code, "2021-09"),  # 7: closed month
            monthly_row("", "2021-11"),  # 8: missing code
            monthly_row(other.credit_code, "2021-11", "-5"),  # 9: negative output
            monthly_row(other.credit_code, "2021-10", "5.123"),  # 10: three decimals
            monthly_row(other.credit_code, "2021-08", employees="12.5"),  # 11: not whole
        ]
    )
    assert not result.written
    assert MonthlyReport.objects.count() == 0
    found = {error.row: error for error in result.errors}
    assert [error.row for error in result.errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "91610900MA00000000" in found[3].message
    assert found[3].column == "统一社会信用代码"
    assert "abc" in found[4].message and found[4].column == "工业总产值"
    assert found[5].column == "月份"
    assert found[6].column == "统一社会信用代码 + 月份"
    assert "2" in found[6].message
    assert "2021-09" in found[7].message
    assert found[8].column == "统一社会信用代码"
    assert found[9].value == "-5"
    assert found[10].value == "5.123"
    assert found[11].column == "月末从业人员"


def test_a_large_file_with_one_bad_row_writes_nothing():
    enterprises = EnterpriseFactory.create_batch(50)
    rows = [MONTHLY_HEADER]
    # Months that have begun: 2000-01 to 2016-08.
    periods = [f"{year}-{month:02d}" for year in range(2000, 2020) for month in range(1, 13)]
    for index in range(9_999):
        enterprise = enterprises[index % 50]
        rows.append(monthly_row(enterprise.credit_code, periods[index // 50]))
    rows.append(monthly_row(enterprises[0].credit_code, periods[220], "-1"))
    result = run(rows)
    assert result.rows == 10_000
    assert [error.row for error in result.errors] == [10_001]
    assert MonthlyReport.objects.count() == 0
    assert MonthlyReport.history.count() == 0
    assert MonthlyYtd.objects.count() == 0


def test_files_as_excel_and_libreoffice_save_them_are_read():
    enterprise = EnterpriseFactory()
    header = [*MONTHLY_HEADER[:2], None, *MONTHLY_HEADER[2:]]  # an empty column inside
    rows = [
        header,
        [
            enterprise.credit_code.lower(),
            datetime.datetime(2021, 11, 1),
            None,
            "１２３.５０",
            "1,234.50",
            " 90 ",
            "-5",
            3,
            "５０",
            "10",
            1.5,
        ],
        [f" {enterprise.credit_code} ", "2021/12", None, 100, 20, 90, 5, 3, 50, "1,000", 1],
        [None] * 5,
        [None] * 5,
    ]
    result = run(rows, title_rows=["恒口示范区规上工业企业月报表", "单位：万元"])
    assert result.ok, messages(result)
    assert result.header_row == 3
    november = MonthlyReport.objects.get(period=datetime.date(2021, 11, 1))
    assert november.output_value == Decimal("123.50")
    assert november.value_added == Decimal("1234.50")
    assert november.revenue == Decimal("90")
    assert november.profit == Decimal("-5")
    assert november.employees == 50
    assert MonthlyReport.objects.get(period=datetime.date(2021, 12, 1)).wages == Decimal("1000")


def test_english_headers_are_read_too():
    enterprise = EnterpriseFactory()
    header = ["Unified social credit code", "Month", "Gross industrial output"]
    result = run([header, [enterprise.credit_code, "2021-11", 10]])
    assert result.ok, messages(result)
    assert MonthlyReport.objects.get().output_value == Decimal("10")


def test_a_department_user_imports_only_its_own_enterprises():
    mine = AssignmentFactory()
    theirs = AssignmentFactory()
    official = mine.responsible
    clerk = user_with_role("department_user", official=official)
    result = run(
        [
            MONTHLY_HEADER,
            monthly_row(mine.enterprise.credit_code),
            monthly_row(theirs.enterprise.credit_code),
        ],
        user=clerk,
    )
    assert [error.row for error in result.errors] == [3]
    assert theirs.enterprise.credit_code in result.errors[0].message
    assert MonthlyReport.objects.count() == 0
    alone = run([MONTHLY_HEADER, monthly_row(mine.enterprise.credit_code)], user=clerk)
    assert alone.written
    assert MonthlyReport.objects.get().enterprise == mine.enterprise


def test_a_user_without_the_change_permission_cannot_update():
    report = MonthlyReportFactory()
    clerk = user_with_role("official", official=True)
    result = run(
        [MONTHLY_HEADER, monthly_row(report.enterprise.credit_code, output="1")], user=clerk
    )
    assert not result.written
    assert result.errors


def test_the_check_pass_takes_the_same_queries_for_10_and_200_rows():
    enterprises = EnterpriseFactory.create_batch(10)
    Period.objects.create(period=datetime.date(2021, 1, 1), status="closed")
    clerk = user_with_role("department_user", official=True)
    counts = []
    for size in (10, 10, 200):  # the first run loads the user's scope and permissions
        rows = [MONTHLY_HEADER]
        for index in range(size):
            month = 2 + index // 10 % 11
            rows.append(
                monthly_row(
                    enterprises[index % 10].credit_code, f"20{10 + index // 110}-{month:02d}"
                )
            )
        source = io.BytesIO(xlsx(rows))
        with CaptureQueriesContext(connection) as queries:
            run_import(kind=get_kind(KIND), source=source, user=clerk, dry_run=True)
        counts.append(len(queries))
    assert counts[1] == counts[2]
    assert counts[1] <= 8


def test_round_trip_through_the_template_leaves_the_data_unchanged():
    reports = [
        MonthlyReportFactory(period=datetime.date(2021, month, 1), profit=Decimal("-3.25"))
        for month in (1, 2, 3)
    ]
    kind = get_kind(KIND)
    content = render_template(kind, (kind.export_row(r) for r in kind.export_queryset()))
    before = list(MonthlyReport.objects.order_by("pk").values())
    history = MonthlyReport.history.count()
    result = run_import(kind=kind, source=io.BytesIO(content))
    assert result.ok, messages(result)
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(reports))
    assert list(MonthlyReport.objects.order_by("pk").values()) == before
    assert MonthlyReport.history.count() == history


def test_columns_left_out_of_the_file_keep_their_values():
    report = MonthlyReportFactory(output_value=Decimal("100.00"), employees=77, tax=Decimal("4"))
    header = ["统一社会信用代码", "月份", "工业总产值"]
    result = run([header, [report.enterprise.credit_code, "2021-11", 130]])
    assert (result.updated, result.created) == (1, 0)
    report.refresh_from_db()
    assert (report.output_value, report.employees, report.tax) == (Decimal("130"), 77, Decimal("4"))
    latest = report.history.order_by("-history_id").first()
    assert (latest.output_value, latest.employees) == (Decimal("130"), 77)
