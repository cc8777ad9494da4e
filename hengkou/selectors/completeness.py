"""Who has reported a month's figures, and by when they are due."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from fractions import Fraction

from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from core import indicators
from core.figures_cache import cached_figures, figures_key
from core.periods import report_deadline
from enterprises.models import Assignment, DepartmentYtd, MonthlyReport

# The names the board shows of each department's members without a report; the rest are counted.
NAMES_PER_DEPARTMENT = 8


@dataclass(frozen=True, slots=True)
class DepartmentCompleteness:
    """Who has reported a month's figures in one department.

    ``missing`` holds the first names (by name) of the members without a report, once read
    for the rows a page shows (``name_missing``); None until then.
    """

    department_id: int
    department_code: str
    department_name: str
    members: int
    reported: int
    on_time: int
    missing: list[str] | None = None

    @property
    def missing_count(self) -> int:
        return self.members - self.reported

    @property
    def missing_more(self) -> int:
        """Return how many members without a report ``missing`` does not name."""
        return max(0, self.missing_count - len(self.missing or ()))

    @property
    def completeness(self) -> Fraction:
        return indicators.completeness(self.reported, self.members)

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.on_time, self.reported) if self.reported else None


@dataclass(frozen=True)
class CompletenessBoard:
    """The "who has not reported" board of a month: every department's counts."""

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

    def missing_first(self) -> list[DepartmentCompleteness]:
        """Return the departments still missing reports first, by code within each group."""
        return sorted(self.departments, key=lambda row: row.reported >= row.members)

    def name_missing(
        self, rows: list[DepartmentCompleteness], *, per_department: int = NAMES_PER_DEPARTMENT
    ) -> list[DepartmentCompleteness]:
        """Return ``rows`` (some of this board's) with their members without a report named.

        At most ``per_department`` names each; ``missing_more`` counts the rest. One query
        (none for no rows), however many departments the zone has: a page of the board reads
        the names of its own rows only.
        """
        if not rows:
            return []
        names = list_missing_names(
            period=self.period,
            department_ids=[row.department_id for row in rows],
            per_department=per_department,
        )
        return [replace(row, missing=names.get(row.department_id, [])) for row in rows]


@cached_figures("completeness")
def get_completeness_board(*, period: datetime.date, today: datetime.date) -> CompletenessBoard:
    """Return, per department, how many members have reported the month and how many on time.

    A report is on time when first submitted by the deadline (day 5 of the next month, end of
    day in Asia/Shanghai). ``days_left`` is negative once the deadline has passed. The counts
    come from the department totals (``DepartmentYtd``): one query, whatever the number of
    enterprises; kept in the figures cache until the next write. The names of the members
    without a report are read for the rows shown (``CompletenessBoard.name_missing``).
    """
    deadline = report_deadline(period=period)
    counts = (
        DepartmentYtd.objects.filter(period=period, members__gt=0)
        .values_list(
            "department_id",
            "department__code",
            "department__name",
            "members",
            "reported",
            "on_time",
        )
        .order_by("department__code")
    )
    return CompletenessBoard(
        period=period,
        deadline=deadline,
        days_left=(deadline - today).days,
        departments=[DepartmentCompleteness(*row) for row in counts],
    )


def list_missing_names(
    *,
    period: datetime.date,
    department_ids: list[int],
    per_department: int = NAMES_PER_DEPARTMENT,
) -> dict[int, list[str]]:
    """Return the first names (by name) of each department's members without a report.

    At most ``per_department`` each, cut by the database (a window), for the departments
    ``department_ids`` only: one query, kept in the figures cache until the next write.
    """
    ids = sorted(set(department_ids))
    key = figures_key(
        "missing-names",
        period=period,
        per_department=per_department,
        departments="-".join(map(str, ids)),
    )
    return cached_figures(
        key,
        lambda: _missing_names(period=period, department_ids=ids, per_department=per_department),
    )


def list_missing_members(
    *, period: datetime.date, department_ids: list[int]
) -> dict[int, list[tuple[int, str]]]:
    """Return every member without a report of each department, as (enterprise id, name).

    By name, for the departments ``department_ids`` only: one query, kept in the figures cache
    until the next write. The API lists them all; the board names the first few.
    """
    ids = sorted(set(department_ids))
    if not ids:
        return {}
    key = figures_key("missing-members", period=period, departments="-".join(map(str, ids)))
    return cached_figures(key, lambda: _missing_members(period=period, department_ids=ids))


def _missing_names(
    *, period: datetime.date, department_ids: list[int], per_department: int
) -> dict[int, list[str]]:
    position = Window(
        RowNumber(), partition_by=[F("department_id")], order_by=[F("enterprise__name").asc()]
    )
    rows = (
        _without_report(period=period, department_ids=department_ids)
        .annotate(position=position)
        .filter(position__lte=per_department)
        .order_by("department_id", "position")
        .values_list("department_id", "enterprise__name")
    )
    missing: dict[int, list[str]] = {}
    for department_id, name in rows:
        missing.setdefault(department_id, []).append(name)
    return missing


def _missing_members(
    *, period: datetime.date, department_ids: list[int]
) -> dict[int, list[tuple[int, str]]]:
    rows = (
        _without_report(period=period, department_ids=department_ids)
        .order_by("department_id", "enterprise__name", "enterprise_id")
        .values_list("department_id", "enterprise_id", "enterprise__name")
    )
    missing: dict[int, list[tuple[int, str]]] = {}
    for department_id, enterprise_id, name in rows:
        missing.setdefault(department_id, []).append((enterprise_id, name))
    return missing


def _without_report(*, period: datetime.date, department_ids: list[int]):
    """Return the assignments of the departments' members with no report of the month."""
    # Each member's report looked up by its own (enterprise, month) key, a scalar subquery
    # the database cannot turn into a join: a page's 1,200 members cost 1,200 index probes,
    # where NOT EXISTS let PostgreSQL hash every report of the month (20,000, each a heap visit
    # until a vacuum has marked the pages all-visible: 60-100 ms after a close and reopen).
    report = (
        MonthlyReport.objects.filter(enterprise=OuterRef("enterprise"), period=period)
        .order_by()
        .values("enterprise")[:1]
    )
    return (
        Assignment.objects.filter(year=period.year, department_id__in=department_ids)
        .annotate(report=Subquery(report))
        .filter(report__isnull=True)
    )
