"""The department ranking of domain.md on hand-computed examples."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.indicators import LightRules, light_for
from hengkou.formats import format_percent, format_points
from hengkou.ranking import DepartmentTotals, RankingRules, rank_departments
from hengkou.selectors.ranking import list_department_rankings
from projects.services import move_project_stage
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    TargetFactory,
)

RULES = RankingRules(lagging_tolerance=Fraction(0), lagging_bottom_n=0, lights=LightRules())


def totals(code, *, target, ytd, previous=0, ytd_targeted=None, members=1, reported=1):
    return DepartmentTotals(
        department_id=int(code[1:]),
        department_code=code,
        department_name=code,
        members=members,
        reported=reported,
        target=Decimal(target),
        targeted_members=members,
        ytd=Decimal(ytd),
        ytd_targeted=Decimal(ytd if ytd_targeted is None else ytd_targeted),
        ytd_previous=Decimal(previous),
    )


class TestRules:
    def test_ties_are_broken_by_yoy_then_code(self):
        rows = rank_departments(
            [
                totals("D3", target=100, ytd=50, previous=40),  # rate .5, yoy .25
                totals("D2", target=100, ytd=50, previous=25),  # rate .5, yoy 1
                totals("D1", target=100, ytd=50, previous=40),  # rate .5, yoy .25
                totals("D4", target=100, ytd=50, previous=0),  # rate .5, yoy null
                totals("D5", target=100, ytd=60, previous=0),  # rate .6
            ],
            month=6,
            rules=RULES,
        )
        assert [(r.department_code, r.rank) for r in rows] == [
            ("D5", 1),
            ("D2", 2),
            ("D1", 3),
            ("D3", 4),
            ("D4", 5),
        ]
        assert rows[4].yoy_growth is None

    def test_departments_without_target_come_last_by_code_with_no_rank(self):
        rows = rank_departments(
            [
                totals("D9", target=0, ytd=10),
                totals("D7", target=0, ytd=99),
                totals("D8", target=100, ytd=1),
            ],
            month=12,
            rules=RULES,
        )
        assert [
            (r.department_code, r.rank, r.completion_rate, r.light, r.lagging) for r in rows
        ] == [
            ("D8", 1, Fraction(1, 100), "red", True),
            ("D7", None, None, None, False),
            ("D9", None, None, None, False),
        ]

    def test_completion_equal_to_time_progress_is_not_lagging(self):
        (row,) = rank_departments([totals("D1", target=1200, ytd=1100)], month=11, rules=RULES)
        assert row.completion_rate == row.time_progress == Fraction(11, 12)
        assert row.gap == 0
        assert row.lagging is False
        (row,) = rank_departments([totals("D1", target=1200, ytd="1099.99")], month=11, rules=RULES)
        assert row.lagging is True

    @pytest.mark.parametrize(
        ("ytd", "light"),
        [
            ("500.01", "green"),  # gap +0.00001
            ("500.00", "green"),  # gap exactly 0: on time progress
            ("499.99", "yellow"),  # gap -0.00001
            ("400.01", "yellow"),  # gap -0.09999
            ("400.00", "yellow"),  # gap exactly -0.10
            ("399.99", "red"),  # gap -0.10001
        ],
    )
    def test_lights_at_the_thresholds_are_exact(self, ytd, light):
        # Month 6: time progress 1/2; target 1000.
        (row,) = rank_departments([totals("D1", target=1000, ytd=ytd)], month=6, rules=RULES)
        assert row.light == light
        assert row.lagging is (light != "green")  # default tolerance: lagging ⇔ not green

    def test_a_rate_that_rounds_to_time_progress_prints_apart_from_it(self):
        # Month 12, target 30,000.01 and ytd 30,000: 99.99997% < 100%, gap -0.0000333 points.
        (row,) = rank_departments(
            [totals("D1", target="30000.01", ytd="30000.00")], month=12, rules=RULES
        )
        assert row.lagging is True
        assert row.light == "yellow"
        assert format_percent(row.completion_rate) == "100.0%"  # what the page used to show
        assert row.places == 5
        assert format_percent(row.completion_rate, row.places) == "99.99997%"
        assert format_percent(row.time_progress, row.places) == "100.00000%"
        assert format_points(row.gap, row.places) == "-0.00003"

    def test_rows_print_one_decimal_unless_rounding_would_contradict_them(self):
        rows = rank_departments(
            [
                totals("D1", target=1200, ytd="1000.00"),  # exactly on time progress (10/12)
                totals("D2", target=1200, ytd="999.99"),
                totals("D3", target=1200, ytd="1200.00"),
            ],
            month=10,
            rules=RULES,
        )
        on_time, behind, ahead = (
            {r.department_code: r for r in rows}[c] for c in ("D1", "D2", "D3")
        )
        assert (on_time.places, ahead.places) == (1, 1)
        assert behind.lagging and behind.places == 4  # 83.3325% against 83.3333%
        assert format_points(behind.gap, behind.places) == "-0.0008"

    def test_light_thresholds_are_configurable(self):
        rules = LightRules(green_from=Fraction("-0.05"), red_below=Fraction("-0.20"))
        assert light_for(Fraction("-0.05"), rules) == "green"
        assert light_for(Fraction("-0.06"), rules) == "yellow"
        assert light_for(Fraction("-0.20"), rules) == "yellow"
        assert light_for(Fraction("-0.21"), rules) == "red"
        assert light_for(None, rules) is None

    def test_tolerance_and_bottom_n_widen_lagging(self):
        rows = [
            totals("D1", target=100, ytd=48),
            totals("D2", target=100, ytd=60),
            totals("D3", target=100, ytd=55),
        ]
        tolerant = RankingRules(Fraction("0.05"), 0, RULES.lights)
        assert [r.lagging for r in rank_departments(rows, month=6, rules=tolerant)] == [
            False,
            False,
            False,
        ]
        bottom = RankingRules(Fraction(0), 2, RULES.lights)
        assert [
            (r.department_code, r.lagging) for r in rank_departments(rows, month=6, rules=bottom)
        ] == [
            ("D2", False),
            ("D3", True),
            ("D1", True),
        ]


def _member(department, *, year=2021, target=None, reports=(), previous=()):
    """Assign a new enterprise to ``department`` with its target and monthly output."""
    assignment = AssignmentFactory(department=department, year=year)
    enterprise = assignment.enterprise
    if target is not None:
        TargetFactory(enterprise=enterprise, year=year, value=Decimal(target))
    for month, value in reports:
        MonthlyReportFactory(
            enterprise=enterprise,
            period=datetime.date(year, month, 1),
            output_value=Decimal(value),
            employees=int(value),
        )
    for month, value in previous:
        MonthlyReportFactory(
            enterprise=enterprise,
            period=datetime.date(year - 1, month, 1),
            output_value=Decimal(value),
            employees=int(value),
        )
    return enterprise


@pytest.mark.django_db
class TestFromTheDatabase:
    def test_members_without_target_count_in_ytd_and_yoy_but_not_in_the_rate(self):
        d1 = DepartmentFactory(code="D1")
        _member(d1, target="1200", reports=[(1, 100), (2, 100), (3, 50)], previous=[(1, 100)])
        _member(d1, reports=[(1, 30), (3, 20)], previous=[(2, 50), (4, 999)])
        (row,) = list_department_rankings(
            period=datetime.date(2021, 3, 1), metric="output_value", rules=RULES
        )
        assert row.members == 2
        assert row.target == Decimal("1200.00")
        assert row.ytd == Decimal("300.00")
        assert row.ytd_targeted == Decimal("250.00")
        assert row.completion_rate == Fraction(250, 1200)
        assert row.time_progress == Fraction(1, 4)
        assert row.yoy_growth == Fraction(300, 150) - 1  # month 4 of 2020 is outside 1..3
        assert row.completeness == 1
        assert row.lagging is True
        assert row.light == "yellow"  # gap -1/24: behind, by less than ten points

    def test_missing_month_counts_as_zero_and_lowers_completeness(self):
        d1 = DepartmentFactory(code="D1")
        _member(d1, target="100", reports=[(1, 10), (2, 10)])
        _member(d1, target="100", reports=[(1, 10)])
        (row,) = list_department_rankings(
            period=datetime.date(2021, 2, 1), metric="output_value", rules=RULES
        )
        assert row.ytd == Decimal("30.00")
        assert row.completeness == Fraction(1, 2)
        assert row.yoy_growth is None

    def test_enterprise_that_changed_department_counts_for_its_new_one_on_both_sides(self):
        d1, d2 = DepartmentFactory(code="D1"), DepartmentFactory(code="D2")
        mover = _member(d1, target="120", reports=[(1, 12)], previous=[(1, 10)])
        AssignmentFactory(enterprise=mover, department=d2, year=2020)
        _member(d2, target="120", reports=[(1, 6)], previous=[(1, 6)])
        rows = {
            r.department_code: r
            for r in list_department_rankings(
                period=datetime.date(2021, 1, 1), metric="output_value", rules=RULES
            )
        }
        assert rows["D1"].members == 1
        assert rows["D1"].yoy_growth == Fraction(12, 10) - 1
        assert rows["D2"].members == 1
        assert rows["D2"].yoy_growth == 0
        assert [rows["D1"].rank, rows["D2"].rank] == [1, 2]

    def test_employees_is_a_stock_taken_at_month_m(self):
        d1 = DepartmentFactory(code="D1")
        _member(d1, reports=[(1, 100), (2, 110), (3, 120)], previous=[(3, 100), (2, 5)])
        (row,) = list_department_rankings(
            period=datetime.date(2021, 3, 1), metric="employees", rules=RULES
        )
        assert row.ytd == 120
        assert row.yoy_growth == Fraction(120, 100) - 1
        assert row.rank is None  # no employees target

    def test_ranking_lists_only_departments_with_members_that_year(self):
        DepartmentFactory(code="D0")
        d1 = DepartmentFactory(code="D1")
        _member(d1, target="10", reports=[(1, 1)])
        _member(DepartmentFactory(code="D2"), year=2020, target="10", reports=[(1, 1)])
        rows = list_department_rankings(
            period=datetime.date(2021, 1, 1), metric="output_value", rules=RULES
        )
        assert [r.department_code for r in rows] == ["D1"]

    def test_investment_and_tech_investment_rank_projects_by_their_plans(self):
        d1, d2 = DepartmentFactory(code="D1"), DepartmentFactory(code="D2")
        leader = CountyLeaderFactory()
        renovation = ProjectFactory(kind="renovation")
        new = ProjectFactory(kind="new")
        other = ProjectFactory(kind="new")
        for project in (renovation, new, other):
            move_project_stage(
                project=project, to_stage="started", moved_on=datetime.date(2020, 1, 1)
            )
        ProjectPlanFactory(
            project=renovation, year=2021, department=d1, leader=leader, planned_investment=1000
        )
        ProjectPlanFactory(
            project=new, year=2021, department=d1, leader=leader, planned_investment=500
        )
        ProjectPlanFactory(
            project=other, year=2021, department=d2, leader=leader, planned_investment=400
        )
        ProjectPlanFactory(
            project=renovation, year=2020, department=d2, leader=leader, planned_investment=9
        )
        for project, month, value, percent in [
            (renovation, 1, "300.00", 10),
            (renovation, 2, "200.00", 20),
            (new, 2, "250.00", 10),
            (other, 1, "100.00", 10),
        ]:
            ProjectReportFactory(
                project=project,
                period=datetime.date(2021, month, 1),
                investment=value,
                percent_complete=percent,
            )
        ProjectReportFactory(
            project=renovation,
            period=datetime.date(2020, 2, 1),
            investment="250.00",
            percent_complete=5,
        )
        investment = {
            r.department_code: r
            for r in list_department_rankings(
                period=datetime.date(2021, 2, 1), metric="investment", rules=RULES
            )
        }
        assert investment["D1"].members == 2
        assert investment["D1"].target == Decimal("1500.00")
        assert investment["D1"].ytd == Decimal("750.00")
        assert investment["D1"].completion_rate == Fraction(1, 2)
        assert investment["D1"].yoy_growth == Fraction(750, 250) - 1
        assert investment["D1"].completeness == 1
        assert investment["D2"].completion_rate == Fraction(1, 4)
        assert investment["D2"].completeness == 0
        tech = list_department_rankings(
            period=datetime.date(2021, 2, 1), metric="tech_investment", rules=RULES
        )
        assert [(r.department_code, r.members, r.ytd) for r in tech] == [
            ("D1", 1, Decimal("500.00"))
        ]

    @pytest.mark.parametrize(
        "metric", ["output_value", "employees", "investment", "tech_investment"]
    )
    def test_query_count_does_not_grow_with_the_data(self, metric):
        def grow(n):
            leader = CountyLeaderFactory()
            for _ in range(n):
                department = DepartmentFactory()
                _member(department, target="100", reports=[(1, 5), (2, 5)], previous=[(1, 4)])
                project = ProjectFactory(kind="renovation")
                ProjectPlanFactory(project=project, department=department, leader=leader)
                ProjectReportFactory(project=project, period=datetime.date(2021, 1, 1))

        def measure():
            with CaptureQueriesContext(connection) as queries:
                rows = list_department_rankings(
                    period=datetime.date(2021, 2, 1), metric=metric, rules=RULES
                )
            return len(queries), len(rows)

        grow(2)
        small, small_rows = measure()
        grow(20)
        large, large_rows = measure()
        assert (small_rows, large_rows) == (2, 22)
        assert small == large <= 3


def test_a_gap_never_prints_as_a_lights_threshold_it_is_not_on():
    # Month 12, rate 89.995%: gap −10.005 points is red, yet one decimal prints −10.0 (yellow).
    (row,) = rank_departments(
        [totals("D1", target="100000.00", ytd="89995.00")], month=12, rules=RULES
    )
    assert row.light == "red"
    assert format_points(row.gap) == "-10.0"  # what one decimal would say
    # Two decimals would print the rate as 90.00%, on the boundary itself: three then.
    assert format_points(row.gap, row.places) == "-10.005"
    assert format_percent(row.completion_rate, row.places) == "89.995%"
