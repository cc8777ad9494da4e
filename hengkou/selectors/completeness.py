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

from core import indicators
from core.figures_cache import cached_figures
from enterprises.models import (
    Assignment,
    MonthlyReport,
)


def report_deadline(*, period: datetime.date) -> datetime.date:
    """Return the day by which a month's figures are due (day N of the next month, N = 5)."""
    due_day = getattr(settings, "HENGKOU_REPORT_DUE_DAY", 5)
    if period.month == 12:
        return datetime.date(period.year + 1, 1, due_day)
    return datetime.date(period.year, period.month + 1, due_day)


def on_time_cutoff(*, period: datetime.date) -> datetime.datetime:
    """Return the first instant after a month's report deadline (end of its day, local time).

    A report first submitted before it is on time.
    """
    deadline = report_deadline(period=period)
    return timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min)
    )


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
        return indicators.completeness(self.reported, self.members)

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.on_time, self.reported) if self.reported else None


@dataclass(frozen=True)
class CompletenessBoard:
    """The "who has not reported" board of a month."""

    period: datetime.date
    deadline: datetime.date
    days_left: int
    departments: list[DepartmentCompleteness]

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def month(self) -> int:
        return self.period.month

    @property
    def missing_any(self) -> bool:
        return any(row.reported < row.members for row in self.departments)


@cached_figures("completeness")
def get_completeness_board(
    *, period: datetime.date, today: datetime.date, names_per_department: int = 8
) -> CompletenessBoard:
    """Return, per department, the members without a report for the month and the on-time rate.

    A report is on time when first submitted by the deadline (day 5 of the next month, end of
    day in Asia/Shanghai). ``days_left`` is negative once the deadline has passed. Two queries;
    kept in the figures cache until the next write.
    """
    deadline = report_deadline(period=period)
    cutoff = on_time_cutoff(period=period)
    reports = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise"), period=period)
    assignments = Assignment.objects.filter(year=period.year).annotate(
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
        period=period,
        deadline=deadline,
        days_left=(deadline - today).days,
        departments=departments,
    )
