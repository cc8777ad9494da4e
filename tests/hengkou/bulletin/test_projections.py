"""The bulletin's year-end projections (issue 21, part 2): stored at the close, in every file."""

import datetime
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from hengkou.bulletin.content import get_bulletin
from hengkou.bulletin.docx import render_bulletin_docx
from hengkou.bulletin.pdf import render_bulletin_pdf
from hengkou.bulletin.tables import bulletin_tables
from hengkou.bulletin.xlsx import render_bulletin_xlsx
from hengkou.models import BulletinIssue
from hengkou.services.close import close_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

NOV = datetime.date(2021, 11, 1)
NOW = datetime.datetime(2021, 12, 6, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def closed():
    """D1's member had a December peak in 2020 (share by November 1100/1400); D2's is new."""
    d1 = DepartmentFactory(code="D1", name="工信局")
    d2 = DepartmentFactory(code="D2", name="商务局")
    seasonal = AssignmentFactory(department=d1, year=2021).enterprise
    AssignmentFactory(enterprise=seasonal, department=d1, year=2020)
    for month in range(1, 13):
        MonthlyReportFactory(
            enterprise=seasonal,
            period=datetime.date(2020, month, 1),
            output_value=Decimal(300 if month == 12 else 100),
        )
    MonthlyReportFactory(enterprise=seasonal, period=NOV, output_value=Decimal(1100))
    TargetFactory(enterprise=seasonal, year=2021, value=Decimal(1300))
    new = AssignmentFactory(department=d2, year=2021).enterprise
    MonthlyReportFactory(enterprise=new, period=NOV, output_value=Decimal(100))
    TargetFactory(enterprise=new, year=2021, value=Decimal(1200))
    # The year to date in one November report is a jump the data-quality rules flag: confirmed.
    close_month(period=NOV, acting_user=None, now=NOW, confirm_unexplained=True)


def test_the_close_stores_the_zone_and_who_is_projected_to_miss(closed):
    lines = [line for line in get_bulletin(period=NOV).projections if line.metric == "output_value"]
    zone, d2 = lines
    assert zone.is_zone and zone.share == Fraction(1100, 1400)
    assert zone.ytd_targeted == 1200 and zone.target == 2500
    assert (d2.department_code, d2.method, d2.share) == ("D2", "flat", Fraction(11, 12))
    assert d2.will_miss and d2.projected_rate == Fraction(1200, 11 * 1200)


def test_the_projections_are_a_sheet_of_the_workbook(closed):
    with translation.override("zh-hans"):
        book = load_workbook(io.BytesIO(render_bulletin_xlsx(get_bulletin(period=NOV))))
    sheet = book["预计全年完成情况"]
    headers = [cell.value for cell in sheet[1]]
    assert "预计全年完成率（按往年季节规律）" in headers
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["全区（全部部门）", "商务局"]


def test_the_letter_and_its_attachment_state_the_projections(closed):
    content = render_bulletin_docx(get_bulletin(period=NOV))
    document = Document(io.BytesIO(content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "四、预计全年完成情况" in text
    assert "预计完不成目标的部门1个：商务局" in text
    headers = {cell.text for table in document.tables for cell in table.rows[0].cells}
    assert "预计全年完成率（按往年季节规律）" in headers


def test_the_pdf_holds_the_projections(closed):
    content = render_bulletin_pdf(get_bulletin(period=NOV))
    text = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )
    assert "预计全年完成情况" in text
    assert "预计完不成目标的部门1个：商务局" in text


def test_a_bulletin_stored_before_projections_has_no_such_section(closed):
    issue = BulletinIssue.objects.get()
    content = {key: value for key, value in issue.content.items() if key != "projections"}
    BulletinIssue.objects.filter(pk=issue.pk).update(content=content)
    bulletin = get_bulletin(period=NOV)
    assert bulletin.projections is None
    assert "projections" not in [table.key for table in bulletin_tables(bulletin)]
    text = "\n".join(
        p.text for p in Document(io.BytesIO(render_bulletin_docx(bulletin))).paragraphs
    )
    assert "预计全年完成情况" not in text


def test_the_bulletin_page_shows_the_projections(closed, client):
    client.force_login(user_with_role("economic_bureau"))
    html = client.get(reverse("bulletin:detail", args=["2021-11"])).content.decode()
    assert "预计全年完成情况（按往年季节规律）" in html
    assert "预计全年完成率（按往年季节规律）" in html
