"""The monthly bulletin (月通报): its page, its Excel and Word files, and its refusals."""

import datetime
import io
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from docx import Document
from openpyxl import load_workbook

from enterprises.models import Period
from hengkou.bulletin.content import MonthNotClosed, get_bulletin
from hengkou.bulletin.docx import render_bulletin_docx
from hengkou.bulletin.tables import visit_compliance_table
from hengkou.bulletin.xlsx import render_bulletin_xlsx
from hengkou.formats import format_money, format_percent, format_points
from hengkou.models import SupervisionNotice
from hengkou.services.close import close_month, reopen_month
from hengkou.services.notices import respond_to_notice
from projects.models import Project
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    TargetFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

NOV = datetime.date(2021, 11, 1)
NOV_2020 = datetime.date(2020, 11, 1)
# 2021-12-03 20:00 UTC is 2021-12-04 in Shanghai: notices are due 2021-12-14.
NOW = datetime.datetime(2021, 12, 3, 20, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2021, 12, 20, 2, 0, tzinfo=datetime.UTC)


def _member(department, *, target=None, ytd=None, last_year=None, above_scale=False):
    enterprise = AssignmentFactory(department=department, year=2021).enterprise
    if target is not None:
        TargetFactory(enterprise=enterprise, year=2021, value=Decimal(target))
    if ytd is not None:
        MonthlyReportFactory(enterprise=enterprise, period=NOV, output_value=Decimal(ytd))
    if last_year is not None:
        MonthlyReportFactory(
            enterprise=enterprise, period=NOV_2020, output_value=Decimal(last_year)
        )
    if above_scale:
        EnterpriseTitleFactory(enterprise=enterprise, year=2021)
    return enterprise


@pytest.fixture
def zone():
    """Close November 2021 over three departments: D1 ahead, D2 and D3 lagging.

    D1 also sponsors a renovation project; D3 has a member that has not reported and an
    overdue problem; D2 answered its notice after the close, D3 has not.
    """
    d1 = DepartmentFactory(code="D1", name="工信局")
    d2 = DepartmentFactory(code="D2", name="商务局")
    d3 = DepartmentFactory(code="D3", name="农业局")
    _member(d1, target="1200", ytd="1150", last_year="1000", above_scale=True)
    _member(d2, target="1200", ytd="1000", last_year="1000", above_scale=True)
    _member(d3, target="1200", ytd="100")
    _member(d3)

    project = ProjectFactory(kind="renovation", stage="started", total_investment="12345.67")
    ProjectPlanFactory(project=project, department=d1, planned_investment="1300")
    ProjectReportFactory(project=project, period=NOV, investment="1250")
    ProjectReportFactory(project=project, period=NOV_2020, investment="1000")
    reserve = ProjectFactory(stage="reserve", total_investment="800")
    # Recorded in October: it existed at the end of November (created_at is set on insert).
    Project.objects.filter(pk=reserve.pk).update(
        created_at=datetime.datetime(2021, 10, 8, tzinfo=datetime.UTC)
    )

    ProblemFactory(department=d3, due_on=datetime.date(2021, 11, 20))
    ProblemFactory(department=d3, due_on=datetime.date(2021, 12, 5))
    ProblemFactory(
        department=d1,
        due_on=datetime.date(2021, 11, 10),
        status="resolved",
        resolution="已协调",
        resolved_on=datetime.date(2021, 11, 9),
        satisfaction=5,
    )

    close_month(period=NOV, acting_user=None, now=NOW)
    respond_to_notice(
        notice=SupervisionNotice.objects.get(department=d2),
        response="加强调度",
        acting_user=None,
        now=NOW,
    )
    return {"D1": d1, "D2": d2, "D3": d3}


@pytest.fixture
def english(client):
    """Show the pages in English, the language of the source strings."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _reader():
    """A clerk of the economic bureau, who compiles and reads the bulletins."""
    return user_with_role("economic_bureau")


@pytest.fixture
def user_client(client):
    client.force_login(_reader())
    return client


def test_formatting_rounds_half_up_to_a_tenth_of_a_percent():
    assert format_percent(Decimal("0.833333333")) == "83.3%"
    assert format_percent(Decimal("0.0005")) == "0.1%"
    assert format_percent(Decimal("-0.00004")) == "0.0%"
    assert format_points(Decimal("-0.083333333")) == "-8.3"
    assert format_points(Decimal("0.041666667")) == "+4.2"
    assert format_money(Decimal("1234567.5")) == "1,234,567.50"
    assert format_percent(None) == "—"


def test_bulletin_holds_the_snapshot_the_zone_and_the_states_at_the_close(zone):
    bulletin = get_bulletin(period=NOV)

    assert [r.metric for r in bulletin.rankings] == [
        "output_value",
        "investment",
        "tech_investment",
    ]
    output = bulletin.rankings[0]
    assert [(r.department_code, r.rank, r.lagging) for r in output.rows] == [
        ("D1", 1, False),
        ("D2", 2, True),
        ("D3", 3, True),
    ]
    assert bulletin.zone.above_scale_output == Decimal("2150.00")
    # The notices as this close issued them: D2's later response is not the bulletin's.
    assert [(line.department_code, line.notice_status) for line in bulletin.lagging] == [
        ("D2", "issued"),
        ("D3", "issued"),
    ]
    assert [line.notice_due_on for line in bulletin.lagging] == [datetime.date(2021, 12, 14)] * 2
    assert bulletin.lagging[1].notice_overdue is False
    assert [(c.department_code, c.reported, c.members) for c in bulletin.completeness] == [
        ("D1", 1, 1),
        ("D2", 1, 1),
        ("D3", 1, 2),
    ]
    assert [(s.stage, s.projects) for s in bulletin.projects] == [
        ("reserve", 1),
        ("started", 1),
        ("completed", 0),
        ("operating", 0),
    ]
    assert [(p.department_code, p.problems) for p in bulletin.overdue_problems] == [("D3", 1)]
    # On 30 November no notice was out yet: this close issued the first ones.
    assert bulletin.overdue_notices == ()
    assert bulletin.as_at == datetime.date(2021, 11, 30)
    assert bulletin.today == bulletin.closed_on == datetime.date(2021, 12, 4)
    # No head and no visit: each assignment's four November weeks are missed.
    assert [
        (line.department_code, line.met, line.missed, line.due, line.compliance)
        for line in bulletin.visit_compliance
    ] == [("D1", 0, 4, 0, 0), ("D2", 0, 4, 0, 0), ("D3", 0, 8, 0, 0)]
    # Read after the notice's due date, it is the same bulletin.
    assert get_bulletin(period=NOV, now=LATER) == bulletin


def test_an_open_month_has_no_bulletin(zone):
    with pytest.raises(MonthNotClosed):
        get_bulletin(period=datetime.date(2021, 10, 1))


def test_page_shows_the_rates_the_lagging_departments_and_their_notices(zone, english):
    english.force_login(_reader())
    response = english.get(reverse("bulletin:detail", args=["2021-11"]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "November 2021" in html
    for figure in ("95.8%", "83.3%", "8.3%", "91.7%", "-8.3", "-83.3", "+4.2", "15.0%"):
        assert figure in html
    assert "2,150.00" in html  # above-scale output
    assert "7.5%" in html  # its growth over the same enterprises
    assert "12,345.67" in html  # a project's total planned investment
    lagging = html.split('id="lagging"')[1].split("</section>")[0]
    assert "商务局" in lagging and "农业局" in lagging and "工信局" not in lagging
    assert "2021-12-14" in lagging
    # The notices' status as issued by the close, not their later answers.
    assert "Issued" in lagging and "Responded" not in lagging
    completeness = html.split('id="completeness"')[1].split("</section>")[0]
    assert "50.0%" in completeness
    for label in ("Download Excel", "Download Word", "Print"):
        assert label in html
    assert reverse("bulletin:xlsx", args=["2021-11"]) in html
    assert reverse("bulletin:docx", args=["2021-11"]) in html
    assert "@media print" in html
    assert "table-responsive" in html


def test_page_is_chinese_by_default(zone, user_client):
    html = user_client.get(reverse("bulletin:detail", args=["2021-11"])).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "2021年11月" in html
    assert "工业总产值" in html


def test_index_lists_closed_months_newest_first_with_their_files(zone, user_client):
    january_6th = datetime.datetime(2022, 1, 6, 1, 0, tzinfo=datetime.UTC)
    close_month(period=datetime.date(2021, 12, 1), acting_user=None, now=january_6th)
    Period.objects.create(period=datetime.date(2022, 1, 1))  # open: not listed
    html = user_client.get(reverse("bulletin:index")).content.decode()
    december = reverse("bulletin:detail", args=["2021-12"])
    november = reverse("bulletin:detail", args=["2021-11"])
    assert html.index(december) < html.index(november)
    assert reverse("bulletin:detail", args=["2022-01"]) not in html
    assert reverse("bulletin:xlsx", args=["2021-11"]) in html
    assert reverse("bulletin:docx", args=["2021-11"]) in html


def test_xlsx_holds_the_figures_as_numbers_in_their_cells(zone, english):
    english.force_login(_reader())
    response = english.get(reverse("bulletin:xlsx", args=["2021-11"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert 'filename="bulletin-2021-11.xlsx"' in disposition
    assert "filename*=UTF-8''Monthly%20bulletin-2021-11.xlsx" in disposition
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Overview",
        "Gross industrial output",
        "Industrial investment",
        "Tech-renovation investment",
        "Supervision notices",
        "Year-end projections",
        "Reporting completeness",
        "Visit compliance",
        "Projects",
        "Overdue problems",
        "Overdue notices",
    ]

    overview = book["Overview"]
    assert overview["A4"].value == "Indicator" and overview["A4"].font.bold
    assert overview["B5"].value == 2150
    assert overview["D5"].value == pytest.approx(0.075)
    assert overview["D5"].number_format == "0.0%"
    assert overview["B6"].value == 1250  # industrial investment
    assert overview["B8"].value == 4  # sponsored enterprises

    ranking = book["Gross industrial output"]
    assert ranking["A1"].value == "Rank" and ranking["A1"].font.bold
    departments = [ranking.cell(row=r, column=2).value for r in (2, 3, 4)]
    assert departments == ["工信局", "商务局", "农业局"]
    assert ranking["D3"].value == 1200 and ranking["D3"].number_format == "#,##0.00"
    assert ranking["F3"].value == pytest.approx(1000 / 1200)
    assert ranking["F3"].number_format == "0.0%"
    assert ranking["H3"].value == pytest.approx(-8.3333, abs=1e-3)
    assert ranking["I3"].value == "Yellow"  # 8.3 points behind: not green
    assert ranking["J3"].value == "yes"
    assert ranking.column_dimensions["B"].width >= 8

    notices = book["Supervision notices"]
    assert [notices.cell(row=r, column=1).value for r in (2, 3)] == ["商务局", "农业局"]
    assert notices["F2"].value == datetime.datetime(2021, 12, 14)

    completeness = book["Reporting completeness"]
    assert [c.value for c in completeness[4]] == ["农业局", 2, 1, 0.5]

    projects = book["Projects"]
    assert [c.value for c in projects[2]] == ["Reserve", 1, 800]
    assert [c.value for c in projects[6]] == ["Total", 2, pytest.approx(13145.67)]

    problems = book["Overdue problems"]
    assert [c.value for c in problems[2]][:2] == ["农业局", 1]


def test_docx_holds_the_zone_paragraph_and_the_tables(zone, english):
    # The .docx is a 公文 (tests/hengkou/bulletin/test_documents.py): Chinese in any language.
    english.force_login(_reader())
    response = english.get(reverse("bulletin:docx", args=["2021-11"]))

    assert response.status_code == 200
    assert 'filename="bulletin-2021-11.docx"' in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "2021年11月份" in text
    assert "规模以上工业总产值累计完成2,150.00万元，同比增长7.5%" in text
    assert "技改投资累计完成1,250.00万元，同比增长25.0%" in text

    ranking = document.tables[1]  # after the zone figures (附件1)
    assert ranking.rows[0].cells[0].text == "排名"
    assert [cell.text for cell in ranking.rows[2].cells] == [
        "2",
        "商务局",
        "1",
        "1,200.00",
        "1,000.00",
        "83.3%",
        "91.7%",
        "-8.3",
        "黄灯",
        "是",
        "1,000.00",
        "0.0%",
        "0",
        "0.00",
        "100.0%",
    ]
    lagging = document.tables[4]
    assert [row.cells[0].text for row in lagging.rows[1:]] == ["商务局", "农业局"]
    assert lagging.rows[2].cells[5].text == "2021-12-14"


def test_docx_is_chinese_by_default(zone):
    with translation.override("zh-hans"):
        content = render_bulletin_docx(get_bulletin(period=NOV))
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "2021年11月" in text


@pytest.mark.parametrize("url_name", ["bulletin:detail", "bulletin:xlsx", "bulletin:docx"])
def test_an_open_month_is_refused_with_a_friendly_404(zone, english, url_name):
    english.force_login(_reader())
    response = english.get(reverse(url_name, args=["2021-10"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="bulletin-unavailable"' in html
    assert "October 2021 is not closed yet" in html


@pytest.mark.parametrize("period", ["2021-13", "2021-1", "november", "0000-01"])
def test_a_malformed_month_is_a_friendly_404(english, period):
    english.force_login(_reader())
    response = english.get(reverse("bulletin:detail", args=[period]))
    assert response.status_code == 404
    assert "is not a month" in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "args"),
    [
        ("bulletin:index", []),
        ("bulletin:detail", ["2021-11"]),
        ("bulletin:xlsx", ["2021-11"]),
        ("bulletin:docx", ["2021-11"]),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, url_name, args):
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_closed_month_without_figures_still_has_a_bulletin(user_client):
    close_month(period=NOV, acting_user=None, now=NOW)
    for url_name in ("bulletin:detail", "bulletin:xlsx", "bulletin:docx"):
        assert user_client.get(reverse(url_name, args=["2021-11"])).status_code == 200


@pytest.fixture
def visited():
    """Close November 2021 over one department, its head and one assignment.

    One visit, on Tuesday 30 November, with the head, the responsible person and the leader:
    it falls in the head's November window, but in the ISO week of Thursday 2 December, so
    the responsible person's four November weeks are all missed: 1 window met, 4 missed.
    """
    department = DepartmentFactory(code="V1", name="科技局")
    assignment = AssignmentFactory(department=department, year=2021)
    head = OfficialFactory(department=department, rank="department_head")
    visit = VisitFactory(enterprise=assignment.enterprise, visited_on=datetime.date(2021, 11, 30))
    visit.participants.add(head, assignment.responsible, assignment.leader)
    close_month(period=NOV, acting_user=None, now=NOW)
    return department


def _section(html, key):
    return html.split(f'id="{key}"')[1].split("</section>")[0]


def _cells(section):
    """Return the text of each body row's cells."""
    body = section.split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_visit_compliance_counts_the_heads_month_and_the_weeks_of_the_month(visited):
    bulletin = get_bulletin(period=NOV)
    assert [
        (line.department_name, line.met, line.missed, line.due, line.compliance)
        for line in bulletin.visit_compliance
    ] == [("科技局", 1, 4, 0, Fraction(1, 5))]
    total = bulletin.visit_compliance_total
    assert (total.met, total.missed, total.due, total.compliance) == (1, 4, 0, Fraction(1, 5))


def test_visit_compliance_shows_a_dash_while_no_window_has_ended(zone):
    # A month closes only after it has ended, so at a close at least its monthly window has
    # ended; the table still shows a dash, not 0%, for a line with no window ended yet.
    from dataclasses import replace

    from hengkou.bulletin.content import VisitComplianceLine

    bulletin = replace(
        get_bulletin(period=NOV, now=LATER),
        visit_compliance=(
            VisitComplianceLine(
                department_code="D1", department_name="工信局", met=0, missed=0, due=4
            ),
        ),
    )
    with translation.override("en"):
        table = visit_compliance_table(bulletin)
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["工信局", "0", "0", "4", "—"],
        ["Total", "0", "0", "4", "—"],
    ]
    assert [row.cells[4].sheet_value for row in table.rows] == [None] * 2


def test_a_month_without_assignments_has_an_empty_visit_compliance_table(user_client):
    close_month(period=NOV, acting_user=None, now=NOW)
    bulletin = get_bulletin(period=NOV)
    assert bulletin.visit_compliance == ()
    assert visit_compliance_table(bulletin).rows == ()


def test_page_shows_visit_compliance_as_a_section_frozen_at_the_close(visited, english):
    english.force_login(_reader())
    html = english.get(reverse("bulletin:detail", args=["2021-11"])).content.decode()
    section = _section(html, "visit-compliance")
    assert "<h2" in section and "Visit compliance" in section
    assert "Live figures" not in html
    assert "Windows met" in section and "Windows still due" in section
    assert _cells(section) == [
        ["科技局", "1", "4", "0", "20.0%"],
        ["Total", "1", "4", "0", "20.0%"],
    ]
    # Between the completeness table and the projects.
    assert html.index('id="completeness"') < html.index('id="visit-compliance"')
    assert html.index('id="visit-compliance"') < html.index('id="projects"')


def test_xlsx_has_a_visit_compliance_sheet(visited, english):
    english.force_login(_reader())
    response = english.get(reverse("bulletin:xlsx", args=["2021-11"]))
    sheet = load_workbook(io.BytesIO(response.content))["Visit compliance"]
    assert [c.value for c in sheet[1]] == [
        "Department",
        "Windows met",
        "Windows missed",
        "Windows still due",
        "Compliance",
    ]
    assert [c.value for c in sheet[2]] == ["科技局", 1, 4, 0, pytest.approx(0.2)]
    assert sheet["E2"].number_format == "0.0%"
    assert [c.value for c in sheet[3]] == ["Total", 1, 4, 0, pytest.approx(0.2)]
    assert sheet["A5"].value is None  # no note that the figures are live: they are frozen


def test_docx_has_a_visit_compliance_table(visited, english):
    english.force_login(_reader())
    response = english.get(reverse("bulletin:docx", args=["2021-11"]))
    document = Document(io.BytesIO(response.content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    with translation.override("zh-hans"):
        title = str(pgettext("bulletin section", "Visit compliance"))
        met = str(gettext("Windows met"))
    assert title in texts
    (table,) = [t for t in document.tables if t.rows[0].cells[1].text == met]
    assert not any(text.startswith(("Live figures", "实时")) for text in texts)
    assert [[cell.text for cell in row.cells] for row in table.rows[1:]] == [
        ["科技局", "1", "4", "0", "20.0%"],
        ["合计", "1", "4", "0", "20.0%"],
    ]


def test_visit_compliance_is_translated(visited):
    with translation.override("zh-hans"):
        table = visit_compliance_table(get_bulletin(period=NOV))
    assert table.rows[-1].cells[0].text == "合计"


def test_renderers_take_the_bulletin_alone(zone):
    bulletin = get_bulletin(period=NOV)
    assert render_bulletin_xlsx(bulletin).startswith(b"PK")
    assert render_bulletin_docx(bulletin).startswith(b"PK")


def _grow(count):
    """Add departments, each with a lagging member, a project, an overdue problem and a head
    who visited one of its enterprises."""
    for _ in range(count):
        department = DepartmentFactory()
        enterprise = _member(
            department, target="1200", ytd="600", last_year="500", above_scale=True
        )
        _member(department)
        head = OfficialFactory(department=department, rank="department_head")
        VisitFactory(enterprise=enterprise).participants.add(head)
        ProjectReportFactory(project=ProjectPlanFactory(department=department).project, period=NOV)
        ProblemFactory(department=department, due_on=datetime.date(2021, 11, 2))


def _queries(client, url_name):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(url_name, args=["2021-11"]))
    assert response.status_code == 200
    return len(captured)


def test_page_and_files_run_the_same_number_of_queries_at_two_sizes(user_client):
    names = ("bulletin:detail", "bulletin:xlsx", "bulletin:docx")
    _grow(2)
    close_month(period=NOV, acting_user=None, now=NOW)
    small = {name: _queries(user_client, name) for name in names}

    _grow(18)
    reopen_month(period=NOV, acting_user=None, reason="补录", now=NOW)
    close_month(period=NOV, acting_user=None, now=NOW)
    large = {name: _queries(user_client, name) for name in names}

    kept = {name: _queries(user_client, name) for name in names}

    assert len(get_bulletin(period=NOV).rankings[0].rows) == 20
    assert small == large
    # Session and user, the reader's scope (roles and official: one query) and permissions
    # (the page's access rule: user and group permissions, two queries), then get_bulletin's
    # two (the stored issue and its earlier versions) and the kept file's read; the first
    # request of a file also stores it (a savepoint round an INSERT: three). The page adds
    # the navigation's.
    assert kept["bulletin:xlsx"] == kept["bulletin:docx"] <= 8
    assert large["bulletin:xlsx"] == large["bulletin:docx"] == kept["bulletin:xlsx"] + 3
    assert large["bulletin:detail"] == kept["bulletin:detail"] <= 9
