"""The grade proposed at the year-end evaluation (年终评比) of projects."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from projects.selectors.grades import list_evaluation_lines, propose_grade
from projects.services import move_project_stage
from tests.factories import ProjectPlanFactory
from tests.projects.helpers import _project_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("completion", "finished", "planned_end", "grade"),
    [
        (Fraction(1), False, None, "excellent"),
        (Fraction(13, 10), False, datetime.date(2022, 6, 30), "excellent"),
        (Fraction(1), False, datetime.date(2021, 6, 30), "good"),  # due this year, not done
        (Fraction(1), True, datetime.date(2021, 6, 30), "excellent"),
        (Fraction(99999, 100000), True, None, "good"),
        (Fraction(8, 10), False, None, "good"),
        (Fraction(79999, 100000), False, None, "pass"),
        (Fraction(6, 10), False, None, "pass"),
        (Fraction(59999, 100000), False, None, "fail"),
        (Fraction(0), True, None, "fail"),
        (None, True, None, ""),
    ],
)
def test_the_proposed_grade_follows_the_rule(completion, finished, planned_end, grade):
    assert (
        propose_grade(completion=completion, finished=finished, planned_end=planned_end, year=2021)
        == grade
    )


def test_grades_are_proposed_from_the_years_investment_and_progress():
    on_plan = _project_with(Decimal("1000.00"))
    short = _project_with(Decimal("799.98"))
    overdue = _project_with(Decimal("1200.00"), planned_end=datetime.date(2021, 9, 30))
    finished = _project_with(
        Decimal("1000.00"), planned_end=datetime.date(2021, 9, 30), percent=100
    )
    nothing_planned = ProjectPlanFactory(planned_investment=Decimal("0.00")).project

    lines = {line.project.id: line for line in list_evaluation_lines(year=2021)}
    assert lines[on_plan.pk].completion == Fraction(1)
    assert lines[on_plan.pk].proposed_grade == "excellent"
    assert lines[short.pk].completion == Fraction(39999, 50000)
    assert lines[short.pk].proposed_grade == "pass"
    assert lines[overdue.pk].completion == Fraction(1)  # capped
    assert lines[overdue.pk].proposed_grade == "good"
    assert lines[finished.pk].proposed_grade == "excellent"
    assert lines[nothing_planned.pk].proposed_grade == ""


def test_a_project_that_completed_in_the_year_counts_as_finished():
    project = _project_with(Decimal("1000.00"), planned_end=datetime.date(2021, 6, 30))
    move_project_stage(project=project, to_stage="completed", moved_on=datetime.date(2021, 7, 2))
    (line,) = list_evaluation_lines(year=2021)
    assert line.finished and line.proposed_grade == "excellent"
