"""Reads of a project's page: the project, its reports, investment curve, problems, grades."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from core.indicators import due_by
from core.numbers import cents
from core.scoping import scope_queryset
from enterprises.models import Problem

from ..models import (
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPlan,
    ProjectReport,
    StageMove,
)


def get_project(*, pk: int, user=None) -> Project:
    """Return a project with its enterprise, plans (leader, department) and stage moves.

    With ``user``, a project outside their scope does not exist.
    """
    projects = Project.objects.all()
    if user is not None:
        projects = scope_queryset(projects, user)
    return (
        projects.select_related("enterprise")
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=ProjectPlan.objects.select_related("leader", "department").order_by(
                    "year"
                ),
            ),
            Prefetch(
                "stage_moves",
                queryset=StageMove.objects.select_related("moved_by").order_by("moved_on", "id"),
            ),
        )
        .get(pk=pk)
    )


def list_project_reports(*, project: Project) -> list[ProjectReport]:
    """Return a project's monthly reports, oldest first, with their photos."""
    return list(
        ProjectReport.objects.filter(project=project).prefetch_related("photos").order_by("period")
    )


@dataclass(frozen=True)
class CurvePoint:
    """One month of the investment curve: the cumulative investment and the plan's line."""

    month: int
    cumulative: Decimal | None
    planned: Decimal


def get_investment_curve(
    *, reports: list[ProjectReport], year: int, planned: Decimal | None
) -> list[CurvePoint]:
    """Return months 1..12 of ``year``: cumulative investment and the plan's straight line.

    The plan's line goes from 0 to the planned investment at month 12 (planned × m / 12). The
    cumulative line stops at the latest reported month; a missing month before it adds 0.
    """
    monthly = {r.period.month: r.investment for r in reports if r.period.year == year}
    last = max(monthly, default=0)
    planned = planned or Decimal("0.00")
    points, running = [], Decimal("0.00")
    for month in range(1, 13):
        running += monthly.get(month, Decimal("0.00"))
        points.append(
            CurvePoint(
                month=month,
                cumulative=cents(running) if month <= last else None,
                planned=cents(due_by(planned, month)),
            )
        )
    return points


def list_enterprise_problems(*, enterprise_id: int | None, limit: int = 10) -> list[Problem]:
    """Return the investor enterprise's latest problems (a Problem names no project)."""
    if not enterprise_id:
        return []
    return list(
        Problem.objects.filter(enterprise_id=enterprise_id)
        .select_related("department")
        .order_by("-raised_on", "-id")[:limit]
    )


def list_project_inspections(*, project: Project) -> list[ProjectInspection]:
    """Return a project's half-year inspections, latest first."""
    return list(project.inspections.select_related("inspector").order_by("-year", "-half"))


def list_project_evaluations_of(*, project: Project) -> list[ProjectEvaluation]:
    """Return a project's year-end evaluations, latest year first."""
    return list(project.evaluations.select_related("confirmed_by").order_by("-year"))
