"""The drill-down from a department's ranking row to its members (issue 15, item 3)."""

import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprises.models import MonthlyReport, Target
from enterprises.services.figures import refresh_monthly_ytd
from hengkou.models import RankingMemberSnapshot, SupervisionNotice, rate_to_decimal
from hengkou.ranking import METRICS
from hengkou.selectors.drilldown import MemberLine, get_department_members, sort_lines
from hengkou.selectors.members import (
    LATE,
    MISSING,
    REPORTED,
    MemberFigures,
    list_live_figures,
    list_snapshot_figures,
)
from hengkou.selectors.ranking import get_period_ranking
from hengkou.services.close import close_month, reopen_month
from projects.models import ProjectReport
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    TargetFactory,
)
from tests.roles import user_with_role

NOV = datetime.date(2021, 11, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# November's figures are due on 2021-12-05 (end of that day in Shanghai).
ON_TIME = datetime.datetime(2021, 12, 5, 23, 30, tzinfo=SHANGHAI)
LATE_AT = datetime.datetime(2021, 12, 6, 0, 30, tzinfo=SHANGHAI)
CLOSE_AT = datetime.datetime(2021, 12, 10, 2, 0, tzinfo=datetime.UTC)


def member(department, *, name, targets=None, reports=None, submitted_at=ON_TIME):
    """An enterprise sponsored by ``department`` in 2021, with targets and monthly reports.

    ``reports`` maps a month to its output value (other metrics follow from it); November's
    report is first submitted at ``submitted_at``.
    """
    enterprise = EnterpriseFactory(name=name)
    AssignmentFactory(enterprise=enterprise, department=department, year=2021)
    for metric, value in (targets or {}).items():
        TargetFactory(enterprise=enterprise, year=2021, metric=metric, value=Decimal(value))
    for period, value in (reports or {}).items():
        value = Decimal(value)
        MonthlyReportFactory(
            enterprise=enterprise,
            period=period,
            output_value=value,
            value_added=value / 4,
            revenue=value * 2,
            profit=value / 10,
            tax=value / 20,
            employees=int(value),
            wages=value / 5,
            electricity=value / 3,
            submitted_at=submitted_at if period == NOV else timezone.now(),
        )
    return enterprise


def project(department, *, name, kind="new", planned="1000", reports=None, year=2021):
    item = ProjectFactory(name=name, kind=kind)
    ProjectPlanFactory(
        project=item, year=year, department=department, planned_investment=Decimal(planned)
    )
    for period, value in (reports or {}).items():
        ProjectReportFactory(
            project=item,
            period=period,
            investment=Decimal(value),
            submitted_at=LATE_AT if period == NOV else ON_TIME,
        )
    return item


@pytest.fixture
def zone(db):
    """Two departments; D1 has members ahead, behind, without a target, late and missing."""
    d1 = DepartmentFactory(code="D1", name="一局")
    d2 = DepartmentFactory(code="D2", name="二局")
    oct_ = datetime.date(2021, 10, 1)
    last_nov = datetime.date(2020, 11, 1)
    everything = dict.fromkeys(METRICS[:8], "1200")
    enterprises = {
        "ahead": member(
            d1,
            name="甲企业",
            targets=everything,
            reports={oct_: "600", NOV: "600", last_nov: "900"},
        ),
        "behind": member(
            d1,
            name="乙企业",
            targets={"output_value": "1200", "employees": "300"},
            reports={oct_: "100", NOV: "200.33"},
            submitted_at=LATE_AT,
        ),
        "untargeted": member(d1, name="丙企业", reports={NOV: "50", last_nov: "40"}),
        "silent": member(d1, name="丁企业", targets={"output_value": "600"}, reports={oct_: "10"}),
        "other": member(d2, name="戊企业", targets=everything, reports={NOV: "999"}),
    }
    projects = {
        "new": project(d1, name="新建项目", planned="800", reports={oct_: "100", NOV: "50"}),
        "renovation": project(
            d1, name="技改项目", kind="renovation", planned="500", reports={NOV: "10"}
        ),
        "quiet": project(d1, name="无报表项目", kind="renovation", planned="300"),
        "other": project(d2, name="他局项目", planned="100", reports={NOV: "1"}),
    }
    # Last year the renovation project was another department's: this year's members decide.
    ProjectPlanFactory(project=projects["renovation"], year=2020, department=d2)
    ProjectReportFactory(project=projects["renovation"], period=datetime.date(2020, 6, 1))
    return {"d1": d1, "d2": d2, "enterprises": enterprises, "projects": projects}


def assert_sums_equal_the_row(period, metric, department):
    members = get_department_members(period=period, metric=metric, department_id=department.pk)
    row = next(
        (
            row
            for row in get_period_ranking(period=period, metric=metric).rows
            if row.department_id == department.pk
        ),
        None,
    )
    assert members.row == row
    if row is None:  # no member for the metric (D2 has no renovation project)
        assert members.lines == () and members.ytd == 0
        return members
    assert (members.target, members.ytd, members.ytd_targeted, members.ytd_previous) == (
        row.target,
        row.ytd,
        row.ytd_targeted,
        row.ytd_previous,
    ), metric
    assert members.members == row.members
    # A closed month's row keeps its rate to nine places.
    rate = rate_to_decimal if members.closed else (lambda value: value)
    assert rate(members.completion_rate) == rate(row.completion_rate)
    assert rate(members.yoy_growth) == rate(row.yoy_growth)
    assert members.reported_on_time + members.reported_late == row.reported
    return members


class TestSums:
    def test_every_metric_of_an_open_month(self, zone):
        for metric in METRICS:
            for department in (zone["d1"], zone["d2"]):
                members = assert_sums_equal_the_row(NOV, metric, department)
                assert members.closed is False and members.as_of_close is False

    def test_every_metric_of_a_closed_month(self, zone):
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        for metric in METRICS:
            for department in (zone["d1"], zone["d2"]):
                members = assert_sums_equal_the_row(NOV, metric, department)
                assert members.closed is True and members.as_of_close is True

    def test_a_stock_metric_takes_month_m_and_a_project_only_its_departments_year(self, zone):
        employees = get_department_members(
            period=NOV, metric="employees", department_id=zone["d1"].pk
        )
        by_name = {line.name: line for line in employees.lines}
        assert by_name["甲企业"].ytd == Decimal("600.00")  # November's count, not a sum
        assert by_name["甲企业"].ytd_previous == Decimal("900.00")
        tech = get_department_members(
            period=NOV, metric="tech_investment", department_id=zone["d1"].pk
        )
        assert [line.name for line in tech.lines] == ["技改项目", "无报表项目"]
        # The renovation project's 2020 report was under D2's plan; it is D1's member now and
        # the comparison is 同口径: the same projects a year earlier, whoever sponsored them.
        assert tech.ytd_previous == Decimal("80.00")
        assert {line.kind for line in tech.lines} == {"project"}


class TestLines:
    def test_rates_shortfall_and_sorting(self, zone):
        members = get_department_members(
            period=NOV, metric="output_value", department_id=zone["d1"].pk
        )
        assert [line.name for line in members.lines] == ["乙企业", "丁企业", "甲企业", "丙企业"]
        behind, silent, ahead, untargeted = members.lines
        # 600 × 11 / 12 − 10 = 540
        assert silent.shortfall == Fraction(540)
        assert behind.target == Decimal("1200.00")
        assert behind.ytd == Decimal("300.33")
        assert behind.completion_rate == Fraction("300.33") / 1200
        assert behind.shortfall == Fraction(1100) - Fraction("300.33")
        assert ahead.shortfall == Fraction(1100 - 1200)  # negative: ahead of time progress
        assert ahead.yoy_growth == Fraction(1200, 900) - 1
        assert untargeted.target is None
        assert untargeted.completion_rate is None and untargeted.shortfall is None
        assert untargeted.yoy_growth == Fraction(50, 40) - 1
        assert members.untargeted_members == 1 and members.ytd_untargeted == Decimal("50.00")
        assert members.shortfall == sum(line.shortfall for line in members.lines[:3])

    def test_report_status(self, zone):
        members = get_department_members(
            period=NOV, metric="output_value", department_id=zone["d1"].pk
        )
        status = {line.name: line.report_status for line in members.lines}
        assert status == {"甲企业": REPORTED, "乙企业": LATE, "丙企业": REPORTED, "丁企业": MISSING}
        projects = get_department_members(
            period=NOV, metric="investment", department_id=zone["d1"].pk
        )
        status = {line.name: line.report_status for line in projects.lines}
        assert status == {"新建项目": LATE, "技改项目": LATE, "无报表项目": MISSING}

    def test_unknown_department_and_metric(self, zone):
        with pytest.raises(Exception) as error:
            get_department_members(period=NOV, metric="output_value", department_id=999_999)
        assert error.type.__name__ == "DoesNotExist"
        with pytest.raises(ValueError):
            get_department_members(period=NOV, metric="nonsense", department_id=zone["d1"].pk)


def _member_key(figures: MemberFigures):
    return (figures.kind, figures.member_id)


class TestClosedMonth:
    def test_reads_as_of_the_close_until_closed_again(self, zone):
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        d1 = zone["d1"].pk
        before = get_department_members(period=NOV, metric="output_value", department_id=d1)

        # After the close: a target changes, a report is corrected, a member joins.
        Target.objects.filter(enterprise=zone["enterprises"]["behind"]).update(value=5)
        MonthlyReport.objects.filter(enterprise=zone["enterprises"]["ahead"], period=NOV).update(
            output_value=Decimal("9999")
        )
        refresh_monthly_ytd(enterprise_ids=[zone["enterprises"]["ahead"].pk], years=[2021])
        member(zone["d1"], name="己企业", targets={"output_value": "10"}, reports={NOV: "1"})
        assert (
            get_department_members(period=NOV, metric="output_value", department_id=d1).lines
            == before.lines
        )

        reopen_month(period=NOV, acting_user=None, reason="更正", now=CLOSE_AT)
        # Reopened: live again, while the snapshot waits for the next close.
        live = get_department_members(period=NOV, metric="output_value", department_id=d1)
        assert live.as_of_close is False and len(live.lines) == 5
        close_month(
            period=NOV,
            acting_user=None,
            confirm_unexplained=True,
            now=CLOSE_AT + datetime.timedelta(days=1),
        )
        after = assert_sums_equal_the_row(NOV, "output_value", zone["d1"])
        assert after.as_of_close is True
        assert len(after.lines) == 5
        assert {line.name: line.ytd for line in after.lines}["甲企业"] == Decimal("10599.00")
        assert {line.name: line.target for line in after.lines}["乙企业"] == Decimal("5.00")

    def test_the_snapshot_the_database_copies_equals_the_live_figures(self, zone):
        # The close copies the enterprise members with one INSERT … SELECT per metric; every
        # line (target or none, late, missing, last year's) equals member_figures' in Python.
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        compared = 0
        for department in (zone["d1"], zone["d2"]):
            for metric in METRICS:
                frozen = list_snapshot_figures(
                    period=NOV, metric=metric, department_id=department.pk
                )
                live = list_live_figures(period=NOV, metric=metric, department_id=department.pk)
                assert sorted(frozen, key=_member_key) == sorted(live, key=_member_key)
                compared += len(live)
        assert compared == RankingMemberSnapshot.objects.count() == 5 * 8 + 4 + 2
        statuses = set(RankingMemberSnapshot.objects.values_list("report_status", flat=True))
        assert statuses == {REPORTED, LATE, MISSING}
        assert RankingMemberSnapshot.objects.filter(target__isnull=True).exists()

    def test_a_reclose_replaces_the_rows(self, zone):
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        count = RankingMemberSnapshot.objects.count()
        # 5 enterprises × 8 metrics + 4 projects (investment) + 2 renovation (tech).
        assert count == 5 * 8 + 4 + 2
        reopen_month(period=NOV, acting_user=None, reason="更正", now=CLOSE_AT)
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        assert RankingMemberSnapshot.objects.count() == count

    def test_a_month_closed_before_the_drilldown_is_computed_live(self, zone):
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        RankingMemberSnapshot.objects.all().delete()
        members = get_department_members(
            period=NOV, metric="output_value", department_id=zone["d1"].pk
        )
        assert members.closed is True and members.as_of_close is False
        assert len(members.lines) == 4


# --- the page -----------------------------------------------------------------------------------


@pytest.fixture
def supervisor(db):
    return user_with_role("supervision_office")


def page_url(department, **query):
    query = {"period": "2021-11", "metric": "output_value", **query}
    return f"{reverse('department_members', args=[department.pk])}?" + "&".join(
        f"{key}={value}" for key, value in query.items()
    )


class TestPage:
    def test_shows_the_row_the_members_and_the_totals(self, client, supervisor, zone):
        client.force_login(supervisor)
        response = client.get(page_url(zone["d1"]))
        assert response.status_code == 200
        html = response.content.decode()
        members = response.context["members"]
        assert [line.name for line in members.lines] == ["乙企业", "丁企业", "甲企业", "丙企业"]
        for enterprise in zone["enterprises"].values():
            if enterprise.name == "戊企业":
                assert enterprise.name not in html  # another department's member
                continue
            assert reverse("enterprises:enterprise_detail", args=[enterprise.pk]) in html
        assert f"{reverse('dashboard')}?period=2021-11&amp;metric=output_value" in html
        assert "3,000.00" in html  # the targets of the three members with one (1200+1200+600)
        assert "逾期报送" in html and "未报送" in html and "按时报送" in html
        assert "欠进度" in html  # the shortfall's column says what it is

    def test_projects_link_to_their_page(self, client, supervisor, zone):
        client.force_login(supervisor)
        response = client.get(page_url(zone["d1"], metric="investment"))
        html = response.content.decode()
        assert reverse("projects:detail", args=[zone["projects"]["new"].pk]) in html
        assert "他局项目" not in html

    def test_defaults_bad_input_future_month_and_unknown_department(self, client, supervisor, zone):
        client.force_login(supervisor)
        url = reverse("department_members", args=[zone["d1"].pk])
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["members"].metric == "output_value"
        assert response.context["members"].period == NOV  # the latest reported month
        for query in ("period=2021-13", "period=nonsense", "metric=nonsense", "period=2099-01"):
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, query
            assert response.context["error"]
        assert "尚未开始" in client.get(f"{url}?period=2099-01").content.decode()
        missing = reverse("department_members", args=[999_999])
        assert client.get(f"{missing}?period=2021-11").status_code == 404
        assert client.get(f"{missing}?period=2099-01").status_code == 404

    def test_downloads_the_table_as_xlsx(self, client, supervisor, zone):
        from io import BytesIO

        from openpyxl import load_workbook

        client.force_login(supervisor)
        response = client.get(page_url(zone["d1"], format="xlsx"))
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(BytesIO(response.content)).active
        rows = list(sheet.values)
        assert [row[0] for row in rows[1:]] == ["乙企业", "丁企业", "甲企业", "丙企业"]
        assert rows[1][5] == pytest.approx(799.67)  # 1200 × 11/12 − 300.33

    def test_a_role_without_the_rankings_is_refused(self, client, zone):
        department_user = user_with_role("department_user")
        client.force_login(department_user)
        assert client.get(page_url(zone["d1"])).status_code == 403

    def test_a_county_leader_sees_by_name_and_links_only_their_own(self, client, zone):
        leader = user_with_role("county_leader", official=CountyLeaderFactory())
        ahead = zone["enterprises"]["ahead"]
        ahead.assignments.update(leader=leader.official)
        client.force_login(leader)
        response = client.get(page_url(zone["d1"]))
        assert response.status_code == 200
        openable = {line.name for line in response.context["members"].lines if line.can_open}
        assert openable == {"甲企业"}
        html = response.content.decode()
        assert "乙企业" not in html  # outside the leader's scope: summed as "其他 … 个有目标对象"
        assert "其他" in html
        assert reverse("enterprises:enterprise_detail", args=[ahead.pk]) in html
        behind = zone["enterprises"]["behind"]
        assert reverse("enterprises:enterprise_detail", args=[behind.pk]) not in html


def grow(department, size):
    for index in range(size):
        member(
            department,
            name=f"扩充企业{index}",
            targets={"output_value": "100"},
            reports={NOV: "7"},
            submitted_at=LATE_AT if index % 2 else ON_TIME,
        )


@pytest.mark.parametrize("metric", ["output_value", "investment"])
def test_the_page_runs_the_same_queries_at_two_sizes(client, supervisor, zone, metric):
    client.force_login(supervisor)
    counts = []
    for size in (3, 30):
        grow(zone["d1"], size)
        for index in range(size):
            project(zone["d1"], name=f"扩充项目{size}-{index}", reports={NOV: "3"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(zone["d1"], metric=metric))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the 督办 notice ------------------------------------------------------------------------------


def test_the_notice_shows_its_members_as_of_the_close(client, zone):
    close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
    notice = SupervisionNotice.objects.get(department=zone["d1"], metric="output_value")
    # After the close the target of a member changes: the notice's table does not.
    Target.objects.filter(enterprise=zone["enterprises"]["behind"]).update(value=5)
    head = OfficialFactory(department=zone["d1"])
    for user in (
        user_with_role("supervision_office"),
        user_with_role("department_user", official=head),
    ):
        client.force_login(user)
        response = client.get(reverse("notice_detail", args=[notice.pk]))
        assert response.status_code == 200
        members = response.context["members"]
        assert [line.name for line in members.lines] == ["乙企业", "丁企业", "甲企业", "丙企业"]
        assert members.lines[0].target == Decimal("1200.00")
        html = response.content.decode()
        for name in ("behind", "silent", "ahead", "untargeted"):
            url = reverse("enterprises:enterprise_detail", args=[zone["enterprises"][name].pk])
            assert url in html
        ranking = f"{reverse('dashboard')}?period=2021-11&amp;metric=output_value"
        # The department user cannot open the ranking: no link that would answer 403.
        assert (ranking in html) is user.has_perm("hengkou.view_rankingsnapshot")


# --- the API ------------------------------------------------------------------------------------


def api_url(department, **query):
    query = {"period": "2021-11", "metric": "output_value", **query}
    path = f"/api/v1/rankings/{department if isinstance(department, int) else department.pk}"
    return f"{path}/members/?" + "&".join(f"{key}={value}" for key, value in query.items())


class TestApi:
    def test_members_and_totals_equal_the_rankings_row(self, client, supervisor, zone):
        client.force_login(supervisor)
        body = client.get(api_url(zone["d1"])).json()
        assert {key: body[key] for key in ("period", "metric", "department", "closed")} == {
            "period": "2021-11",
            "metric": "output_value",
            "department": zone["d1"].pk,
            "closed": False,
        }
        assert body["time_progress"] == pytest.approx(11 / 12)
        assert body["results"][0] == {
            "enterprise": zone["enterprises"]["behind"].pk,
            "name": "乙企业",
            "target": "1200.00",
            "ytd": "300.33",
            "completion_rate": pytest.approx(0.250275),
            "shortfall": "799.67",
            "yoy_growth": None,
            "report_status": "late",
        }
        assert body["results"][-1]["target"] is None and body["results"][-1]["shortfall"] is None
        ranking = client.get("/api/v1/rankings/?period=2021-11&metric=output_value").json()
        row = next(r for r in ranking["results"] if r["department"] == zone["d1"].pk)
        for key in ("target", "ytd", "ytd_targeted"):
            assert body[key] == row[key], key
        assert sum(Decimal(line["ytd"]) for line in body["results"]) == Decimal(row["ytd"])
        targets = [Decimal(line["target"]) for line in body["results"] if line["target"]]
        assert sum(targets) == Decimal(row["target"])
        assert body["completion_rate"] == pytest.approx(row["completion_rate"])
        assert (body["untargeted_members"], body["ytd_untargeted"]) == (1, "50.00")

    def test_projects_and_a_closed_month(self, client, supervisor, zone):
        close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        ProjectReport.objects.filter(project=zone["projects"]["new"], period=NOV).update(
            investment=Decimal("999")
        )
        client.force_login(supervisor)
        body = client.get(api_url(zone["d1"], metric="investment")).json()
        assert body["closed"] is True
        assert [line["project"] for line in body["results"]] == [
            zone["projects"][name].pk for name in ("new", "renovation", "quiet")
        ]
        assert body["results"][0]["ytd"] == "150.00"  # as of the close, not 1,099

    def test_bad_query_unknown_department_and_permission(self, client, supervisor, zone):
        client.force_login(supervisor)
        for query in ({"period": "2021-13"}, {"period": "nonsense"}, {"metric": "nonsense"}):
            response = client.get(api_url(zone["d1"], **query))
            assert response.status_code == 400, query
            assert set(response.json()) == set(query)  # the usual shape: each bad field named
        assert client.get(api_url(999_999)).status_code == 404
        client.force_login(user_with_role("department_user"))
        assert client.get(api_url(zone["d1"])).status_code == 403

    def test_the_endpoint_is_in_the_schema(self, client, supervisor):
        client.force_login(supervisor)
        schema = client.get("/api/v1/schema/?format=json").json()
        operation = schema["paths"]["/api/v1/rankings/{department}/members/"]["get"]
        assert {"200", "400", "403", "404"} <= set(operation["responses"])


@pytest.mark.parametrize("metric", ["output_value", "tech_investment"])
def test_the_api_runs_the_same_queries_at_two_sizes(client, supervisor, zone, metric):
    client.force_login(supervisor)
    counts = []
    for size in (3, 30):
        grow(zone["d1"], size)
        for index in range(size):
            project(
                zone["d1"], name=f"扩充项目{size}-{index}", kind="renovation", reports={NOV: "3"}
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(api_url(zone["d1"], metric=metric))
        assert response.status_code == 200
        assert len(response.json()["results"]) > size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- a property: whatever the members, the sums are the department's row ------------------------

AMOUNTS = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
MEMBERS = st.lists(
    st.tuples(
        st.none() | AMOUNTS,  # target
        AMOUNTS,  # November's figure
        st.none() | AMOUNTS,  # November a year earlier
        st.sampled_from([ON_TIME, LATE_AT, None]),  # November's report, first submitted
        st.booleans(),  # a renovation project
    ),
    max_size=4,
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=6,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(lines=MEMBERS, closed=st.booleans())
def test_the_sums_are_the_row_whatever_the_members(lines, closed):
    with transaction.atomic():
        department = DepartmentFactory(code="P1")
        member(DepartmentFactory(code="P2"), name="他局企业", targets={"output_value": "9"})
        for index, (target, november, last_year, submitted_at, renovation) in enumerate(lines):
            reports = {datetime.date(2021, 3, 1): november / 2}
            if submitted_at is not None:
                reports[NOV] = november
            if last_year is not None:
                reports[datetime.date(2020, 11, 1)] = last_year
            targets = {} if target is None else {"output_value": target, "employees": target}
            member(
                department,
                name=f"企业{index}",
                targets=targets,
                reports=reports,
                submitted_at=submitted_at or ON_TIME,
            )
            project(
                department,
                name=f"项目{index}",
                kind="renovation" if renovation else "new",
                planned=target or 0,
                reports={NOV: november} if submitted_at is not None else {},
            )
        if closed:
            close_month(period=NOV, acting_user=None, confirm_unexplained=True, now=CLOSE_AT)
        for metric in ("output_value", "employees", "investment", "tech_investment"):
            members = assert_sums_equal_the_row(NOV, metric, department)
            shortfalls = [line.shortfall for line in members.lines if line.shortfall is not None]
            assert shortfalls == sorted(shortfalls, reverse=True)
            assert all(line.target is None for line in members.lines[len(shortfalls) :])
        transaction.set_rollback(True)


def test_the_worked_example_of_the_api_docs(client, supervisor):
    """docs/api.md's drill-down example, as the API answers it (ids aside)."""
    department = DepartmentFactory(code="D01", name="工业园区管委会")
    enterprise = member(
        department,
        name="安康毛绒玩具有限公司",
        targets={"output_value": "1200"},
        reports={NOV: "1000"},
        submitted_at=timezone.now(),  # sent years after the deadline
    )
    client.force_login(supervisor)
    body = client.get(api_url(department)).json()
    assert body == {
        "period": "2021-11",
        "metric": "output_value",
        "department": department.pk,
        "department_name": "工业园区管委会",
        "closed": False,
        "time_progress": 0.9166666666666666,
        "members": 1,
        "target": "1200.00",
        "ytd": "1000.00",
        "ytd_targeted": "1000.00",
        "ytd_previous": "0.00",
        "untargeted_members": 0,
        "ytd_untargeted": "0.00",
        "completion_rate": 0.8333333333333334,
        "shortfall": "100.00",
        "yoy_growth": None,
        "results": [
            {
                "enterprise": enterprise.pk,
                "name": "安康毛绒玩具有限公司",
                "target": "1200.00",
                "ytd": "1000.00",
                "completion_rate": 0.8333333333333334,
                "shortfall": "100.00",
                "yoy_growth": None,
                "report_status": "late",
            }
        ],
    }


def test_sorting_largest_shortfall_first_untargeted_last_then_name():
    def line(name, target, ytd):
        figures = MemberFigures(
            kind="enterprise",
            member_id=len(name),
            name=name,
            target=None if target is None else Decimal(target),
            ytd=Decimal(ytd),
            ytd_previous=Decimal(0),
            report_status=REPORTED,
        )
        return MemberLine.build(figures, month=6)

    lines = [
        line("乙", None, "5"),
        line("甲", None, "1"),
        line("丙", "120", "0"),  # shortfall 60
        line("丁", "120", "90"),  # −30: ahead
        line("戊", "240", "60"),  # 60, ties with 丙: by name
        line("己", "100", "10"),  # 40
    ]
    assert [item.name for item in sort_lines(lines)] == ["丙", "戊", "己", "丁", "乙", "甲"]


@pytest.mark.django_db
def test_a_county_leader_sees_by_name_only_the_members_in_its_scope():
    """Outside the scope the members are summed, anonymous; the totals still equal the row."""
    from enterprises.models import Assignment
    from hengkou.selectors.drilldown import get_department_members
    from tests.factories import (
        AssignmentFactory,
        DepartmentFactory,
        MonthlyReportFactory,
        TargetFactory,
    )
    from tests.roles import user_with_role

    department = DepartmentFactory(code="D1")
    assignments = [AssignmentFactory(department=department, year=2021) for _ in range(4)]
    for index, assignment in enumerate(assignments):
        if index < 3:
            TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
        MonthlyReportFactory(
            enterprise=assignment.enterprise,
            period=datetime.date(2021, 11, 1),
            output_value=Decimal(100 * (index + 1)),
        )
    leader_user = user_with_role("county_leader", official=assignments[0].leader)
    Assignment.objects.filter(pk__in=[a.pk for a in assignments[1:]]).update(
        leader=AssignmentFactory(year=2020).leader
    )
    everything = get_department_members(
        period=datetime.date(2021, 11, 1), metric="output_value", department_id=department.pk
    )
    seen = get_department_members(
        period=datetime.date(2021, 11, 1),
        metric="output_value",
        department_id=department.pk,
        user=leader_user,
    )
    names = {line.name for line in seen.lines}
    assert assignments[0].enterprise.name in names
    assert not names & {a.enterprise.name for a in assignments[1:]}
    assert (seen.members, seen.targeted_members) == (
        everything.members,
        everything.targeted_members,
    )
    assert (seen.target, seen.ytd, seen.ytd_previous) == (
        everything.target,
        everything.ytd,
        everything.ytd_previous,
    )
    assert seen.count("reported") + seen.count("late") == everything.count(
        "reported"
    ) + everything.count("late")
    assert {line.name for line in seen.lines if not line.can_open} == {
        "其他 2 个有目标对象",
        "其他 1 个无目标对象",
    }


@pytest.mark.django_db
def test_the_api_hides_members_outside_a_county_leaders_scope(zone):
    from rest_framework.test import APIClient

    leader = user_with_role("county_leader", official=CountyLeaderFactory())
    zone["enterprises"]["ahead"].assignments.update(leader=leader.official)
    client = APIClient()
    client.force_authenticate(leader)
    body = client.get(
        f"/api/v1/rankings/{zone['d1'].pk}/members/",
        {"period": "2021-11", "metric": "output_value"},
    ).json()
    named = {row["name"] for row in body["results"] if row["enterprise"]}
    assert named == {"甲企业"}
    assert any(row["enterprise"] is None for row in body["results"])
    everyone = APIClient()
    everyone.force_authenticate(user_with_role("economic_bureau"))
    full = everyone.get(
        f"/api/v1/rankings/{zone['d1'].pk}/members/",
        {"period": "2021-11", "metric": "output_value"},
    ).json()
    assert (body["members"], body["target"], body["ytd"]) == (
        full["members"],
        full["target"],
        full["ytd"],
    )
