"""The pipeline board: stages, investment year to date, lights, filters."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from core.indicators import LightRules, light_for
from projects.selectors.board import get_project_board
from projects.services import move_project_stage
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    ProjectPlanFactory,
)

pytestmark = pytest.mark.django_db


def test_investment_ytd_and_lights_on_a_hand_computed_example(example):
    board = get_project_board(year=2021, period=datetime.date(2021, 6, 1))
    lines = {line.name: line for line in board.lines}

    # A: (300 + 0 + 250) / 1200 = 11/24; gap = 11/24 − 1/2 = −1/24: behind, above −0.10 → yellow.
    assert lines["A"].ytd == Decimal("550.00")
    assert lines["A"].completion_rate == Fraction(11, 24)
    assert lines["A"].gap == Fraction(-1, 24)
    assert lines["A"].light == "yellow"
    # B: 400 / 1000 − 1/2 = −0.10 exactly: yellow (floats would say −0.0999… and green).
    assert lines["B"].gap == Fraction(-1, 10)
    assert lines["B"].light == "yellow"
    # C: 199.99 / 1000 − 1/2 = −0.30001 → red; D: 200 / 1000 − 1/2 = −0.30 → red (< −0.10).
    assert lines["C"].gap == Fraction(-30001, 100000)
    assert lines["C"].light == "red"
    assert lines["D"].gap == Fraction(-3, 10)
    assert lines["D"].light == "red"
    # E plans no investment: no rate, no light.
    assert (lines["E"].completion_rate, lines["E"].light) == (None, None)
    assert lines["A"].percent_complete == 3  # the latest report up to month 6
    assert board.time_progress == Fraction(1, 2)
    assert board.ytd == Decimal("1349.99")
    assert board.lights == {"green": 0, "yellow": 2, "red": 2}


def test_the_board_measures_at_the_latest_reported_month_by_default(example):
    board = get_project_board(year=2021)
    lines = {line.name: line for line in board.lines}
    assert board.month == 7
    # A at month 7: 1050 / 1200 − 7/12 = 7/24 → green.
    assert lines["A"].ytd == Decimal("1050.00")
    assert lines["A"].gap == Fraction(7, 24)
    assert lines["A"].percent_complete == 7


def test_a_year_without_reports_has_no_month_and_no_light():
    ProjectPlanFactory(year=2022, planned_investment=Decimal("100.00"))
    board = get_project_board(year=2022)
    assert board.month is None
    assert [line.light for line in board.lines] == [None]


def test_thresholds_come_from_the_settings(settings):
    settings.HENGKOU_RANKING = {"light_green_from": "-0.05", "light_red_below": "-0.20"}
    rules = LightRules.from_settings()
    assert light_for(Fraction(-6, 100), rules) == "yellow"
    assert light_for(Fraction(-21, 100), rules) == "red"
    assert light_for(Fraction(-20, 100), rules) == "yellow"
    assert light_for(Fraction(-5, 100), rules) == "green"


def test_board_groups_the_years_projects_by_their_stage_at_the_years_end():
    reserve = ProjectPlanFactory(project__name="储备项目").project
    started = ProjectPlanFactory(project__name="在建项目").project
    move_project_stage(project=started, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    finished = ProjectPlanFactory(project__name="投产项目").project
    move_project_stage(project=finished, to_stage="started", moved_on=datetime.date(2020, 3, 1))
    move_project_stage(project=finished, to_stage="completed", moved_on=datetime.date(2021, 5, 1))
    move_project_stage(project=finished, to_stage="operating", moved_on=datetime.date(2022, 2, 1))
    ProjectPlanFactory(project__name="别的年份", year=2020)

    board = get_project_board(year=2021)
    by_stage = {column.stage: [line.name for line in column.projects] for column in board.columns}
    assert by_stage == {
        "reserve": [reserve.name],
        "started": [started.name],
        "completed": [finished.name],  # it went into operation only in 2022
        "operating": [],
    }
    assert board.count == 3
    assert {c.stage: c.count for c in board.columns}["completed"] == 1
    line = next(line for line in board.lines if line.name == finished.name)
    assert line.stage_since == datetime.date(2021, 5, 1)


def test_board_counts_and_sums_investment_by_stage():
    ProjectPlanFactory(
        project__stage="started",
        project__total_investment=Decimal("5000.00"),
        planned_investment=Decimal("1000.00"),
    )
    ProjectPlanFactory(
        project__stage="started",
        project__total_investment=Decimal("3000.50"),
        planned_investment=Decimal("800.25"),
    )
    board = get_project_board(year=2021)
    started = next(column for column in board.columns if column.stage == "started")
    assert (started.count, started.total_investment, started.planned_investment) == (
        2,
        Decimal("8000.50"),
        Decimal("1800.25"),
    )
    assert board.planned_investment == Decimal("1800.25")


def test_board_filters_by_department_kind_and_chain():
    department = DepartmentFactory()
    toys = EnterpriseFactory(chain="毛绒玩具")
    ProjectPlanFactory(project__name="部门的", department=department)
    ProjectPlanFactory(project__name="技改", project__kind="renovation")
    ProjectPlanFactory(project__name="玩具", project__enterprise=toys)

    def names(**filters):
        return [line.name for line in get_project_board(year=2021, **filters).lines]

    assert names(department=department.pk) == ["部门的"]
    assert names(kind="renovation") == ["技改"]
    assert names(chain="毛绒玩具") == ["玩具"]
    assert len(names()) == 3
