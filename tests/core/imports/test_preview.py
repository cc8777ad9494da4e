"""The import preview (stored → new values of changed cells, counts) and blank cells."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.imports import preview
from core.imports.engine import run_import
from core.imports.kinds import Row, get_kind
from core.imports.preview import Previewer, format_value
from core.imports.templates import render_template
from enterprises.models import MonthlyReport, MonthlyYtd
from projects.models import ProjectReport
from tests.core.imports.helpers import xlsx
from tests.factories import (
    EnterpriseFactory,
    MonthlyReportFactory,
    ProjectReportFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

KINDS = ["enterprises", "assignments", "targets", "monthly_reports"]
FIGURES = ["统一社会信用代码", "月份", "工业总产值", "营业收入", "税金总额", "月末从业人员"]


@pytest.fixture
def clerk(client):
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    return user


def upload(client, content, kind="monthly_reports"):
    response = client.post(
        reverse("imports:upload", args=[kind]),
        {"file": SimpleUploadedFile("figures.xlsx", content)},
    )
    assert response.status_code == 200
    return response.content.decode()


def count(page, name):
    return int(re.search(rf'data-count="{name}">(\d+)<', page).group(1))


def table(page, element_id):
    found = re.search(rf'<table[^>]*id="{element_id}".*?</table>', page, re.S)
    return found.group(0) if found else ""


def confirm(client, page, kind="monthly_reports"):
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    return client.post(reverse("imports:confirm", args=[kind]), {"token": token})


def test_the_preview_shows_stored_and_new_values_of_the_changed_cells_and_the_counts(client, clerk):
    changed = MonthlyReportFactory(
        output_value=Decimal("1200.00"),
        revenue=Decimal("980.00"),
        tax=Decimal("12.50"),
        employees=1500,
    )
    same = MonthlyReportFactory(
        output_value=Decimal("300.00"), revenue=Decimal("200.00"), employees=0
    )
    newcomer = EnterpriseFactory()
    content = xlsx(
        [
            FIGURES,
            [changed.enterprise.credit_code, "2021-11", 1350, "980", "1,234.5", 1500],
            [same.enterprise.credit_code, "2021-11", 300, 200, 0, 0],
            [newcomer.credit_code, "2021-11", 250, None, None, 12],
        ]
    )
    page = upload(client, content)
    assert (count(page, "created"), count(page, "updated"), count(page, "unchanged")) == (1, 1, 1)
    changes = table(page, "import-changes")
    # Both figures that change, stored → new, written as the pages write money.
    assert re.search(r"工业总产值</td>\s*<td[^>]*>1,200.00</td>.*?>1,350.00</td>", changes, re.S)
    assert re.search(r"税金总额</td>\s*<td[^>]*>12.50</td>.*?>1,234.50</td>", changes, re.S)
    # Cells that do not change are not listed as changes.
    assert "营业收入" not in changes and "月末从业人员" not in changes
    assert changed.enterprise.name in changes and same.enterprise.credit_code not in page
    additions = table(page, "import-additions")
    assert newcomer.credit_code in additions and "250.00" in additions
    assert MonthlyReport.objects.get(pk=changed.pk).output_value == Decimal("1200.00")
    assert confirm(client, page).status_code == 302
    changed.refresh_from_db()
    assert (changed.output_value, changed.tax, changed.revenue) == (
        Decimal("1350.00"),
        Decimal("1234.50"),
        Decimal("980.00"),
    )


def test_a_blank_cell_keeps_the_stored_figure_after_confirming(client, clerk):
    report = MonthlyReportFactory(output_value=Decimal("100.00"), tax=Decimal("4.00"), employees=77)
    untouched = MonthlyReportFactory(revenue=Decimal("55.00"))
    newcomer = EnterpriseFactory()
    content = xlsx(
        [
            FIGURES,
            [report.enterprise.credit_code, "2021-11", 120, None, "", None],
            [untouched.enterprise.credit_code, "2021-11", None, None, None, None],
            [newcomer.credit_code, "2021-10", 9, None, None, None],
        ]
    )
    page = upload(client, content)
    assert (count(page, "created"), count(page, "updated"), count(page, "unchanged")) == (1, 1, 1)
    changes = table(page, "import-changes")
    assert "工业总产值" in changes and "税金总额" not in changes and "营业收入" not in changes
    history = MonthlyReport.history.filter(id=untouched.pk).count()
    assert confirm(client, page).status_code == 302
    report.refresh_from_db()
    assert (report.output_value, report.tax, report.employees) == (
        Decimal("120.00"),
        Decimal("4.00"),
        77,
    )
    untouched.refresh_from_db()
    assert untouched.revenue == Decimal("55.00") and untouched.output_value == Decimal("100.00")
    assert MonthlyReport.history.filter(id=untouched.pk).count() == history  # not written
    # A new row's blank figures take the model's default; the rollup counts them so.
    created = MonthlyReport.objects.get(enterprise=newcomer)
    assert (created.output_value, created.tax, created.employees) == (Decimal("9.00"), 0, 0)
    assert MonthlyYtd.objects.get(enterprise=newcomer, period=created.period).output_value == 9


def test_zero_clears_a_figure_and_a_blank_required_cell_is_still_an_error():
    report = MonthlyReportFactory(tax=Decimal("4.00"))
    kind = get_kind("monthly_reports")
    rows = [FIGURES, [report.enterprise.credit_code, "2021-11", None, None, 0, None]]
    assert run_import(kind=kind, source=io.BytesIO(xlsx(rows))).written
    report.refresh_from_db()
    assert report.tax == 0 and report.output_value == Decimal("100.00")
    rows = [FIGURES, [report.enterprise.credit_code, None, 5, None, None, None]]
    result = run_import(kind=kind, source=io.BytesIO(xlsx(rows)))
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(2, "月份")]


def test_a_blank_percent_complete_of_a_new_project_month_still_obeys_the_rule():
    stored = ProjectReportFactory(percent_complete=50)
    kind = get_kind("project_reports")
    header = ["项目", "月份", "当月完成投资", "完成百分比"]
    name = stored.project.name
    # The stored month keeps its 50%; a new later month with a blank would be 0%: refused.
    rows = [header, [name, "2021-11", 90, None], [name, "2021-12", 10, None]]
    result = run_import(kind=kind, source=io.BytesIO(xlsx(rows)))
    assert [(e.row, e.column) for e in result.errors] == [(3, "完成百分比")]
    rows = [header, [name, "2021-11", 90, None]]
    assert run_import(kind=kind, source=io.BytesIO(xlsx(rows))).written
    stored.refresh_from_db()
    assert (stored.investment, stored.percent_complete) == (Decimal("90.00"), 50)
    assert ProjectReport.objects.count() == 1


@pytest.mark.parametrize("key", KINDS)
def test_an_untouched_template_reports_no_rows(client, clerk, key):
    page = upload(client, render_template(get_kind(key)), kind=key)
    assert 'id="import-no-rows"' in page and "没有可导入的行" in page
    assert 'id="import-confirm"' not in page and 'id="import-errors"' not in page


def test_the_command_says_an_untouched_template_has_no_rows(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(render_template(get_kind("targets")))
    out = io.StringIO()
    call_command("import_xlsx", "targets", str(path), stdout=out)
    assert "No rows to import" in out.getvalue()


def test_the_preview_never_writes_exponent_notation():
    kind = get_kind("monthly_reports")
    field = kind.model._meta.get_field("output_value")
    column = next(c for c in kind.columns if c.key == "output_value")
    assert format_value(column, field, Decimal("2.5E+2")) == "250.00"
    assert format_value(column, field, Decimal("1.2345E+5")) == "123,450.00"
    assert format_value(None, None, Decimal("1E+3")) == "1,000.00"
    report = MonthlyReportFactory(output_value=Decimal("1E+3"))
    row = Row(2)
    row.values = {
        "credit_code": report.enterprise.credit_code,
        "period": datetime.date(2021, 11, 1),
        "output_value": Decimal("2.5E+2"),
    }
    row.key = (report.enterprise_id, report.period)
    previewer = Previewer(kind)
    previewer.add_update(row, {"output_value": Decimal("1E+3")}, row.values, ["output_value"])
    previewer.add_create(row, {**row.values, "tax": Decimal("0E-2")})
    additions, changes = previewer.finish()
    cell = changes[0].cells[0]
    assert (cell.old, cell.new) == ("1,000.00", "250.00")
    assert changes[0].key == f"{report.enterprise.credit_code}, 2021-11"
    assert [c.new for c in additions[0].cells] == ["250.00", "0.00"]
    assert all("E" not in c.new for c in additions[0].cells + changes[0].cells)


def test_the_page_writes_periods_as_year_month_and_no_exponents(client, clerk):
    report = MonthlyReportFactory(output_value=Decimal("100.00"))
    page = upload(client, xlsx([FIGURES, [report.enterprise.credit_code, "2021/11", "2.5E+2"]]))
    assert f"{report.enterprise.credit_code}, 2021-11" in table(page, "import-changes")
    assert "2021-11-01" not in page
    assert not re.search(r"\d[eE][+-]?\d", re.sub(r"<[^>]+>", " ", page))


def test_the_page_has_exactly_one_primary_button_and_cancel_is_a_link(client, clerk):
    report = MonthlyReportFactory()
    page = upload(client, xlsx([FIGURES, [report.enterprise.credit_code, "2021-11", 130]]))
    primary = re.findall(r'<(?:button|a)[^>]*class="[^"]*btn-(?:danger|primary)[^"]*"[^>]*>', page)
    assert len(primary) == 1 and 'id="import-confirm-button"' in primary[0]
    button = re.search(r'id="import-confirm-button">(.*?)</button>', page, re.S).group(1)
    assert "确认导入" in button
    cancel = re.search(r'<a [^>]*id="import-cancel"[^>]*>', page).group(0)
    assert "btn" not in cancel and "danger" not in cancel


def test_the_preview_lists_a_bounded_number_of_rows_and_says_how_many_more(
    client, clerk, monkeypatch
):
    monkeypatch.setattr(preview, "PREVIEW_ROWS", 2)
    reports = [MonthlyReportFactory() for _ in range(5)]
    rows = [FIGURES] + [[r.enterprise.credit_code, "2021-11", 130] for r in reports]
    rows += [[EnterpriseFactory().credit_code, "2021-11", 1] for _ in range(3)]
    page = upload(client, xlsx(rows))
    assert (count(page, "created"), count(page, "updated")) == (3, 5)
    assert table(page, "import-changes").count("<tbody") == 2
    assert table(page, "import-additions").count("<tr>") == 2 + 1  # with the header row
    assert "另有 3 条更新的行未在此列出" in page and "另有 1 条新增的行未在此列出" in page


def test_the_preview_takes_the_same_queries_for_10_and_300_changed_rows(clerk):
    kind = get_kind("monthly_reports")
    counts = []
    for size in (10, 10, 300):
        reports = [MonthlyReportFactory() for _ in range(size)]
        rows = [FIGURES] + [[r.enterprise.credit_code, "2021-11", 7, 8, 9, 10] for r in reports]
        source = io.BytesIO(xlsx(rows))
        with CaptureQueriesContext(connection) as queries:
            result = run_import(kind=kind, source=source, user=clerk, dry_run=True)
        assert result.updated == size and len(result.changes) == min(size, 200)
        counts.append(len(queries))
        MonthlyReport.objects.all().delete()
    assert counts[1] == counts[2]


def test_a_changed_reference_shows_the_names_of_the_old_and_new_rows():
    from tests.factories import AssignmentFactory, DepartmentFactory, OfficialFactory

    assignment = AssignmentFactory(department__name="经济贸易局", plan_goals="旧目标")
    moved = DepartmentFactory(code="D0200", name="工业园区管委会")
    responsible = OfficialFactory(department=moved, name="王责任")
    kind = get_kind("assignments")
    content = render_template(kind, [kind.export_row(assignment)])
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    sheet["D2"], sheet["F2"], sheet["G2"] = "D0200", responsible.name, None  # goals left blank
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = run_import(kind=kind, source=buffer, dry_run=True)
    assert result.ok and result.updated == 1
    cells = {cell.label: (cell.old, cell.new) for cell in result.changes[0].cells}
    assert cells == {
        "包抓部门": ("经济贸易局", "工业园区管委会"),
        "帮扶责任人": (assignment.responsible.name, "王责任"),
    }
    assert result.changes[0].subject == assignment.enterprise.name


def test_new_rows_with_and_without_blank_cells_are_written_together():
    first, second, third = EnterpriseFactory.create_batch(3)
    rows = [
        FIGURES,
        [first.credit_code, "2021-11", 10, 20, 1, 5],
        [second.credit_code, "2021-11", None, 30, None, None],
        [third.credit_code, "2021-11", 12, None, 2, None],
    ]
    result = run_import(kind=get_kind("monthly_reports"), source=io.BytesIO(xlsx(rows)))
    assert result.written and result.created == 3
    written = {
        r.enterprise_id: (r.output_value, r.revenue, r.tax, r.employees)
        for r in MonthlyReport.objects.all()
    }
    assert written == {
        first.pk: (10, 20, 1, 5),
        second.pk: (0, 30, 0, 0),
        third.pk: (12, 0, 2, 0),
    }
