"""The zone's imports: safety activities (with materials and people trained) and the zone's
standing in the city; preview, all-or-nothing, row errors, formulas kept as text."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.templates import render_template
from enterprises.models import SafetyActivity, ZoneStanding
from tests.core.imports.helpers import xlsx
from tests.factories import SafetyActivityFactory
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

ACTIVITY_HEADER = ["日期", "类型", "标题", "参加人员", "发放宣传资料", "培训人数", "地点"]
STANDING_HEADER = ["年度", "指标", "排名", "参与排名数", "数值", "单位", "备注"]


def run(kind, rows, *, user=None, dry_run=False):
    return run_import(
        kind=get_kind(kind), source=io.BytesIO(xlsx(rows)), user=user, dry_run=dry_run
    )


def errors(result):
    return [(error.row, error.column, error.message) for error in result.errors]


def test_the_headers_are_the_templates():
    for key, header in (
        ("safety_activities", ACTIVITY_HEADER),
        ("zone_standings", STANDING_HEADER),
    ):
        kind = get_kind(key)
        assert [column.header() for column in kind.columns] == header, key


def test_safety_activities_are_previewed_then_written_with_their_counts():
    rows = [
        ACTIVITY_HEADER,
        ["2021-06-01", "宣传", "安全生产知识宣传", 0, 200, None, None],
        ["2021-07-22", "training", "全市工信系统安全生产培训会", 12, None, 12, "安康市区"],
    ]
    preview = run("safety_activities", rows, dry_run=True)
    assert preview.ok, errors(preview)
    assert preview.created == 2
    assert not SafetyActivity.objects.exists()
    result = run("safety_activities", rows)
    assert result.ok and result.created == 2
    publicity = SafetyActivity.objects.get(kind="publicity")
    assert (publicity.materials_distributed, publicity.people_trained) == (200, None)
    city = SafetyActivity.objects.get(kind="training")
    assert (city.people_trained, city.venue) == (12, "安康市区")
    again = run("safety_activities", rows)
    assert again.unchanged == 2 and again.created == 0


def test_one_bad_row_refuses_the_whole_file_naming_each_row():
    SafetyActivityFactory(held_on="2021-05-12", title="消防演练")
    rows = [
        ACTIVITY_HEADER,
        ["2021-06-01", "宣传", "宣传一", 0, 200, None, None],
        ["2021-06-02", "聚餐", "宣传二", 0, 10, None, None],
        ["2021-06-03", "宣传", "宣传三", 0, -3, None, None],
        ["not a date", "宣传", "宣传四", 0, 1, None, None],
        ["2021-06-05", "宣传", "宣传五", 0, "许多", None, None],
        ["2021-06-01", "宣传", "宣传一", 0, 5, None, None],
    ]
    result = run("safety_activities", rows)
    assert not result.ok
    assert sorted({row for row, _column, _message in errors(result)}) == [3, 4, 5, 6, 7]
    assert all(message for _row, _column, message in errors(result))
    assert SafetyActivity.objects.count() == 1


def _text_cell_workbook(rows) -> bytes:
    """Return an .xlsx whose cells are text, even those starting with '=' (typed, not formulas)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_formula_cell_is_read_as_its_value_never_as_its_formula():
    formula = '=HYPERLINK("http://evil.example","点击")'
    result = run("safety_activities", [ACTIVITY_HEADER, ["2021-06-01", "宣传", formula, 0, 1]])
    # openpyxl stores no cached value: the title is blank, and the row is refused.
    assert [(row, column) for row, column, _message in errors(result)] == [(2, "标题")]
    assert not SafetyActivity.objects.exists()


def test_text_that_looks_like_a_formula_is_stored_as_text_and_guarded_when_exported():
    formula = '=HYPERLINK("http://evil.example","点击")'
    content = _text_cell_workbook([ACTIVITY_HEADER, ["2021-06-01", "宣传", formula, 0, 1]])
    kind = get_kind("safety_activities")
    result = run_import(kind=kind, source=io.BytesIO(content))
    assert result.ok, errors(result)
    assert SafetyActivity.objects.get().title == formula
    exported = render_template(kind, (kind.export_row(o) for o in kind.export_queryset()))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    cells = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    assert formula not in cells
    assert "'" + formula in cells
    # The round trip reads the guarded text back as the same title: nothing changes.
    again = run_import(kind=kind, source=io.BytesIO(exported))
    assert again.ok and again.unchanged == 1 and again.created == 0


def test_zone_standings_refuse_a_rank_beyond_those_ranked():
    rows = [
        STANDING_HEADER,
        [2021, "工业增加值", 2, 13, None, None, "位居全市前列"],
        [2021, "industrial_investment", 14, 13, None, None, None],
        [2021, "GDP", 1, 13, None, None, None],
    ]
    result = run("zone_standings", rows)
    assert [(row, column) for row, column, _message in errors(result)] == [
        (3, "排名"),
        (4, "指标"),
    ]
    assert not ZoneStanding.objects.exists()
    result = run("zone_standings", rows[:2])
    assert result.ok and ZoneStanding.objects.get().rank == 2


def test_the_upload_page_previews_for_the_bureau_and_refuses_a_department_user(client):
    content = xlsx([STANDING_HEADER, [2021, "工业增加值", 2, 13, None, None, None]])
    client.force_login(user_with_role("economic_bureau"))
    response = client.post(
        reverse("imports:upload", args=["zone_standings"]),
        {"file": SimpleUploadedFile("standing.xlsx", content)},
    )
    assert response.status_code == 200
    assert "工业增加值" in response.content.decode()
    assert not ZoneStanding.objects.exists()
    client.force_login(user_with_role("department_user", official=True))
    response = client.post(
        reverse("imports:upload", args=["zone_standings"]),
        {"file": SimpleUploadedFile("standing.xlsx", content)},
    )
    assert response.status_code == 403
    assert not ZoneStanding.objects.exists()
