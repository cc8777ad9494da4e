import datetime
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Period
from hengkou.formats import percent_value
from hengkou.models import SupervisionNotice
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)


def _department(code, *, target, ytd):
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal(target))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal(ytd))
    AssignmentFactory(department=department, year=2021, enterprise__name=f"{code}未报企业")
    return department


def test_dashboard_shows_cards_ranking_charts_and_who_has_not_reported(supervisor):
    _department("D1", target="1200", ytd="1150")
    _department("D2", target="1200", ytd="100")
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>部门排名 2021-11 · 恒口示范区工业包抓平台</title>" in html
    assert "D2局" in html and "D2未报企业" in html
    assert "95.8%" in html  # 1150 / 1200
    assert "8.3%" in html  # 100 / 1200
    assert "-83.3" in html  # gap in points
    assert 'id="chart-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "关账" in html
    ranking = response.context["dashboard"].ranking
    assert [row.department_code for row in ranking.rows] == ["D1", "D2"]


def test_dashboard_defaults_to_the_latest_reported_month(supervisor):
    _department("D1", target="1200", ytd="1150")
    response = supervisor.get(reverse("dashboard"))
    assert response.context["dashboard"].period == NOV


def test_bad_month_shows_a_message_not_an_error(supervisor):
    _department("D1", target="1200", ytd="1150")
    response = supervisor.get(reverse("dashboard"), {"period": "2021-13", "metric": "nope"})
    assert response.status_code == 200
    assert "改为显示最近月份" in response.content.decode()


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302


def test_close_button_closes_the_month_once(supervisor):
    _department("D1", target="1200", ytd="1150")
    _department("D2", target="1200", ytd="100")
    data = {"period": "2021-11", "metric": "output_value"}
    response = supervisor.post(reverse("dashboard_close"), data, follow=True)
    assert "2021-11 已关账" in response.content.decode()
    assert Period.objects.get().status == "closed"
    assert SupervisionNotice.objects.count() == 1
    response = supervisor.post(reverse("dashboard_close"), data, follow=True)
    assert SupervisionNotice.objects.count() == 1
    html = response.content.decode()
    assert "已关账：数据来自关账时" in html


def test_close_needs_the_permission(client):
    client.force_login(UserFactory())
    response = client.post(reverse("dashboard_close"), {"period": "2021-11", "metric": "tax"})
    assert response.status_code == 403
    # The supervision office reads the dashboard but does not close a month.
    client.force_login(user_with_role("supervision_office"))
    response = client.post(reverse("dashboard_close"), {"period": "2021-11", "metric": "tax"})
    assert response.status_code == 403
    assert Period.objects.count() == 0


def test_ranking_export_has_the_screen_columns(supervisor):
    _department("D1", target="1200", ytd="1150")
    response = supervisor.get(
        reverse("dashboard_xlsx"), {"period": "2021-11", "metric": "output_value"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    page = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    screen = [column.title for column in page.context["ranking"].columns]
    assert [cell.value for cell in sheet[2]] == screen
    assert screen[:8] == [
        "排名",
        "部门",
        "包抓对象数",
        "有目标对象年度目标（万元）",
        "有目标对象累计完成（万元）",
        "完成率（有目标对象累计÷目标）",
        "时序进度（月份÷12）",
        "差距（完成率−时序进度，百分点）",
    ]
    assert screen[10:14] == [
        "全部对象累计完成（万元）",
        "全部对象同比增长（同口径）",
        "无目标对象数",
        "无目标对象累计完成（万元）",
    ]
    row = [cell.value for cell in sheet[3]]
    assert row[:5] == [1, "D1局", 2, 1200, 1150]
    assert row[5] == pytest.approx(1150 / 1200)  # column 5 ÷ column 4
    assert row[7] == pytest.approx((1150 / 1200 - 11 / 12) * 100)  # points: column 6 − column 7
    assert row[8:10] == ["绿灯", "否"]
    assert row[10:14] == [1150, None, 1, 0]  # the member without a target reported nothing


def test_dashboard_runs_the_same_queries_at_two_sizes(supervisor):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = supervisor.get(
                reverse("dashboard"), {"period": "2021-11", "metric": "output_value"}
            )
        assert response.status_code == 200
        return len(queries)

    for index in range(2):
        _department(f"A{index:02d}", target="1200", ytd="600")
    small = count()
    for index in range(25):
        _department(f"B{index:02d}", target="1200", ytd="600")
    large = count()
    # The first read after a write ranks the month and stores the ranking (two queries more
    # than reading it stored, below), and sums the projections' history and stores it (two more
    # than reading it stored), the same at any size. One more asks for the month's unexplained
    # data-quality flags (the close's question), one more whether October is closed: a member
    # has not reported November (the projection is then the month before's when closed).
    assert small == large <= 20
    assert count() == large - 4


def test_administrator_reopens_a_closed_month_with_a_reason(supervisor):
    from enterprises.models import PeriodEvent

    _department("D1", target="1200", ytd="1150")
    data = {"period": "2021-11", "metric": "output_value"}
    supervisor.post(reverse("dashboard_close"), data)
    html = supervisor.get(reverse("dashboard"), data).content.decode()
    assert 'id="reopen-form"' in html and reverse("bulletin:detail", args=["2021-11"]) in html
    response = supervisor.post(reverse("dashboard_reopen"), {**data, "reason": " "}, follow=True)
    assert "请说明重新开账的原因" in response.content.decode()
    assert Period.objects.get().status == "closed"
    response = supervisor.post(
        reverse("dashboard_reopen"), {**data, "reason": "统计局更正数据"}, follow=True
    )
    assert "2021-11 已重新开账" in response.content.decode()
    assert Period.objects.get().status == "open"
    assert PeriodEvent.objects.get(action="reopen").reason == "统计局更正数据"


def test_reopen_needs_the_permission(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("dashboard_reopen"), {"period": "2021-11", "metric": "tax", "reason": "x"}
    )
    assert response.status_code == 403
    # The economic bureau closes a month but only an administrator reopens one.
    client.force_login(user_with_role("economic_bureau"))
    response = client.post(
        reverse("dashboard_reopen"), {"period": "2021-11", "metric": "tax", "reason": "x"}
    )
    assert response.status_code == 403


def test_a_row_just_behind_time_progress_prints_apart_from_it_and_is_not_green(supervisor):
    # 1,099.99 / 1,200 = 91.6658% against 11/12 = 91.6667%: one decimal would print both as 91.7%.
    _department("D1", target="1200", ytd="1099.99")
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    (row,) = response.context["ranking"].rows
    texts = {
        column.title: cell.text
        for column, (cell, _) in zip(response.context["ranking"].columns, row[1], strict=True)
    }
    assert texts["完成率（有目标对象累计÷目标）"] == "91.666%"
    assert texts["时序进度（月份÷12）"] == "91.667%"
    assert texts["差距（完成率−时序进度，百分点）"] == "-0.001"
    assert texts["亮灯"] == "黄灯" and texts["进度靠后"] == "是"
    html = response.content.decode()
    assert "91.666%" in html and "91.667%" in html


def test_every_rate_on_the_page_is_its_two_columns_divided(supervisor):
    departments = [
        _department(f"D{index}", target=target, ytd=ytd)
        for index, (target, ytd) in enumerate([("1200", "1150"), ("800", "333.33"), ("50", "60")])
    ]
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    ranking = response.context["ranking"]
    assert len(ranking.rows) == len(departments)
    for table_row in ranking.table.rows:
        cells = table_row.cells
        target, ytd_targeted, rate, progress, gap, light, lagging = (
            cells[3].value,
            cells[4].value,
            cells[5],
            cells[6].value,
            cells[7],
            cells[8].value,
            cells[9].value,
        )
        assert rate.value == Fraction(ytd_targeted) / Fraction(target)
        assert gap.value == rate.value - progress
        assert (light != "green") is lagging
        # What the page prints is the exact value rounded, never on the wrong side of the flag.
        assert Decimal(rate.text.rstrip("%")) == percent_value(rate.value, rate.places)


def test_each_ranking_row_leads_to_the_departments_members(supervisor):
    department = _department("D1", target="1200", ytd="1099.99")
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    url = (
        reverse("department_members", args=[department.pk])
        + "?period=2021-11&amp;metric=output_value"
    )
    assert f'<a href="{url}">D1局</a>' in response.content.decode()
    members = supervisor.get(url.replace("&amp;", "&"))
    assert members.status_code == 200
    assert "D1未报企业" in members.content.decode()  # who is behind, and by how much


def test_dashboard_shows_the_months_year_end_projections(supervisor):
    """The zone first, then who is projected to miss; each with the basis that checks it."""
    _department("D1", target="1200", ytd="1150")
    _department("D2", target="1200", ytd="100")
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    html = response.content.decode()
    assert 'id="projections-table"' in html
    assert "预计全年完成率（按往年季节规律）" in html
    assert "1 个部门预计完不成目标" in html
    assert '<span class="badge text-bg-warning">预计完不成</span>' in html
    table = response.context["dashboard"].projection_table
    names = [row.cells[0].text for row in table.rows]
    assert names == ["全区（全部部门）", "D2局"]
    d2 = table.rows[1]
    # No earlier figures: the flat share 11/12, so 100 ÷ 11/12 = 109.09 of 1,200.
    assert [cell.text for cell in d2.cells[2:]] == [
        "1,200.00",
        "100.00",
        "91.67%",
        "平均（无往年数据）：月数÷12",
        "109.09",
        "9.1%",
        "是",
    ]
    assert d2.emphasis


def test_the_projections_panel_costs_no_query_per_department(
    supervisor, django_assert_max_num_queries
):
    """The zone's and every department's projection: one query for their earlier years."""

    def with_history(code):
        department = _department(code, target="1200", ytd="600")
        enterprise = department.assignments.filter(year=2021).first().enterprise
        AssignmentFactory(enterprise=enterprise, department=department, year=2020)
        for month in (11, 12):
            MonthlyReportFactory(
                enterprise=enterprise, period=datetime.date(2020, month, 1), output_value=100
            )

    def count():
        with django_assert_max_num_queries(20) as queries:
            response = supervisor.get(
                reverse("dashboard"), {"period": "2021-11", "metric": "output_value"}
            )
        assert response.context["dashboard"].projections.zone.method == "seasonal"
        return len(queries)

    with_history("A00")
    small = count()
    for index in range(20):
        with_history(f"B{index:02d}")
    assert count() == small


def test_projections_of_a_month_not_all_in_are_the_closed_month_befores(supervisor):
    # October is closed; in November one member of each department has not reported: projecting
    # November's year to date would count the missing member's month as nothing.
    from hengkou.services.close import close_month

    department = DepartmentFactory(code="D1", name="D1局")
    reported, missing = (
        AssignmentFactory(department=department, year=2021, enterprise__name=name).enterprise
        for name in ("报送企业", "未报企业")
    )
    for enterprise in (reported, missing):
        TargetFactory(enterprise=enterprise, year=2021, value=Decimal("1200"))
        MonthlyReportFactory(
            enterprise=enterprise, period=datetime.date(2021, 10, 1), output_value=1000
        )
    MonthlyReportFactory(enterprise=reported, period=NOV, output_value=1100)
    close_month(
        period=datetime.date(2021, 10, 1),
        acting_user=None,
        now=datetime.datetime(2021, 11, 6, 10, tzinfo=datetime.UTC),
    )
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    dashboard = response.context["dashboard"]
    assert dashboard.projections.period == datetime.date(2021, 10, 1)
    assert dashboard.projection_from_month_before
    html = response.content.decode()
    assert "工业总产值预计全年完成情况（据2021-10累计）" in html
    assert "2021-11 的月报尚未报齐（1 个部门仍有对象未报）" in html
    # Projected from October: 2000 ÷ (10/12) = 2400 of 2400, not from November's 1100 + 0.
    assert dashboard.projections.zone.ytd == Decimal("2000.00")

    # Once every member has reported November, November's year to date is projected.
    MonthlyReportFactory(enterprise=missing, period=NOV, output_value=90)
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    dashboard = response.context["dashboard"]
    assert dashboard.projections.period == NOV
    assert "尚未报齐" not in response.content.decode()


def test_the_projections_panel_builds_only_the_departments_it_shows(supervisor, monkeypatch):
    import hengkou.selectors.dashboard as dashboard_module
    import hengkou.selectors.projections as projections_module

    built = []
    project = projections_module.project

    def counting(**kwargs):
        built.append(kwargs["department_code"])
        return project(**kwargs)

    monkeypatch.setattr(projections_module, "project", counting)
    monkeypatch.setattr(dashboard_module, "PROJECTION_PANEL_SIZE", 2)
    for index in range(6):
        _department(f"D{index}", target="1200", ytd=str(100 + index))
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11", "metric": "output_value"})
    html = response.content.decode()
    # Six projected to miss, the two lowest shown; the zone and those two built, no other.
    assert "6 个部门预计完不成目标" in html and "显示预计完成率最低的 2 个" in html
    assert sorted(built) == ["", "D0", "D1"]
