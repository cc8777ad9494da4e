"""The bulletin as an official document (公文): its PDF and .docx, and the printable .xlsx."""

import datetime
import io
import re
import shutil
import socket
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook
from pypdf import PdfReader

from hengkou.bulletin.content import get_bulletin
from hengkou.bulletin.document import chinese_date, official_document, signature_indents
from hengkou.bulletin.docx import render_bulletin_docx
from hengkou.bulletin.pdf import html_to_pdf, local_url_fetcher, render_bulletin_pdf
from hengkou.bulletin.tables import ranking_table
from hengkou.bulletin.xlsx import render_bulletin_xlsx
from hengkou.models import Notification
from hengkou.services.close import close_month, reopen_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    OfficialFactory,
    TargetFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

OCT = datetime.date(2021, 10, 1)
OCT_2020 = datetime.date(2020, 10, 1)
# 2021-11-06 02:00 UTC is 10:00 in Shanghai: the close's date is 2021年11月6日.
CLOSED_AT = datetime.datetime(2021, 11, 6, 2, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2021, 11, 20)
NUMBER = "恒示包抓〔2021〕7号"
OFFICE = "恒口示范区包抓重点工业企业工作领导小组办公室"
TITLE = "关于2021年10月份重点工业企业包抓工作情况的通报"
A4 = (595.28, 841.89)  # points


def _member(department, *, target, ytd, last_year=None, value_added=None):
    enterprise = AssignmentFactory(department=department, year=2021).enterprise
    TargetFactory(enterprise=enterprise, year=2021, value=Decimal(target))
    if value_added is not None:
        TargetFactory(
            enterprise=enterprise, year=2021, metric="value_added", value=Decimal(value_added)
        )
    MonthlyReportFactory(
        enterprise=enterprise,
        period=OCT,
        output_value=Decimal(ytd),
        value_added=Decimal(ytd) / 4,
    )
    if last_year is not None:
        MonthlyReportFactory(enterprise=enterprise, period=OCT_2020, output_value=last_year)
    EnterpriseTitleFactory(enterprise=enterprise, year=2021)
    return enterprise


@pytest.fixture
def closed():
    """Close October 2021 (time progress 83.3%) over five departments, two of them lagging.

    Two metrics are ranked: gross output and value added.
    """
    rows = [
        ("D1", "工信局", "1200", "1150.00", "1000"),
        ("D2", "商务局", "1200", "1000.00", "1100"),
        ("D3", "农业局", "1200", "300.00", None),
        ("D4", "生态环境分局", "2400", "2100.50", "2000"),
        ("D5", "自然资源局", "600", "520.25", "500"),
    ]
    for code, name, target, ytd, last_year in rows:
        department = DepartmentFactory(code=code, name=name)
        _member(department, target=target, ytd=ytd, last_year=last_year, value_added="300")
    close_month(period=OCT, acting_user=None, now=CLOSED_AT)
    return rows


def _bulletin():
    bulletin = get_bulletin(period=OCT)
    # Until the close stores it (the bulletin's other branch), the test gives the number.
    return bulletin.__class__(**{**bulletin.__dict__, "number": 7, "document_number": NUMBER})


def _ranked_texts(bulletin):
    """Return, for each ranked department, its name and figures as the tables print them."""
    with translation.override("zh-hans"):
        tables = [ranking_table(ranking) for ranking in bulletin.rankings]
    return [[cell.text for cell in row.cells] for table in tables for row in table.rows]


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _squeeze(text: str) -> str:
    return "".join(text.split())


# The letter's content.


def test_the_letter_states_the_month_in_chinese_whatever_the_language(closed):
    bulletin = _bulletin()
    with translation.override("en"):
        doc = official_document(bulletin)
    assert doc.issuing_office == OFFICE
    assert doc.document_number == NUMBER
    assert doc.title == TITLE
    assert doc.addressees.endswith("：")
    assert doc.date == "2021年11月6日" and doc.printed_line == "2021年11月6日印发"
    headings = [item.text for item in doc.body if item.heading]
    assert headings[:3] == [
        "一、全区主要指标完成情况",
        "二、各包抓部门目标任务完成情况",
        "三、进度靠后部门及督办要求",
    ]
    text = "".join(item.text for item in doc.body)
    # Zone figures with growth: 5,070.75 against 4,600 last year (D3 had no report then).
    assert "规模以上工业总产值累计完成5,070.75万元，同比增长10.2%" in text
    assert "本月时序进度为83.3%" in text
    assert (
        "工业总产值完成率居前3位的部门依次为：工信局（95.8%）、生态环境分局（87.5%）、"
        "自然资源局（86.7%）。"
    ) in text
    # The lagging departments by name, how far behind, and what is asked of them.
    assert "农业局：工业总产值完成率25.0%，低于时序进度58.3个百分点" in text
    assert "请于2021年11月16日前就督办通知书面反馈" in text
    assert "应报送企业5户，已报送5户，报送率100.0%" in text
    assert doc.attachment_lines[0] == f"附件：1. {doc.attachments[0].title}"
    assert [item.label for item in doc.attachments][:2] == ["附件1", "附件2"]
    assert doc.attachments[1].title.startswith("工业总产值")
    assert doc.attachments[1].landscape and not doc.attachments[0].landscape


def test_dates_have_no_leading_zeros_and_the_signature_sits_four_characters_in():
    assert chinese_date(datetime.date(2021, 1, 6)) == "2021年1月6日"
    # A short office is centred over the date, four characters in.
    # 2021年11月6日 is 6½ characters wide: three wide ones and seven half-width digits.
    office, date = signature_indents("示范区办公室", "2021年11月6日")
    assert date == 4 and office == 4 + (Decimal("6.5") - 6) / 2
    # A long one is two characters in, the date centred under it.
    office, date = signature_indents(OFFICE, "2021年11月6日")
    assert office == 2 and date == 2 + (22 - Decimal("6.5")) / 2


def test_settings_name_the_office_the_addressees_and_the_fonts(closed, settings):
    settings.HENGKOU_BULLETIN_DOCUMENT = {"issuing_office": "某某办公室", "font_fangsong": ["楷体"]}
    doc = official_document(_bulletin())
    assert doc.issuing_office == doc.signature == "某某办公室"
    assert doc.fonts.fangsong == ("楷体",)
    assert doc.addressees == "示范区各包抓部门、各有关单位："  # the default kept


# The PDF.


def test_pdf_holds_the_document_and_every_ranked_figure(closed):
    bulletin = _bulletin()
    content = render_bulletin_pdf(bulletin)
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    portrait = reader.pages[0].mediabox
    assert (float(portrait.width), float(portrait.height)) == pytest.approx(A4, abs=0.5)
    sizes = {
        tuple(sorted((round(float(p.mediabox.width)), round(float(p.mediabox.height)))))
        for p in reader.pages
    }
    assert sizes == {(595, 842)}  # A4, portrait or landscape
    assert any(p.mediabox.width > p.mediabox.height for p in reader.pages)  # wide tables

    text = _squeeze(_pdf_text(content))
    for expected in (OFFICE, NUMBER, TITLE, "附件1", "抄送：", "2021年11月6日印发", "—1—"):
        assert expected in text
    # Each ranked row, every cell as the table prints it, in order.
    for row in _ranked_texts(bulletin):
        assert _squeeze("".join(row)) in text, row


def test_pdf_text_with_pdftotext_keeps_the_rows_together(closed):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed")
    bulletin = _bulletin()
    content = render_bulletin_pdf(bulletin)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for row in _ranked_texts(bulletin):
        # Rank, department, members and target side by side on one line.
        assert any(" ".join(row[:4]) in line for line in lines), row


def test_pdf_fetches_nothing(closed, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the PDF tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    fetcher = local_url_fetcher()
    html = (
        '<html lang="zh-CN"><head><link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '</head><body><img src="http://example.com/logo.png"><p>通报</p>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<img src="file:///etc/hostname"></body></html>'
    )
    assert html_to_pdf(html, url_fetcher=fetcher).startswith(b"%PDF")
    assert sorted(fetcher.refused) == [
        "file:///etc/hostname",
        "http://example.com/logo.png",
        "https://cdn.example.com/x.css",
    ]
    # The bulletin's own HTML asks for nothing at all.
    fetcher = local_url_fetcher()
    from hengkou.bulletin.pdf import document_html

    html_to_pdf(document_html(official_document(_bulletin())), url_fetcher=fetcher)
    assert fetcher.refused == []


def test_pdf_names_simplified_chinese_fonts(closed):
    from hengkou.bulletin.pdf import document_html

    html = document_html(official_document(_bulletin()))
    assert '<html lang="zh-CN">' in html
    assert '"Noto Serif CJK SC", serif' in html and '"Noto Sans CJK SC", sans-serif' in html
    assert "thead { display: table-header-group; }" in html
    fonts = {
        font
        for page in PdfReader(io.BytesIO(render_bulletin_pdf(_bulletin()))).pages
        for font in (page["/Resources"].get("/Font") or {}).values()
        for font in [font.get_object()["/BaseFont"]]
    }
    assert any("CJK" in font and font.endswith("SC") or "CJKsc" in font for font in fonts), fonts
    assert not any("JP" in font for font in fonts)


# The .docx.


def _docx(bulletin=None) -> Document:
    return Document(io.BytesIO(render_bulletin_docx(bulletin or _bulletin())))


def _docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_docx_holds_the_document_and_every_ranked_figure(closed):
    bulletin = _bulletin()
    with translation.override("en"):
        document = _docx(bulletin)
    texts = [p.text for p in document.paragraphs]
    assert texts.index(OFFICE) < texts.index(NUMBER) < texts.index(TITLE)
    assert "2021年11月6日" in texts and texts.index(OFFICE, 1) < texts.index("2021年11月6日")
    assert "附件1" in texts and any(t.startswith("抄送：") for t in texts)
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    for row in _ranked_texts(bulletin):
        assert row in rows
    # The mark is red.
    mark = document.paragraphs[0].runs[0]
    assert str(mark.font.color.rgb) == "E60012"


def test_docx_is_zh_cn_with_chinese_fonts(closed):
    document = _docx()
    styles = document.styles.element
    langs = styles.findall(".//" + qn("w:lang"))
    assert langs and {lang.get(qn("w:eastAsia")) for lang in langs} == {"zh-CN"}
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:eastAsiaTheme")) is None
    assert "ja-JP" not in styles.xml
    # The font table names no Japanese face, and gives the official ones a free fallback.
    part = next(
        rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    table = part.blob.decode()
    assert "ＭＳ" not in table
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="Noto Serif CJK SC"/>' in table
    assert '<w:font w:name="黑体"><w:altName w:val="Noto Sans CJK SC"/>' in table


def test_docx_tables_share_one_size_and_repeat_their_header(closed):
    document = _docx()
    assert len(document.tables) >= 5
    sizes = set()
    for table in document.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    sizes.update(run.font.size for run in paragraph.runs)
    assert sizes == {Pt(9)}
    # Numbers never wrap and the columns are sized by what they hold: the ranking's money
    # columns are wider than its rank column.
    ranking = next(t for t in document.tables if t.rows[0].cells[0].text == "排名")
    widths = [column.width for column in ranking.columns]
    assert widths[3] > widths[0] and sum(widths) <= Mm(226)
    assert ranking.rows[1].cells[3]._tc.tcPr.find(qn("w:noWrap")) is not None


def test_docx_pages_and_numbers(closed):
    document = _docx()
    first = document.sections[0]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    assert round(first.top_margin.mm) == 37 and round(first.left_margin.mm) == 28
    assert round((first.page_width - first.left_margin - first.right_margin) / 36000) == 156
    assert round((first.page_height - first.top_margin - first.bottom_margin) / 36000) == 225
    assert any(s.page_width > s.page_height for s in document.sections)  # wide tables
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = first.footer.paragraphs[0], first.even_page_footer.paragraphs[0]
    assert odd.text == even.text == "— 1 —"  # the PAGE field's cached value
    assert "PAGE" in odd._p.xml and "PAGE" in even._p.xml
    assert odd.alignment != even.alignment


# The .xlsx.


def test_xlsx_sheets_print_on_a4_landscape_fitted_to_the_width(closed):
    workbook = load_workbook(io.BytesIO(render_bulletin_xlsx(_bulletin())))
    assert len(workbook.worksheets) > 3
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape"
        assert str(setup.paperSize) == str(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows in ("$1:$1", "$4:$4")


# The view, the notification and the buttons.


def test_pdf_view_sends_the_pdf_of_a_closed_month(closed, reader):
    response = reader.get(reverse("bulletin:pdf", args=["2021-10"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert ".pdf" in response["Content-Disposition"]
    assert b"".join(response).startswith(b"%PDF")


@pytest.mark.parametrize("period", ["2021-09", "2021-13", "october"])
def test_pdf_view_refuses_an_open_or_malformed_month(closed, reader, period):
    response = reader.get(reverse("bulletin:pdf", args=[period]))
    assert response.status_code == 404
    assert 'id="bulletin-unavailable"' in response.content.decode()


def test_anonymous_users_are_sent_to_log_in_for_the_pdf(client):
    response = client.get(reverse("bulletin:pdf", args=["2021-10"]))
    assert response.status_code == 302


def test_the_close_attaches_the_pdf_and_the_pages_offer_it(closed, reader):
    leader = OfficialFactory(rank="county_leader")
    recipient = user_with_role("county_leader", official=leader)
    december_6th = datetime.datetime(2021, 12, 6, 2, 0, tzinfo=datetime.UTC)
    close_month(period=datetime.date(2021, 11, 1), acting_user=None, now=december_6th)
    notification = Notification.objects.filter(recipient=recipient).latest("id")
    urls = [item["url"] for item in notification.attachments]
    assert urls == ["/bulletin/2021-11.xlsx", "/bulletin/2021-11.docx", "/bulletin/2021-11.pdf"]
    for url in (reverse("bulletin:detail", args=["2021-10"]), reverse("bulletin:index")):
        assert reverse("bulletin:pdf", args=["2021-10"]) in reader.get(url).content.decode()


def test_a_closed_month_without_figures_has_a_pdf(reader):
    close_month(period=OCT, acting_user=None, now=CLOSED_AT)
    response = reader.get(reverse("bulletin:pdf", args=["2021-10"]))
    assert response.status_code == 200
    # Without the page numbers, where a page break falls inside a sentence.
    text = re.sub(r"—\d+—", "", _squeeze(_pdf_text(b"".join(response))))
    assert TITLE in text
    assert "本月无可排名的指标" in text and "无进度靠后部门" in text


def _grow(count: int) -> None:
    for _ in range(count):
        _member(DepartmentFactory(), target="1200", ytd="500", last_year="400")


def _pdf_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("bulletin:pdf", args=["2021-10"]))
    assert response.status_code == 200
    return len(captured)


def test_pdf_view_runs_the_same_number_of_queries_at_two_sizes(reader):
    _grow(2)
    close_month(period=OCT, acting_user=None, now=CLOSED_AT)
    small = _pdf_queries(reader)
    _grow(12)
    reopen_month(period=OCT, acting_user=None, reason="补录", now=CLOSED_AT)
    close_month(period=OCT, acting_user=None, now=CLOSED_AT)
    assert len(get_bulletin(period=OCT).rankings[0].rows) == 14
    assert _pdf_queries(reader) == small


def test_a_lagging_line_just_behind_time_progress_never_reads_zero_points():
    from fractions import Fraction

    from hengkou.bulletin.content import LaggingLine
    from hengkou.bulletin.document import points_phrase

    line = LaggingLine(
        metric="revenue",
        department_code="D1",
        department_name="财政局",
        completion_rate=Fraction(1038143, 1246000),  # 83.32% against 83.33%
        time_progress=Fraction(10, 12),
        gap=Fraction(1038143, 1246000) - Fraction(10, 12),
        notice_due_on=None,
        notice_status="issued",
        notice_overdue=False,
    )
    assert points_phrase(line.gap) == "0.0个百分点"  # what the letter used to say
    assert points_phrase(line.gap, line.places) == "0.02个百分点"


def test_the_letter_states_time_progress_with_the_digits_of_its_rates(closed):
    from dataclasses import replace
    from fractions import Fraction

    from hengkou.bulletin.content import LaggingLine
    from hengkou.bulletin.document import _lagging_paragraphs

    line = LaggingLine(
        metric="revenue",
        department_code="D1",
        department_name="财政局",
        completion_rate=Fraction(8332, 10000),
        time_progress=Fraction(10, 12),
        gap=Fraction(8332, 10000) - Fraction(10, 12),
        notice_due_on=None,
        notice_status="issued",
        notice_overdue=False,
    )
    bulletin = replace(_bulletin(), lagging=(line,))
    intro, sentence = _lagging_paragraphs(bulletin)[:2]
    assert "（83.33%）" in intro  # not 83.3%, beside a rate of 83.32%
    assert "83.32%" in sentence and "0.01个百分点" in sentence
