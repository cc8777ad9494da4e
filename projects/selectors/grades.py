"""The year-end evaluation of the projects (年终评比): the proposed grade of each project."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from ..choices import Stage
from ..models import EvaluationGrade, Project, ProjectEvaluation
from .board import ProjectLine, list_project_lines

FINISHED_STAGES = (Stage.COMPLETED, Stage.OPERATING)

GRADE_THRESHOLDS = (
    (Fraction(1), EvaluationGrade.EXCELLENT),
    (Fraction(8, 10), EvaluationGrade.GOOD),
    (Fraction(6, 10), EvaluationGrade.PASS),
)


def capped(completion: Fraction | None) -> Fraction | None:
    """Return a completion rate capped at 1 (100%): the evaluation counts no more than the plan."""
    return None if completion is None else min(completion, Fraction(1))


def propose_grade(
    *,
    completion: Fraction | None,
    finished: bool,
    planned_end: datetime.date | None,
    year: int,
) -> str:
    """Return the grade proposed from the year's investment completion and progress.

    ``completion`` is YTD at month 12 / the year's planned investment, capped at 1.
    Excellent at 100% when progress is on track, good from 80%, pass from 60%, else fail.
    Progress is on track unless the planned completion falls in or before ``year`` and the
    project had not finished (completed or 100% complete) by the year's end: then the grade is
    at best good. Without a planned investment no grade is proposed (empty string).
    """
    completion = capped(completion)
    if completion is None:
        return ""
    grade = EvaluationGrade.FAIL
    for threshold, candidate in GRADE_THRESHOLDS:
        if completion >= threshold:
            grade = candidate
            break
    behind = planned_end is not None and planned_end <= datetime.date(year, 12, 31) and not finished
    if grade == EvaluationGrade.EXCELLENT and behind:
        grade = EvaluationGrade.GOOD
    return grade.value


@dataclass(frozen=True)
class EvaluationLine:
    """A project of the year with its year-end figures, proposed grade and evaluation."""

    project: ProjectLine
    completion: Fraction | None
    finished: bool
    proposed_grade: str
    evaluation: ProjectEvaluation | None

    @property
    def proposed_label(self) -> str:
        return EvaluationGrade(self.proposed_grade).label if self.proposed_grade else ""


def _evaluation_line(line: ProjectLine, year: int, evaluation) -> EvaluationLine:
    """Return a line of the year (measured at month 12) with its proposed grade."""
    rate = line.completion_rate
    finished = line.stage in FINISHED_STAGES or line.percent_complete == 100
    return EvaluationLine(
        project=line,
        completion=capped(rate),
        finished=finished,
        proposed_grade=propose_grade(
            completion=rate, finished=finished, planned_end=line.planned_end, year=year
        ),
        evaluation=evaluation,
    )


def list_evaluation_lines(
    *, year: int, department: int | None = None, user=None
) -> list[EvaluationLine]:
    """Return every project with a plan for ``year`` with its proposed grade and evaluation.

    Figures are those of month 12 whatever has been reported so far. Two queries.
    """
    lines = list_project_lines(
        year=year, period=datetime.date(year, 12, 1), department=department, user=user
    )
    evaluations = {
        e.project_id: e
        for e in ProjectEvaluation.objects.filter(year=year).select_related("confirmed_by")
    }
    return [_evaluation_line(line, year, evaluations.get(line.id)) for line in lines]


def get_evaluation_proposal(*, project: Project, year: int) -> str:
    """Return the grade proposed for ``project`` in ``year`` (empty without a plan)."""
    lines = list_project_lines(year=year, period=datetime.date(year, 12, 1), project=project.pk)
    return _evaluation_line(lines[0], year, None).proposed_grade if lines else ""
