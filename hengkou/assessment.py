"""The year-end assessment (年终一考核) of the sponsoring departments (domain.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.db.models import Avg, Count, F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from enterprises.choices import DepartmentKind, ProblemStatus
from enterprises.models import Assignment, Department, Problem
from enterprises.selectors.duties import get_visit_compliance, year_months
from projects.models import ProjectPlan

from .choices import NoticeStatus
from .models import Inspection, SupervisionNotice
from .selectors import get_period_ranking

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

    @property
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

    @property
    def applicable_weight(self) -> Fraction:
        return sum((part.weight for part in self.parts if part.applies), Fraction(0))

    @property
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


def _ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


def list_assessments(*, year: int, today: datetime.date) -> list[DepartmentAssessment]:
    """Return the year-end assessment of every sponsoring department with work in ``year``.

    Output and investment completion are the completion rates of the December ranking (the
    snapshot once December is closed); visit compliance is the year's met / (met + missed) over
    the department's windows; problems resolved by their due date over those due in the year;
    notices answered by their due date over those issued in the year. Ranked by total, then code.
    """
    weights = assessment_weights()
    active = set(Assignment.objects.filter(year=year).values_list("department_id", flat=True))
    active |= set(ProjectPlan.objects.filter(year=year).values_list("department_id", flat=True))
    departments = list(
        Department.objects.filter(pk__in=active, kind=DepartmentKind.SPONSOR).order_by("code")
    )
    output = {
        row.department_id: row.completion_rate
        for row in get_period_ranking(year=year, month=12, metric="output_value").rows
    }
    investment = {
        row.department_id: row.completion_rate
        for row in get_period_ranking(year=year, month=12, metric="investment").rows
    }
    visits = {
        row.department_id: row
        for row in get_visit_compliance(periods=year_months(year), today=today).departments
    }
    problems = {
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
    notices = {
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
    inspections = {
        row["department_id"]: row["average"]
        for row in Inspection.objects.filter(year=year)
        .values("department_id")
        .annotate(average=Avg("score"))
        .order_by()
    }

    results = []
    for department in departments:
        visit = visits.get(department.pk)
        problem = problems.get(department.pk, {"due": 0, "on_time": 0})
        notice = notices.get(department.pk, {"issued": 0, "on_time": 0})
        parts = [
            Part("output", output.get(department.pk), weights["output"]),
            Part("investment", investment.get(department.pk), weights["investment"]),
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
        average = inspections.get(department.pk)
        results.append(
            DepartmentAssessment(
                department_id=department.pk,
                department_code=department.code,
                department_name=department.name,
                parts=parts,
                inspection_average=Fraction(str(average)) if average is not None else None,
            )
        )
    ordered = sorted(
        results,
        key=lambda a: (a.total is None, -(a.total or 0), a.department_code),
    )
    return [
        DepartmentAssessment(**{**a.__dict__, "rank": index if a.total is not None else None})
        for index, a in enumerate(ordered, start=1)
    ]
