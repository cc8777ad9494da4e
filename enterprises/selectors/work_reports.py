"""Reads of the work reports (工作开展情况报送): who may submit, the month a board opens on, and
the leading office's board.

The rule (domain.md): a sponsoring department reports each month on every assignment it
sponsors, against the assignment's plan (goals, standards, deadline), to the leading office
(包抓重点工业企业工作领导小组办公室), which follows who has not reported yet."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    FilteredRelation,
    Q,
    QuerySet,
)

from core.periods import DefaultPeriod, default_month
from core.scoping import scope_queryset

from ..models import Assignment, Department


def can_submit_work_report(user, assignment: Assignment) -> bool:
    """Return whether ``user`` may submit or amend the work reports of ``assignment``.

    Superusers may; otherwise only an official of the assignment's sponsoring department.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    try:
        official = user.official
    except ObjectDoesNotExist:
        return False
    return official.department_id == assignment.department_id


def get_work_report_default_month(*, reports, today: datetime.date) -> DefaultPeriod:
    """Return the month the work-report board opens on: the latest with a work report, to now.

    ``reports`` are the ones the user may see.
    """
    return default_month(reports, "period", today=today)


@dataclass(frozen=True)
class SubmittedReport:
    """The report of the month on a board row."""

    id: int
    progress: str
    standards: str
    deadlines: str
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_by: str

    @property
    def amended(self) -> bool:
        return self.updated_at != self.submitted_at


@dataclass(frozen=True)
class WorkReportRow:
    """One assignment of the year with its plan and the month's report, if any."""

    assignment_id: int
    department_id: int
    department_code: str
    department_name: str
    enterprise_id: int
    enterprise_name: str
    responsible_name: str
    plan_goals: str
    plan_standards: str
    plan_deadline: datetime.date | None
    report: SubmittedReport | None

    @property
    def reported(self) -> bool:
        return self.report is not None


@dataclass(frozen=True)
class DepartmentReportCount:
    """How many of a department's assignments have the month's work report."""

    department_id: int
    department_code: str
    department_name: str
    assignments: int
    reported: int

    @property
    def missing(self) -> int:
        return self.assignments - self.reported

    @property
    def percent(self) -> int:
        return round(100 * self.reported / self.assignments) if self.assignments else 0


@dataclass(frozen=True)
class _Stretch:
    """A run of consecutive board rows: one department's reported, or not reported, rows."""

    department_id: int
    reported: bool
    size: int


class BoardRows(Sequence):
    """The board's rows in order, read from the database a slice at a time.

    The order is: not reported first, then department code, enterprise name and id. The
    department counts already say how many rows each department has on either side of the
    "reported" divide, so the rows a slice covers lie in a few known stretches: a slice reads
    only those departments' assignments (one query, a page's worth of work), and the length
    costs no query. Iterating reads every row (one query), as the Excel download does.
    """

    def __init__(
        self,
        assignments: QuerySet[Assignment],
        period: datetime.date,
        departments: list[DepartmentReportCount],
    ):
        self._assignments = assignments
        self._period = period
        # Not reported rows first, then the reported ones, each in department code order.
        self._stretches = [
            _Stretch(row.department_id, reported, size)
            for reported in (False, True)
            for row in departments
            if (size := row.reported if reported else row.missing)
        ]
        self._length = sum(stretch.size for stretch in self._stretches)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[WorkReportRow]:
        return iter(_board_rows(self._assignments, self._period))

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step != 1:
                return list(self)[index]
            return self._read(start, stop)
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError("board row index out of range")
        return self._read(position, position + 1)[0]

    def _read(self, start: int, stop: int) -> list[WorkReportRow]:
        """Return the rows from ``start`` to ``stop``, reading only the stretches they lie in."""
        covered, offset, position = [], 0, 0
        for stretch in self._stretches:
            end = position + stretch.size
            if end > start and position < stop:
                if not covered:
                    offset = start - position
                covered.append(stretch)
            position = end
        if not covered:
            return []
        condition = Q()
        for reported in (False, True):
            ids = [s.department_id for s in covered if s.reported is reported]
            if ids:
                condition |= Q(department_id__in=ids, month_report__isnull=not reported)
        return _board_rows(
            self._assignments, self._period, condition=condition, offset=offset, limit=stop - start
        )


@dataclass(frozen=True)
class WorkReportBoard:
    """The month's work reports of the year's assignments: who has reported and who has not."""

    period: datetime.date
    department_id: int | None
    rows: BoardRows
    departments: list[DepartmentReportCount]

    @property
    def assignments(self) -> int:
        return sum(row.assignments for row in self.departments)

    @property
    def reported(self) -> int:
        return sum(row.reported for row in self.departments)

    @property
    def missing(self) -> int:
        return self.assignments - self.reported


BOARD_FIELDS = (
    "id",
    "department_id",
    "department__code",
    "department__name",
    "enterprise_id",
    "enterprise__name",
    "responsible__name",
    "plan_goals",
    "plan_standards",
    "plan_deadline",
    "month_report__id",
    "month_report__progress",
    "month_report__standards",
    "month_report__deadlines",
    "month_report__created_at",
    "month_report__updated_at",
    "month_report__submitted_by__username",
    "month_report__submitted_by__official__name",
)


def _submitted_report(row: dict) -> SubmittedReport | None:
    """Return the month's report of a board row read with ``BOARD_FIELDS``, if any."""
    if row["month_report__id"] is None:
        return None
    return SubmittedReport(
        id=row["month_report__id"],
        progress=row["month_report__progress"],
        standards=row["month_report__standards"],
        deadlines=row["month_report__deadlines"],
        submitted_at=row["month_report__created_at"],
        updated_at=row["month_report__updated_at"],
        submitted_by=row["month_report__submitted_by__official__name"]
        or row["month_report__submitted_by__username"]
        or "",
    )


def _with_month_report(assignments: QuerySet[Assignment], period: datetime.date):
    """Return ``assignments`` joined (left) with their work report of ``period``."""
    return assignments.annotate(
        month_report=FilteredRelation("work_reports", condition=Q(work_reports__period=period))
    )


def _board_rows(
    assignments: QuerySet[Assignment],
    period: datetime.date,
    *,
    condition: Q | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[WorkReportRow]:
    """Return the rows of ``assignments`` with their report of ``period``, missing first.

    ``condition`` may filter on ``month_report``; ``offset`` and ``limit`` slice the ordered
    rows. One query.
    """
    values = _with_month_report(assignments, period)
    if condition is not None:
        values = values.filter(condition)
    values = (
        values.annotate(
            has_report=ExpressionWrapper(
                Q(month_report__id__isnull=False), output_field=BooleanField()
            )
        )
        .order_by("has_report", "department__code", "enterprise__name", "id")
        .values(*BOARD_FIELDS)
    )
    if limit is not None:
        values = values[offset : offset + limit]
    elif offset:
        values = values[offset:]
    return [
        WorkReportRow(
            assignment_id=row["id"],
            department_id=row["department_id"],
            department_code=row["department__code"],
            department_name=row["department__name"],
            enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise__name"],
            responsible_name=row["responsible__name"],
            plan_goals=row["plan_goals"],
            plan_standards=row["plan_standards"],
            plan_deadline=row["plan_deadline"],
            report=_submitted_report(row),
        )
        for row in values
    ]


def _department_counts(
    assignments: QuerySet[Assignment], period: datetime.date
) -> list[DepartmentReportCount]:
    """Return each department's assignments and how many have a report of ``period``.

    Two queries: the counts, grouped by department alone (a hash aggregate over the year's
    assignments and the month's reports), then the departments' codes and names in code order.
    """
    counts = {
        row["department_id"]: row
        for row in _with_month_report(assignments, period)
        .order_by()
        .values("department_id")
        .annotate(total=Count("id"), reported=Count("month_report__id"))
    }
    departments = (
        Department.objects.filter(pk__in=counts).order_by("code").values("id", "code", "name")
    )
    return [
        DepartmentReportCount(
            department_id=department["id"],
            department_code=department["code"],
            department_name=department["name"],
            assignments=counts[department["id"]]["total"],
            reported=counts[department["id"]]["reported"],
        )
        for department in departments
    ]


def get_work_report_board(
    *, period: datetime.date, department: Department | int | None = None, user=None
) -> WorkReportBoard:
    """Return the assignments of the year of ``period`` with their work report of that month,
    missing first.

    Rows are those of ``department`` when given, ordered not reported first, then by department
    code and enterprise name; they are read a slice at a time (``BoardRows``). The
    per-department counts cover every department with an assignment that year, whatever the
    filter, so the summary also serves to pick one. Two queries, whatever the number of
    assignments, and one more per slice of rows read.
    """
    department_id = department.pk if isinstance(department, Department) else department
    assignments = Assignment.objects.filter(year=period.year)
    if user is not None:
        assignments = scope_queryset(assignments, user)
    listed = (
        assignments if department_id is None else assignments.filter(department_id=department_id)
    )
    departments = _department_counts(assignments, period)
    shown = [
        row for row in departments if department_id is None or row.department_id == department_id
    ]
    return WorkReportBoard(
        period=period,
        department_id=department_id,
        rows=BoardRows(listed, period, shown),
        departments=departments,
    )
