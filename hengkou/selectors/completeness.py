"""Who has reported a month's figures, and by when they are due."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
)
from django.utils import timezone

from enterprises.figures_cache import cached_figures
from enterprises.models import (
    Assignment,
    MonthlyReport,
)


def report_deadline(*, year: int, month: int) -> datetime.date:
    """Return the day by which month ``month``'s figures are due (day N of the next month)."""
    due_day = getattr(settings, "HENGKOU_REPORT_DUE_DAY", 5)
    if month == 12:
        return datetime.date(year + 1, 1, due_day)
    return datetime.date(year, month + 1, due_day)


@dataclass(frozen=True)
class DepartmentCompleteness:
    """Who has reported a month's figures in one department."""

    department_id: int
    department_code: str
    department_name: str
    members: int
    reported: int
    on_time: int
    missing: list[str]
    missing_more: int

    @property
    def completeness(self) -> Fraction:
        return Fraction(self.reported, self.members) if self.members else Fraction(0)

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.on_time, self.reported) if self.reported else None


@dataclass(frozen=True)
class CompletenessBoard:
    """The "who has not reported" board of a month."""

    year: int
    month: int
    deadline: datetime.date
    days_left: int
    departments: list[DepartmentCompleteness]

    @property
    def missing_any(self) -> bool:
        return any(row.reported < row.members for row in self.departments)


def get_completeness_board(
    *, year: int, month: int, today: datetime.date, names_per_department: int = 8
) -> CompletenessBoard:
    """Return who has not reported the month, from the figures cache when it holds it."""
    return cached_figures(
        f"completeness:{year}-{month}:{today:%Y-%m-%d}:{names_per_department}",
        lambda: _completeness_board(
            year=year, month=month, today=today, names_per_department=names_per_department
        ),
    )


def _completeness_board(
    *, year: int, month: int, today: datetime.date, names_per_department: int = 8
) -> CompletenessBoard:
    """Return, per department, the members without a report for the month and the on-time rate.

    A report is on time when first submitted by the deadline (day 5 of the next month, end of
    day in Asia/Shanghai). ``days_left`` is negative once the deadline has passed. Two queries.
    """
    deadline = report_deadline(year=year, month=month)
    period = datetime.date(year, month, 1)
    cutoff = timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min)
    )
    reports = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise"), period=period)
    assignments = Assignment.objects.filter(year=year).annotate(
        has_report=Exists(reports), has_on_time=Exists(reports.filter(submitted_at__lt=cutoff))
    )
    counts = (
        assignments.values("department_id", "department__code", "department__name")
        .annotate(
            members=Count("id"),
            reported=Count("id", filter=Q(has_report=True)),
            on_time=Count("id", filter=Q(has_on_time=True)),
        )
        .order_by("department__code")
    )
    missing: dict[int, list[str]] = {}
    for department_id, name in (
        assignments.filter(has_report=False)
        .order_by("department__code", "enterprise__name")
        .values_list("department_id", "enterprise__name")
    ):
        missing.setdefault(department_id, []).append(name)
    departments = []
    for row in counts:
        names = missing.get(row["department_id"], [])
        departments.append(
            DepartmentCompleteness(
                department_id=row["department_id"],
                department_code=row["department__code"],
                department_name=row["department__name"],
                members=row["members"],
                reported=row["reported"],
                on_time=row["on_time"],
                missing=names[:names_per_department],
                missing_more=max(0, len(names) - names_per_department),
            )
        )
    return CompletenessBoard(
        year=year,
        month=month,
        deadline=deadline,
        days_left=(deadline - today).days,
        departments=departments,
    )
