"""Reads of the enterprise's page: its sponsorship, latest figures, problems and visit history."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Prefetch, Value, When

from ..models import Assignment, Enterprise, MonthlyReport, Official, Problem, Visit


@dataclass(frozen=True)
class EnterprisePage:
    """What the enterprise's page shows besides the enterprise itself."""

    assignment: Assignment | None
    reports: list[MonthlyReport]
    problems: list[Problem]
    visits: list[Visit]


def get_enterprise_page(*, enterprise: Enterprise, today: datetime.date) -> EnterprisePage:
    """Return the enterprise's latest assignment up to this year, its last 12 monthly reports,
    its problems (unresolved first, 50 at most) and its last 30 visits with participants and
    photos."""
    assignment = (
        Assignment.objects.filter(enterprise=enterprise, year__lte=today.year)
        .select_related("leader", "responsible", "department")
        .prefetch_related("team")
        .order_by("-year")
        .first()
    )
    reports = list(enterprise.monthly_reports.order_by("-period")[:12])
    problems = list(
        Problem.objects.filter(enterprise=enterprise)
        .select_related("department")
        .order_by(Case(When(status="resolved", then=Value(1)), default=Value(0)), "-raised_on")[:50]
    )
    visits = list(
        Visit.objects.filter(enterprise=enterprise)
        .prefetch_related(Prefetch("participants", queryset=Official.objects.order_by("name")))
        .prefetch_related("photos")
        .order_by("-visited_on", "-id")[:30]
    )
    return EnterprisePage(assignment=assignment, reports=reports, problems=problems, visits=visits)
