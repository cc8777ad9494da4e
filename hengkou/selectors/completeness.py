"""Who has reported a month's figures, and by when they are due."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber

from core import indicators
from core.figures_cache import cached_figures
from core.periods import report_deadline
from enterprises.models import Assignment, DepartmentYtd, MonthlyReport


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
    day in Asia/Shanghai). ``days_left`` is negative once the deadline has passed. The counts
    come from the department totals (``DepartmentYtd``), the names from one windowed query: two
    queries; kept in the figures cache until the next write.
    """
    deadline = report_deadline(period=period)
    counts = (
        DepartmentYtd.objects.filter(period=period, members__gt=0)
        .values(
            "department_id",
            "department__code",
            "department__name",
            "members",
            "reported",
            "on_time",
        )
        .order_by("department__code")
    )
    missing = _missing_names(period=period, per_department=names_per_department)
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
                missing=names,
                missing_more=max(0, row["members"] - row["reported"] - len(names)),
            )
        )
    return CompletenessBoard(
        period=period,
        deadline=deadline,
        days_left=(deadline - today).days,
        departments=departments,
    )


def _missing_names(*, period: datetime.date, per_department: int) -> dict[int, list[str]]:
    # The first names (by name) of each department's members without a report, at most
    # ``per_department`` each, cut by the database (a window), not after reading them all.
    reports = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise"), period=period)
    position = Window(
        RowNumber(), partition_by=[F("department_id")], order_by=[F("enterprise__name").asc()]
    )
    rows = (
        Assignment.objects.filter(year=period.year)
        .exclude(Exists(reports))
        .annotate(position=position)
        .filter(position__lte=per_department)
        .order_by("department_id", "position")
        .values_list("department_id", "enterprise__name")
    )
    missing: dict[int, list[str]] = {}
    for department_id, name in rows:
        missing.setdefault(department_id, []).append(name)
    return missing
