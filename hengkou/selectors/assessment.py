"""The year-end assessment (年终一考核) of the sponsoring departments (domain.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from enterprises.choices import DepartmentKind, ProblemStatus
from enterprises.models import Assignment, Department, MonthlyReport, Period, Problem
from enterprises.selectors.duties import year_months
from enterprises.selectors.duty_counts import list_department_compliance
from projects.models import ProjectPlan

from ..choices import NoticeStatus
from ..models import Inspection, SupervisionNotice
from .ranking import get_period_ranking

DEFAULT_WEIGHTS = {
    "output": 40,
    "investment": 20,
    "visits": 20,
    "problems": 10,
    "responsiveness": 10,
}
PART_LABELS = {
    "output": _("Output completion"),
    "investment": _("Investment completion"),
    "visits": _("Visit compliance"),
    "problems": _("Problems resolved on time"),
    "responsiveness": _("Notices answered on time"),
}


def assessment_weights() -> dict[str, Fraction]:
    """Return the weights of the parts (settings.HENGKOU_ASSESSMENT_WEIGHTS over the defaults)."""
    weights = {**DEFAULT_WEIGHTS, **getattr(settings, "HENGKOU_ASSESSMENT_WEIGHTS", {})}
    return {key: Fraction(str(weights[key])) for key in DEFAULT_WEIGHTS}


@dataclass(frozen=True)
class Part:
    """One part of a department's score: its ratio, capped at 1, times its weight."""

    key: str
    ratio: Fraction | None
    weight: Fraction
    numerator: int | None = None
    denominator: int | None = None

    @property
    def label(self) -> Promise:
        return PART_LABELS[self.key]

    @property
    def applies(self) -> bool:
        return self.ratio is not None

    @cached_property
    def points(self) -> Fraction | None:
        return (
            None
            if self.ratio is None
            else min(max(self.ratio, Fraction(0)), Fraction(1)) * self.weight
        )


@dataclass(frozen=True)
class DepartmentAssessment:
    """A department's year-end score with every part shown."""

    department_id: int
    department_code: str
    department_name: str
    parts: list[Part]
    inspection_average: Fraction | None
    rank: int | None = None

    @cached_property
    def applicable_weight(self) -> Fraction:
        return sum((part.weight for part in self.parts if part.applies), Fraction(0))

    # Worked out once: the ranking sorts by it and the page shows it (hundreds of departments).
    @cached_property
    def total(self) -> Fraction | None:
        """Return the score out of 100.

        A part that does not apply (no target, nothing due) is left out and the applicable
        weights are scaled up to 100, so a department is not marked down for work it did not
        have; where every part applies this is exactly the weighted sum.
        """
        weight = self.applicable_weight
        if not weight:
            return None
        points = sum((part.points for part in self.parts if part.applies), Fraction(0))
        return points * sum(assessment_weights().values()) / weight


@dataclass(frozen=True)
class AssessmentStanding:
    """Whether a year's assessment is final, and what a provisional one is counted to.

    Final once December is closed. Before that the completion rates are those of the latest
    month reported (December's ranking carries the year to date forward) and the visits,
    problems and notices are counted to ``today``.
    """

    year: int
    final: bool
    reported_through: datetime.date | None
    today: datetime.date


def get_assessment_standing(*, year: int, today: datetime.date) -> AssessmentStanding:
    """Return whether ``year``'s assessment is final and, if not, what it is counted to."""
    final = Period.is_closed(datetime.date(year, 12, 1))
    through = None
    if not final:
        through = MonthlyReport.objects.filter(period__year=year).aggregate(last=Max("period"))[
            "last"
        ]
    return AssessmentStanding(year=year, final=final, reported_through=through, today=today)


def _ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


def list_assessments(*, year: int, today: datetime.date) -> list[DepartmentAssessment]:
    """Return the year-end assessment of every sponsoring department with work in ``year``.

    Output and investment completion are the completion rates of the December ranking (the
    snapshot once December is closed); visit compliance is the year's met / (met + missed) over
    the department's windows; problems resolved by their due date over those due in the year;
    notices answered by their due date over those issued in the year. Ranked by total, then code.
    """
    december = datetime.date(year, 12, 1)
    readings = {
        "output": _completion_rates(period=december, metric="output_value"),
        "investment": _completion_rates(period=december, metric="investment"),
        "visits": {
            row.department_id: row
            for row in list_department_compliance(periods=year_months(year), today=today)
        },
        "problems": _problems_on_time(year),
        "responsiveness": _notices_answered_on_time(year),
    }
    inspections = _inspection_averages(year)
    weights = assessment_weights()
    results = []
    for department in _assessed_departments(year):
        average = inspections.get(department.pk)
        results.append(
            DepartmentAssessment(
                department_id=department.pk,
                department_code=department.code,
                department_name=department.name,
                parts=_parts(department.pk, readings, weights),
                inspection_average=Fraction(str(average)) if average is not None else None,
            )
        )
    return _ranked(results)


def _parts(department_id: int, readings: dict, weights: dict[str, Fraction]) -> list[Part]:
    """Return a department's parts from the year's readings (None where a part does not apply)."""
    visit = readings["visits"].get(department_id)
    problem = readings["problems"].get(department_id, {"due": 0, "on_time": 0})
    notice = readings["responsiveness"].get(department_id, {"issued": 0, "on_time": 0})
    return [
        Part("output", readings["output"].get(department_id), weights["output"]),
        Part("investment", readings["investment"].get(department_id), weights["investment"]),
        Part(
            "visits",
            visit.compliance if visit else None,
            weights["visits"],
            visit.met if visit else None,
            visit.met + visit.missed if visit else None,
        ),
        Part(
            "problems",
            _ratio(problem["on_time"], problem["due"]),
            weights["problems"],
            problem["on_time"],
            problem["due"],
        ),
        Part(
            "responsiveness",
            _ratio(notice["on_time"], notice["issued"]),
            weights["responsiveness"],
            notice["on_time"],
            notice["issued"],
        ),
    ]


def _assessed_departments(year: int) -> list[Department]:
    """Return the sponsoring departments with members (assignments or project plans) in ``year``.

    One query: the members' departments are subqueries (not the year's rows read into Python).
    """
    with_members = Q(pk__in=Assignment.objects.filter(year=year).values("department_id")) | Q(
        pk__in=ProjectPlan.objects.filter(year=year).values("department_id")
    )
    return list(
        Department.objects.filter(with_members, kind=DepartmentKind.SPONSOR).order_by("code")
    )


def _completion_rates(*, period: datetime.date, metric: str) -> dict[int, Fraction | None]:
    return {
        row.department_id: row.completion_rate
        for row in get_period_ranking(period=period, metric=metric).rows
    }


def _problems_on_time(year: int) -> dict[int, dict]:
    """Return per department the problems due in ``year`` and those resolved by their due date."""
    return {
        row["department_id"]: row
        for row in Problem.objects.filter(due_on__year=year, department__isnull=False)
        .values("department_id")
        .annotate(
            due=Count("id"),
            on_time=Count(
                "id",
                filter=Q(status=ProblemStatus.RESOLVED, resolved_on__lte=F("due_on")),
            ),
        )
        .order_by()
    }


def _notices_answered_on_time(year: int) -> dict[int, dict]:
    """Return per department the notices issued in ``year`` and those answered by their due
    date (withdrawn notices left out)."""
    return {
        row["department_id"]: row
        for row in SupervisionNotice.objects.filter(period__year=year)
        .exclude(status=NoticeStatus.WITHDRAWN)
        .values("department_id")
        .annotate(
            issued=Count("id"),
            on_time=Count("id", filter=Q(responded_at__date__lte=F("due_on"))),
        )
        .order_by()
    }


def _inspection_averages(year: int) -> dict[int, Decimal]:
    return {
        row["department_id"]: row["average"]
        for row in Inspection.objects.filter(year=year)
        .values("department_id")
        .annotate(average=Avg("score"))
        .order_by()
    }


def _ranked(results: list[DepartmentAssessment]) -> list[DepartmentAssessment]:
    """Rank by total (highest first), then code; a department without a total has no rank."""
    ordered = sorted(
        results,
        key=lambda a: (a.total is None, -(a.total or 0), a.department_code),
    )
    return [
        replace(a, rank=index if a.total is not None else None)
        for index, a in enumerate(ordered, start=1)
    ]
