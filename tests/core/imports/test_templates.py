"""The .xlsx template of each kind: no sample row, the notes, dropdowns, the user's language."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core.imports.kinds import get_kind
from core.imports.templates import render_template
from enterprises.imports import SAMPLE_CREDIT_CODE
from tests.factories import UserFactory
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

KINDS = ["enterprises", "assignments", "targets", "monthly_reports"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("key", KINDS + ["project_plans", "project_reports"])
def test_the_template_has_no_sample_row_and_its_notes_state_the_blank_cell_rule(key, language):
    with translation.override(language):
        workbook = load_workbook(io.BytesIO(render_template(get_kind(key))))
    data = workbook.worksheets[0]
    assert data.max_row == 1  # the header only
    notes = workbook.worksheets[-1]
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    if language == "en":
        assert "A blank cell leaves the stored value as it is: to clear a figure, write 0." in text
        assert "Example (for reading only" in text
    else:
        assert "空白单元格不会改动已有数据：如需将数值清零，请填写 0。" in text
        assert "示例（仅供参考" in text
    assert "counts as 0" not in text and "按 0 计" not in text


def test_the_notes_sheet_carries_the_example_row():
    workbook = load_workbook(io.BytesIO(render_template(get_kind("monthly_reports"))))
    rows = [[c.value for c in row] for row in workbook.worksheets[-1].iter_rows()]
    assert [SAMPLE_CREDIT_CODE, "示例企业有限公司", "2021-11"] in [row[:3] for row in rows]


def test_a_clerk_downloads_a_template_with_dropdowns_and_notes(client):
    client.force_login(user_with_role("economic_bureau"))
    response = client.get(reverse("imports:template", args=["targets"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["年度 *", "统一社会信用代码 *", "企业", "指标 *"]
    validations = sheet.data_validations.dataValidation
    assert any("D2" in str(v.sqref) and v.type == "list" for v in validations)
    notes = workbook.worksheets[-1]
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "统一社会信用代码 + 年度 + 指标" in text or "年度 + 统一社会信用代码 + 指标" in text
    assert "工业总产值" in text  # the metric's choices are explained


def test_templates_follow_the_users_language(client):
    client.force_login(user_with_role("economic_bureau"))
    client.cookies["django_language"] = "en"
    response = client.get(reverse("imports:template", args=["monthly_reports"]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "Unified social credit code *"


@pytest.mark.parametrize(
    "kind",
    [
        "enterprises",
        "assignments",
        "targets",
        "monthly_reports",
        "project_plans",
        "project_reports",
    ],
)
def test_every_kind_has_a_template_an_administrator_can_download(client, kind):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value
