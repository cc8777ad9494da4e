"""Reads of the data-quality flags: a month's board and the flags still unexplained."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from core.scoping import scope_queryset

from ..models import Assignment, FigureFlag


def flags_with_sponsor(queryset: QuerySet) -> QuerySet:
    """Return ``queryset`` of flags with their enterprise, explainer and sponsoring department
    of the flag's year (``department_id``, ``department_name``) annotated."""
    sponsor = Assignment.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), year=OuterRef("period__year")
    )
    return queryset.select_related("enterprise", "explained_by").annotate(
        department_id=Subquery(sponsor.values("department_id")[:1]),
        department_name=Subquery(sponsor.values("department__name")[:1]),
    )


def list_unexplained_flags(*, period: datetime.date) -> QuerySet:
    """Return the month's flags that nobody explained, with their enterprise and department."""
    return flags_with_sponsor(
        FigureFlag.objects.filter(period=period, explanation="").order_by(
            "enterprise__name", "rule", "metric"
        )
    )


@dataclass(frozen=True)
class DepartmentFlags:
    """A sponsoring department's flags of the month: how many, how many explained."""

    department_id: int | None
    department_name: str
    flags: int
    explained: int
    enterprises: int

    @property
    def unexplained(self) -> int:
        return self.flags - self.explained


@dataclass(frozen=True)
class QualityBoard:
    """A month's data-quality board: totals, departments, and the flags (a queryset to page)."""

    period: datetime.date
    flags: int
    explained: int
    enterprises: int
    departments: list[DepartmentFlags]
    rows: QuerySet

    @property
    def unexplained(self) -> int:
        return self.flags - self.explained


def get_quality_board(
    *, period: datetime.date, user, department_id: int | None = None, explained: bool | None = None
) -> QualityBoard:
    """Return the month's flags within ``user``'s scope, by department and enterprise.

    ``department_id`` and ``explained`` narrow the listed rows, never the totals. Two queries
    (totals by department; then the page of rows read by the caller), whatever the flags.
    """
    flags = flags_with_sponsor(scope_queryset(FigureFlag.objects.filter(period=period), user))
    by_department = (
        flags.order_by()
        .values("department_id", "department_name")
        .annotate(
            flags=Count("pk"),
            explained=Count("pk", filter=~Q(explanation="")),
            enterprises=Count("enterprise_id", distinct=True),
        )
        .order_by("department_name")
    )
    departments = [
        DepartmentFlags(
            department_id=row["department_id"],
            department_name=row["department_name"] or "",
            flags=row["flags"],
            explained=row["explained"],
            enterprises=row["enterprises"],
        )
        for row in by_department
    ]
    rows = flags.order_by("department_name", "enterprise__name", "rule", "metric", "pk")
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if explained is not None:
        rows = rows.exclude(explanation="") if explained else rows.filter(explanation="")
    return QualityBoard(
        period=period,
        flags=sum(d.flags for d in departments),
        explained=sum(d.explained for d in departments),
        # An enterprise has one sponsor a year, so the departments' counts add up.
        enterprises=sum(d.enterprises for d in departments),
        departments=departments,
        rows=rows,
    )


def count_flags(*, period: datetime.date) -> tuple[int, int]:
    """Return the month's (flags, explained flags), zone-wide."""
    totals = FigureFlag.objects.filter(period=period).aggregate(
        flags=Count("pk"), explained=Count("pk", filter=~Q(explanation=""))
    )
    return totals["flags"], totals["explained"]
