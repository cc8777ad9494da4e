"""The dashboard at city scale: the ranking table pages, filters and sorts on the server, the
chart follows the page, the completeness board lists the departments missing reports first.

Most tests shrink the page sizes so that a few departments span several pages."""

import datetime
import json
from decimal import Decimal

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hengkou.selectors import dashboard as dashboard_selectors
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
QUERY = {"period": "2021-11", "metric": "output_value"}


def _department(code, *, rate, missing=0):
    """Make a department whose one member reached ``rate`` (per cent) of a 1,000 target.

    ``missing`` more members have neither a target nor a report for the month.
    """
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal(1000))
    MonthlyReportFactory(
        enterprise=assignment.enterprise, period=NOV, output_value=Decimal(rate * 10)
    )
    for index in range(missing):
        AssignmentFactory(
            department=department, year=2021, enterprise__name=f"{code}未报企业{index}"
        )
    return department


@pytest.fixture
def small_pages(monkeypatch):
    """Three ranking rows and two completeness rows to a page."""
    monkeypatch.setattr(dashboard_selectors, "RANKING_PAGE_SIZE", 3)
    monkeypatch.setattr(dashboard_selectors, "BOARD_PAGE_SIZE", 2)


def _page(client, **params):
    response = client.get(reverse("dashboard"), {**QUERY, **params})
    assert response.status_code == 200
    return response, lxml.html.fromstring(response.content.decode())


def _ranking_names(doc):
    return [
        " ".join(row.xpath("./td[2]")[0].text_content().split())
        for row in doc.xpath("//table[@id='ranking-table']/tbody/tr[count(td) > 1]")
    ]


def _board_names(doc):
    return [
        row.xpath("./td[1]")[0].text_content().strip()
        for row in doc.xpath("//table[@id='completeness-table']/tbody/tr[count(td) > 1]")
    ]


def _links(doc, xpath):
    return [link.get("href") for link in doc.xpath(xpath)]


def _chart_departments(response):
    return json.loads(
        lxml.html.fromstring(response.content.decode()).xpath("//*[@id='chart-data']")[0].text
    )["departments"]


def test_a_zone_of_up_to_a_page_of_departments_sees_everything_on_one_page(supervisor):
    # Thirty departments: the ranking, the chart and the board list every one, with no pages.
    for index in range(30):
        _department(f"D{index:02d}", rate=50 + index, missing=index % 2)
    response, doc = _page(supervisor)
    assert len(_ranking_names(doc)) == 30
    assert len(_chart_departments(response)) == 30
    assert len(_board_names(doc)) == 30
    assert not doc.xpath("//nav[contains(@class, 'mt-3')]")  # no pagination anywhere
    assert not doc.xpath("//*[@id='chart-page-note']")
    assert "第 1–30 个部门，共 30 个" in response.content.decode()


def test_page_two_shows_the_next_rows_of_the_ranking(supervisor, small_pages):
    for index, rate in enumerate([95, 90, 85, 80, 75, 70, 65]):
        _department(f"D{index}", rate=rate)
    _response, first = _page(supervisor)
    assert _ranking_names(first) == ["D0局", "D1局", "D2局"]
    _response, second = _page(supervisor, page=2)
    assert _ranking_names(second) == ["D3局", "D4局", "D5局"]
    assert [cell.text_content() for cell in second.xpath("//tbody/tr/td[1]")][:3] == [
        "4",
        "5",
        "6",
    ]
    _response, last = _page(supervisor, page=3)
    assert _ranking_names(last) == ["D6局"]
    # The pages' links keep the month and the metric, and come back to the table.
    links = _links(second, "//div[@id='ranking']//a[@class='page-link']")
    assert links == [
        "?period=2021-11&metric=output_value&page=1#ranking",
        "?period=2021-11&metric=output_value&page=3#ranking",
    ]


def test_the_chart_draws_the_rows_of_the_tables_page(supervisor, small_pages):
    for index, rate in enumerate([95, 90, 85, 80, 75]):
        _department(f"D{index}", rate=rate)
    response, doc = _page(supervisor, page=2)
    assert _chart_departments(response) == ["D3局", "D4局"] == _ranking_names(doc)
    assert "排名表第 4–5 个部门" in doc.xpath("//*[@id='chart-page-note']")[0].text_content()


def test_lagging_only_shows_the_lagging_departments_of_every_page(supervisor, small_pages):
    # Time progress of November is 91.7%: below it is lagging.
    for index, rate in enumerate([99, 30, 98, 40, 97, 96, 50, 95]):
        _department(f"D{index}", rate=rate)
    response, doc = _page(supervisor)
    button = doc.xpath("//a[@id='lagging-only']")[0]
    assert " ".join(button.text_content().split()) == "仅看进度靠后（3）"
    assert button.get("href") == "?period=2021-11&metric=output_value&lagging=1#ranking"
    response, doc = _page(supervisor, lagging="1")
    assert _ranking_names(doc) == ["D6局", "D3局", "D1局"]
    assert all(row.get("class") == "table-warning" for row in doc.xpath("//tbody/tr")[:3])
    assert 'name="lagging" value="1"' in response.content.decode()  # kept by the month's form
    # With no lagging department, the filter says so.
    response, doc = _page(supervisor, metric="tax", lagging="1")
    assert _ranking_names(doc) == []
    assert "该指标没有进度靠后的部门。" in response.content.decode()


def test_sorting_orders_every_department_not_only_the_page(supervisor, small_pages):
    for index, rate in enumerate([60, 99, 70, 95, 80]):
        _department(f"D{index}", rate=rate)
    _response, doc = _page(supervisor, sort="completion_rate")
    assert _ranking_names(doc) == ["D0局", "D2局", "D4局"]  # the lowest three of five
    _response, doc = _page(supervisor, sort="-completion_rate")
    assert _ranking_names(doc) == ["D1局", "D3局", "D4局"]
    header = doc.xpath("//th[@aria-sort]")[0]
    assert header.get("aria-sort") == "descending"
    assert "完成率" in header.text_content()
    # The pages of a sorted table keep its sort; a header's link asks for the other direction.
    _response, doc = _page(supervisor, sort="-completion_rate", page=2)
    assert _ranking_names(doc) == ["D2局", "D0局"]
    assert _links(doc, "//div[@id='ranking']//a[@class='page-link']") == [
        "?period=2021-11&metric=output_value&sort=-completion_rate&page=1#ranking"
    ]
    rate_link = doc.xpath("//th[@aria-sort]/a")[0].get("href")
    assert rate_link == "?period=2021-11&metric=output_value&sort=completion_rate#ranking"


def test_sort_by_department_follows_the_register_and_rows_without_a_value_come_last(
    supervisor, small_pages
):
    _department("D2", rate=90)
    _department("D1", rate=80)
    untargeted = DepartmentFactory(code="D0", name="D0局")
    AssignmentFactory(department=untargeted, year=2021)  # no target: no rate, no rank
    _response, doc = _page(supervisor, sort="department")
    assert _ranking_names(doc) == ["D0局", "D1局", "D2局"]
    for sort in ("completion_rate", "-completion_rate"):
        _response, doc = _page(supervisor, sort=sort)
        assert _ranking_names(doc)[-1] == "D0局"


def test_every_sortable_column_sorts(supervisor):
    for index, rate in enumerate([60, 99, 70]):
        _department(f"D{index}", rate=rate, missing=index)
    for key in dashboard_selectors.RANKING_SORTS:
        for sort in (key, f"-{key}"):
            _response, doc = _page(supervisor, sort=sort)
            assert sorted(_ranking_names(doc)) == ["D0局", "D1局", "D2局"], sort


def test_bad_page_numbers_and_sort_keys_answer_a_clear_page(supervisor, small_pages):
    for index, rate in enumerate([95, 90, 85, 80]):
        _department(f"D{index}", rate=rate)
    _response, doc = _page(supervisor, page="abc")
    assert _ranking_names(doc) == ["D0局", "D1局", "D2局"]
    _response, doc = _page(supervisor, page="999")
    assert _ranking_names(doc) == ["D3局"]  # the last page
    _response, doc = _page(supervisor, page="-1", board_page="x")
    assert _ranking_names(doc) == ["D3局"]
    for sort in ("nonsense", "__class__", "-", "department__name", "rank;drop"):
        response, doc = _page(supervisor, sort=sort)
        assert "无法识别该排列方式，已按排名顺序显示。" in response.content.decode()
        assert _ranking_names(doc) == ["D0局", "D1局", "D2局"]
        assert not doc.xpath("//th[@aria-sort]")


def test_sort_lagging_and_pages_are_kept_by_each_others_links(supervisor, small_pages):
    for index, rate in enumerate([30, 40, 50, 60, 70, 99]):
        _department(f"D{index}", rate=rate, missing=1)
    _response, doc = _page(supervisor, sort="gap", lagging="1", page="2", board_page="2")
    sort_link = doc.xpath("//th/a[contains(@href, 'sort=members')]")[0].get("href")
    assert sort_link == (
        "?period=2021-11&metric=output_value&lagging=1&board_page=2&sort=members#ranking"
    )
    board_links = _links(doc, "//div[@id='not-reported']//a[@class='page-link']")
    assert board_links[0] == (
        "?period=2021-11&metric=output_value&sort=gap&lagging=1&page=2&board_page=1#not-reported"
    )
    all_departments = doc.xpath("//div[@role='group']/a")[0].get("href")
    assert all_departments == "?period=2021-11&metric=output_value&sort=gap&board_page=2#ranking"
    form = doc.xpath("//form[@method='get']")[0]
    assert {field.get("name"): field.get("value") for field in form.xpath(".//input")} == {
        "period": "2021-11",
        "sort": "gap",
        "lagging": "1",
    }


def test_the_board_lists_departments_missing_reports_first_a_page_at_a_time(
    supervisor, small_pages
):
    _department("D1", rate=90)
    _department("D2", rate=90, missing=2)
    _department("D3", rate=90)
    _department("D4", rate=90, missing=1)
    response, doc = _page(supervisor)
    assert _board_names(doc) == ["D2局", "D4局"]
    assert "4 个部门中 2 个尚有企业未报" in response.content.decode()
    assert "D2未报企业0" in response.content.decode()
    _response, doc = _page(supervisor, board_page=2)
    assert _board_names(doc) == ["D1局", "D3局"]
    # Paging the board leaves the ranking where it was.
    assert _ranking_names(doc) == ["D1局", "D2局", "D3局"]


def test_each_board_page_names_the_members_of_its_own_departments(supervisor, small_pages):
    # Five departments missing reports: the second page names D3's and D4's, not the others'.
    for index in range(5):
        _department(f"D{index}", rate=90, missing=index + 1)
    _department("D9", rate=90)
    response, doc = _page(supervisor, board_page=2)
    assert _board_names(doc) == ["D2局", "D3局"]
    cells = [
        row.xpath("./td[4]")[0].text_content().strip()
        for row in doc.xpath("//table[@id='completeness-table']/tbody/tr")
    ]
    assert cells == [
        "D2未报企业0、D2未报企业1、D2未报企业2",
        "D3未报企业0、D3未报企业1、D3未报企业2、D3未报企业3",
    ]
    assert "D0未报企业0" not in response.content.decode()
    assert "D4未报企业0" not in response.content.decode()
    _response, doc = _page(supervisor, board_page=3)
    assert _board_names(doc) == ["D4局", "D9局"]
    last = doc.xpath("//table[@id='completeness-table']/tbody/tr")
    assert last[0].xpath("./td[4]")[0].text_content().strip().startswith("D4未报企业0、")
    assert "已全部报送" in last[1].xpath("./td[4]")[0].text_content()


def test_the_dashboard_runs_the_same_queries_whatever_the_pages(supervisor, small_pages):
    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            _page(supervisor, **params)
        return len(queries)

    for index in range(2):
        _department(f"A{index}", rate=50 + index, missing=1)
    small = count()
    for index in range(12):
        _department(f"B{index:02d}", rate=60 + index, missing=index % 2)
    assert count() == small
    # Nothing was written since: the month's stored ranking is read, two queries fewer than the
    # first read after a write, which ranked it and stored it (selectors/open_ranking.py), and
    # so is the projections' history (two fewer again; selectors/projections.py).
    assert count(page=3, sort="-gap", lagging="1", board_page=4) == small - 4


def test_a_page_of_a_stored_ranking_builds_its_own_rows_only(small_pages):
    # Time progress of November is 91.7%: D1, D3, D5 and D7 lag. The stored ranking (read the
    # second time) turns only the page's rows back into RankingRows, and the lagging count and
    # filter come from the stored values, equal to the computed ranking's.
    for index in range(8):
        _department(f"D{index}", rate=99 - index if index % 2 == 0 else 40 + index)
    today = datetime.date(2021, 12, 1)
    computed = dashboard_selectors.get_dashboard(period=NOV, metric="output_value", today=today)
    board = dashboard_selectors.get_dashboard(period=NOV, metric="output_value", today=today)
    stored = board.ranking.rows
    assert type(stored).__name__ == "StoredRows" and list(stored) != []
    stored._built.clear()
    for lagging_only in (False, True):
        for page in (1, 2):
            expected = dashboard_selectors.Dashboard.ranking_page(
                computed, lagging_only=lagging_only, page=page
            )
            found = board.ranking_page(lagging_only=lagging_only, page=page)
            assert list(found.page.object_list) == list(expected.page.object_list)
            assert found.page.paginator.count == expected.page.paginator.count
    assert board.lagging_count == computed.lagging_count == 4
    assert board.lagging_positions == computed.lagging_positions
    # The rows built are the page's: three of eight, one on the lagging filter's second page.
    fresh = dashboard_selectors.get_dashboard(period=NOV, metric="output_value", today=today)
    rows = fresh.ranking.rows
    assert fresh.lagging_count == 4 and len(rows._built) == 0
    fresh.ranking_page(page=1)
    assert sorted(rows._built) == [0, 1, 2]
    rows._built.clear()
    fresh.ranking_page(lagging_only=True, page=2)
    assert sorted(rows._built) == [fresh.lagging_positions[-1]]


def test_a_closed_months_snapshot_builds_the_rows_read_only(small_pages):
    # The same eight departments, November closed: its frozen ranking (RankingSnapshot) gives
    # the page's rows, the lagging positions and the projections' inputs from its stored values;
    # the rows equal the open month's, and only those on the page are built.
    from django.utils import timezone

    from hengkou.services import close_month

    for index in range(8):
        _department(f"D{index}", rate=99 - index if index % 2 == 0 else 40 + index)
    today = datetime.date(2021, 12, 6)
    before = dashboard_selectors.get_dashboard(period=NOV, metric="output_value", today=today)
    open_rows = list(before.ranking.rows)
    close_month(period=NOV, acting_user=None, now=timezone.now())
    closed = dashboard_selectors.get_dashboard(period=NOV, metric="output_value", today=today)
    rows = closed.ranking.rows
    assert closed.ranking.closed and type(rows).__name__ == "SnapshotRows"
    assert closed.lagging_positions == before.lagging_positions and len(rows._built) == 0
    projections = closed.projections
    assert projections.zone.target == before.projections.zone.target
    assert len(rows._built) == 0
    closed.ranking_page(page=1)
    assert sorted(rows._built) == [0, 1, 2]
    assert list(rows) == open_rows
