"""The drill-down from a department's ranking row to its members (issue 15, item 3).

A department's members for a month and a metric are those the ranking sums: the enterprises of
its assignments of the year (enterprise metrics), or the projects of its plans of the year
(investment; only renovation projects for tech-renovation investment). Each line holds what the
ranking adds up for that member, so the lines' sums are the department's row:

- ``target``: the member's annual target (null without one; a project's planned investment);
- ``ytd`` and ``ytd_previous``: the year-to-date figure of month m and of the same month a year
  earlier (同口径; a stock metric takes month m itself);
- ``completion_rate`` = ytd / target, and ``shortfall`` = target × m / 12 − ytd, exact (negative
  when the member is ahead of time progress), for members with a target;
- ``report_status``: ``reported`` (month m's report first submitted by the deadline), ``late``
  (after it) or ``missing``; the same rule for projects, whose reports also keep the time of
  their first submission.

An open month is computed live from the sources of the ranking; a closed month is read from
``RankingMemberSnapshot``, written at the close by ``snapshot_members`` right after the
ranking's own snapshot, and replaced by the next close after a reopen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from itertools import islice

from django.db import connection
from django.db.models import Case, DateTimeField, F, FilteredRelation, Max, Q, When
from django.utils import timezone
from django.utils.translation import ngettext

from core.indicators import completion_rate, due_by, time_progress
from core.numbers import cents
from core.scoping import get_scope, scope_queryset
from enterprises.models import Assignment, Department, Enterprise, Period, Target
from projects.choices import ProjectKind
from projects.models import Project, ProjectPlan, ProjectReport

from .access import may_open
from .choices import MemberKind, MemberReportStatus
from .models import RankingMemberSnapshot
from .ranking import ENTERPRISE_METRICS, INVESTMENT_METRICS, METRICS, RankingRow
from .selectors import _sum_when, _window, get_period_ranking, report_deadline

ENTERPRISE = MemberKind.ENTERPRISE.value
PROJECT = MemberKind.PROJECT.value
REPORTED = MemberReportStatus.REPORTED.value
LATE = MemberReportStatus.LATE.value
MISSING = MemberReportStatus.MISSING.value
# Rows written per INSERT at the close (a city's 20,000 enterprises make 160,000 rows).
SNAPSHOT_BATCH = 2000


def member_kind(metric: str) -> str:
    """Return what a metric's members are: enterprises, or projects for the investment metrics."""
    return PROJECT if metric in INVESTMENT_METRICS else ENTERPRISE


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """What the ranking sums for one member: exactly what a member snapshot stores."""

    kind: str
    member_id: int
    name: str
    target: Decimal | None
    ytd: Decimal
    ytd_previous: Decimal
    report_status: str


@dataclass(frozen=True)
class MemberLine:
    """One member's line of the drill-down, with its rates derived exactly."""

    kind: str
    member_id: int
    name: str
    target: Decimal | None
    ytd: Decimal
    ytd_previous: Decimal
    report_status: str
    # Target × m / 12: what time progress asks of the member by month m (None without target).
    expected: Fraction | None
    completion_rate: Fraction | None
    shortfall: Fraction | None
    yoy_growth: Fraction | None
    # Whether the user asking may open the member's page (always True without a user).
    can_open: bool = True
    # How many members the line stands for: 1, or more for the sum of those outside the scope.
    count: int = 1

    @property
    def expected_money(self) -> Decimal | None:
        return money_of(self.expected)

    @property
    def shortfall_money(self) -> Decimal | None:
        return money_of(self.shortfall)

    @classmethod
    def build(cls, figures: MemberFigures, *, month: int) -> MemberLine:
        target = figures.target
        expected = due_by(target, month) if target is not None else None
        return cls(
            kind=figures.kind,
            member_id=figures.member_id,
            name=figures.name,
            target=target,
            ytd=figures.ytd,
            ytd_previous=figures.ytd_previous,
            report_status=figures.report_status,
            expected=expected,
            completion_rate=completion_rate(figures.ytd, target),
            shortfall=expected - Fraction(figures.ytd) if expected is not None else None,
            yoy_growth=growth(figures.ytd, figures.ytd_previous),
        )


def growth(current: Decimal, previous: Decimal) -> Fraction | None:
    """Return current / previous − 1 as the ranking computes it, or None without a previous."""
    return Fraction(current) / Fraction(previous) - 1 if previous else None


def money_of(value: Fraction | Decimal | None) -> Decimal | None:
    """Return an exact amount rounded half-even to the cent (a shortfall), or None."""
    return None if value is None else cents(Fraction(value))


def sort_lines(lines: Iterable[MemberLine]) -> list[MemberLine]:
    """Largest shortfall first; members without a target last; then by name (and id)."""
    return sorted(
        lines,
        key=lambda line: (
            line.shortfall is None,
            -(line.shortfall or 0),
            line.name,
            line.member_id,
        ),
    )


@dataclass(frozen=True)
class DepartmentMembers:
    """A department's members for a month and a metric, with the sums of its ranking row."""

    department_id: int
    department_code: str
    department_name: str
    period: datetime.date
    metric: str
    kind: str
    time_progress: Fraction
    closed: bool
    # True when the lines come from the close's snapshot (a closed month closed before the
    # drill-down existed has none: its lines are then computed live and this is False).
    as_of_close: bool
    # The department's row of the ranking (None when it has no member for the metric).
    row: RankingRow | None
    lines: tuple[MemberLine, ...]

    @property
    def targeted(self) -> tuple[MemberLine, ...]:
        return tuple(line for line in self.lines if line.target is not None)

    @property
    def members(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def targeted_members(self) -> int:
        return sum(line.count for line in self.targeted)

    @property
    def untargeted_members(self) -> int:
        return self.members - self.targeted_members

    @property
    def target(self) -> Decimal:
        return sum((line.target for line in self.targeted), Decimal("0.00"))

    @property
    def ytd(self) -> Decimal:
        return sum((line.ytd for line in self.lines), Decimal("0.00"))

    @property
    def ytd_targeted(self) -> Decimal:
        return sum((line.ytd for line in self.targeted), Decimal("0.00"))

    @property
    def ytd_untargeted(self) -> Decimal:
        return self.ytd - self.ytd_targeted

    @property
    def ytd_previous(self) -> Decimal:
        return sum((line.ytd_previous for line in self.lines), Decimal("0.00"))

    @property
    def expected(self) -> Fraction:
        return due_by(self.target, self.period.month)

    @property
    def expected_money(self) -> Decimal:
        return money_of(self.expected)

    @property
    def shortfall_money(self) -> Decimal:
        return money_of(self.shortfall)

    @property
    def completion_rate(self) -> Fraction | None:
        return completion_rate(self.ytd_targeted, self.target)

    @property
    def shortfall(self) -> Fraction:
        """Target × m / 12 − ytd of the targeted members: the department's gap in the metric."""
        return self.expected - Fraction(self.ytd_targeted)

    @property
    def yoy_growth(self) -> Fraction | None:
        return growth(self.ytd, self.ytd_previous)

    def count(self, status: str) -> int:
        return sum(line.count for line in self.lines if line.report_status == status)

    @property
    def reported_on_time(self) -> int:
        return self.count(REPORTED)

    @property
    def reported_late(self) -> int:
        return self.count(LATE)

    @property
    def not_reported(self) -> int:
        return self.count(MISSING)


def get_department_members(
    *, period: datetime.date, metric: str, department_id: int, user=None
) -> DepartmentMembers:
    """Return a department's members for a month and a metric, sorted by shortfall.

    The sums are zone-wide, like the ranking row they drill into. A user whose scope is not the
    whole zone (a county leader) sees by name only the members within it; the others are summed
    into lines "N other members" (by target or not, and report status), so no name or figure
    of a record outside the scope shows, and the totals still equal the row
    (``_within_scope``). A closed month reads the close's snapshot.
    Raises ``Department.DoesNotExist`` for an unknown department and ``ValueError`` for an
    unknown metric. A constant number of queries (at most eight) whatever the data size.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}")
    period = period.replace(day=1)
    department = Department.objects.values("id", "code", "name").get(pk=department_id)
    ranking = get_period_ranking(year=period.year, month=period.month, metric=metric)
    row = next((row for row in ranking.rows if row.department_id == department_id), None)
    figures = None
    if ranking.closed:
        figures = list_snapshot_figures(period=period, metric=metric, department_id=department_id)
        if not figures and not RankingMemberSnapshot.objects.filter(period__period=period).exists():
            figures = None  # Closed before the drill-down existed: nothing was frozen.
    as_of_close = figures is not None
    if figures is None:
        figures = list_live_figures(period=period, metric=metric, department_id=department_id)
    lines = [MemberLine.build(item, month=period.month) for item in figures]
    if user is not None:
        lines = _within_scope(_mark_openable(lines, user), user, month=period.month)
    return DepartmentMembers(
        department_id=department["id"],
        department_code=department["code"],
        department_name=department["name"],
        period=period,
        metric=metric,
        kind=member_kind(metric),
        time_progress=time_progress(period.month),
        closed=ranking.closed,
        as_of_close=as_of_close,
        row=row,
        lines=tuple(sort_lines(lines)),
    )


def get_closed_members(
    *, period: datetime.date, metric: str, department_id: int, department_name: str, user=None
) -> DepartmentMembers:
    """Return the members as the month's last close froze them (a 督办 notice's table).

    Read from the snapshot whatever the month's state: a reopened month keeps its last close's
    snapshot until the next close. Two queries (three with a user outside the whole zone).
    """
    period = period.replace(day=1)
    figures = list_snapshot_figures(period=period, metric=metric, department_id=department_id)
    lines = [MemberLine.build(item, month=period.month) for item in figures]
    if user is not None:
        lines = _within_scope(_mark_openable(lines, user), user, month=period.month)
    return DepartmentMembers(
        department_id=department_id,
        department_code="",
        department_name=department_name,
        period=period,
        metric=metric,
        kind=member_kind(metric),
        time_progress=time_progress(period.month),
        closed=True,
        as_of_close=True,
        row=None,
        lines=tuple(sort_lines(lines)),
    )


def list_snapshot_figures(
    *, period: datetime.date, metric: str, department_id: int
) -> list[MemberFigures]:
    """Return a department's member figures as stored at the month's last close. One query."""
    rows = RankingMemberSnapshot.objects.filter(
        period__period=period, metric=metric, department_id=department_id
    ).values_list(
        "member_kind", "member_id", "name", "target", "ytd", "ytd_previous", "report_status"
    )
    return [MemberFigures(*row) for row in rows]


def list_live_figures(
    *, period: datetime.date, metric: str, department_id: int
) -> list[MemberFigures]:
    """Return a department's member figures computed now from the ranking's sources."""
    figures = _figures(
        year=period.year, month=period.month, metrics=[metric], department_id=department_id
    )
    return [item for (_department, _metric), items in figures for item in items]


def _figures(
    *, year: int, month: int, metrics: list[str], department_id: int | None = None
) -> Iterator[tuple[tuple[int, str], list[MemberFigures]]]:
    """Yield ((department, metric), member figures) for the metrics asked, one kind at a time.

    Two queries per kind of member, whatever the number of members and metrics.
    """
    enterprise_metrics = [metric for metric in metrics if metric in ENTERPRISE_METRICS]
    investment_metrics = [metric for metric in metrics if metric in INVESTMENT_METRICS]
    if enterprise_metrics:
        yield from _enterprise_figures(
            year=year, month=month, metrics=enterprise_metrics, department_id=department_id
        ).items()
    if investment_metrics:
        yield from _project_figures(
            year=year, month=month, metrics=investment_metrics, department_id=department_id
        ).items()


def _on_time_cutoff(*, year: int, month: int) -> datetime.datetime:
    """Return the first instant after the report deadline (end of its day, local time)."""
    deadline = report_deadline(year=year, month=month)
    return timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min)
    )


def _status(submitted_at: datetime.datetime | None, cutoff: datetime.datetime) -> str:
    if submitted_at is None:
        return MISSING
    return REPORTED if submitted_at < cutoff else LATE


def _enterprise_figures(
    *, year: int, month: int, metrics: list[str], department_id: int | None
) -> dict[tuple[int, str], list[MemberFigures]]:
    """Return every member's figures for each enterprise metric in one pass (two queries).

    The members and their rollup rows of month m and of the same month a year earlier come in
    one query with all the metrics asked; the targets of the year in a second.
    """
    current, previous = datetime.date(year, month, 1), datetime.date(year - 1, month, 1)
    assignments = Assignment.objects.filter(year=year)
    if department_id is not None:
        assignments = assignments.filter(department_id=department_id)
    columns = [f"{side}__{metric}" for metric in metrics for side in ("current", "previous")]
    rows = (
        assignments.annotate(
            current=FilteredRelation(
                "enterprise__ytd_rows", condition=Q(enterprise__ytd_rows__period=current)
            ),
            previous=FilteredRelation(
                "enterprise__ytd_rows", condition=Q(enterprise__ytd_rows__period=previous)
            ),
            report=FilteredRelation(
                "enterprise__monthly_reports",
                condition=Q(enterprise__monthly_reports__period=current),
            ),
        )
        .values_list(
            "department_id", "enterprise_id", "enterprise__name", "report__submitted_at", *columns
        )
        .order_by()
    )
    targets = {
        (enterprise_id, metric): value
        for enterprise_id, metric, value in Target.objects.filter(
            year=year,
            metric__in=metrics,
            enterprise__in=assignments.values("enterprise"),
        ).values_list("enterprise_id", "metric", "value")
    }
    cutoff = _on_time_cutoff(year=year, month=month)
    result: dict[tuple[int, str], list[MemberFigures]] = {}
    for department, enterprise_id, name, submitted_at, *values in rows:
        status = _status(submitted_at, cutoff)
        for index, metric in enumerate(metrics):
            result.setdefault((department, metric), []).append(
                MemberFigures(
                    kind=ENTERPRISE,
                    member_id=enterprise_id,
                    name=name,
                    target=targets.get((enterprise_id, metric)),
                    ytd=cents(values[2 * index]),
                    ytd_previous=cents(values[2 * index + 1]),
                    report_status=status,
                )
            )
    return result


def _project_figures(
    *, year: int, month: int, metrics: list[str], department_id: int | None
) -> dict[tuple[int, str], list[MemberFigures]]:
    """Return every project member's figures for the investment metrics (two queries).

    The plans of the year name the members and their targets (planned investment); the
    reports of both years are summed per project, with the first submission of month m.
    """
    plans = ProjectPlan.objects.filter(year=year)
    if department_id is not None:
        plans = plans.filter(department_id=department_id)
    members = list(
        plans.values_list(
            "department_id", "project_id", "project__name", "project__kind", "planned_investment"
        ).order_by()
    )
    current, previous, this_month = _window(year=year, month=month, metric="investment")
    sums = {
        row["project_id"]: row
        for row in ProjectReport.objects.filter(
            current | previous, project__in=plans.values("project")
        )
        .values("project_id")
        .annotate(
            ytd=_sum_when(current, "investment"),
            ytd_previous=_sum_when(previous, "investment"),
            submitted_at=Max(
                Case(When(this_month, then=F("submitted_at")), output_field=DateTimeField())
            ),
        )
        .order_by()
    }
    cutoff = _on_time_cutoff(year=year, month=month)
    result: dict[tuple[int, str], list[MemberFigures]] = {}
    for department, project_id, name, kind, planned in members:
        found = sums.get(project_id, {})
        figures = MemberFigures(
            kind=PROJECT,
            member_id=project_id,
            name=name,
            target=cents(planned),
            ytd=cents(found.get("ytd")),
            ytd_previous=cents(found.get("ytd_previous")),
            report_status=_status(found.get("submitted_at"), cutoff),
        )
        for metric in metrics:
            if metric == "tech_investment" and kind != ProjectKind.RENOVATION:
                continue
            result.setdefault((department, metric), []).append(figures)
    return result


def _within_scope(lines: list[MemberLine], user, *, month: int) -> list[MemberLine]:
    """Sum the members outside the user's scope into anonymous lines (zone-wide users: none).

    One line per (with a target or not, report status), named by how many it holds, so the
    totals and the report counts stay those of the row and nothing else is told.
    """
    if get_scope(user).everything:
        return lines
    kept, hidden = [], defaultdict(list)
    for line in lines:
        if line.can_open:
            kept.append(line)
        else:
            hidden[(line.target is not None, line.report_status, line.kind)].append(line)
    for (targeted, status, kind), group in hidden.items():
        name = (
            ngettext(
                "%(count)s other member with a target",
                "%(count)s other members with a target",
                len(group),
            )
            if targeted
            else ngettext(
                "%(count)s other member without a target",
                "%(count)s other members without a target",
                len(group),
            )
        ) % {"count": len(group)}
        figures = MemberFigures(
            kind=kind,
            member_id=0,
            name=name,
            target=sum((line.target for line in group), Decimal("0.00")) if targeted else None,
            ytd=sum((line.ytd for line in group), Decimal("0.00")),
            ytd_previous=sum((line.ytd_previous for line in group), Decimal("0.00")),
            report_status=status,
        )
        line = MemberLine.build(figures, month=month)
        kept.append(replace(line, can_open=False, count=len(group)))
    return kept


def _mark_openable(lines: list[MemberLine], user) -> list[MemberLine]:
    """Mark the members whose page the user may open (one query outside a zone-wide scope)."""
    if not lines:
        return lines
    kind = lines[0].kind
    page = "projects:detail" if kind == PROJECT else "enterprises:enterprise_detail"
    if not may_open(page, user):
        return [replace(line, can_open=False) for line in lines]
    if get_scope(user).everything:
        return lines
    model = Project if kind == PROJECT else Enterprise
    ids = [line.member_id for line in lines]
    openable = set(
        scope_queryset(model.objects.filter(pk__in=ids), user).values_list("pk", flat=True)
    )
    return [replace(line, can_open=line.member_id in openable) for line in lines]


SNAPSHOT_FIELDS = (
    "period",
    "metric",
    "department",
    "member_kind",
    "member_id",
    "name",
    "target",
    "ytd",
    "ytd_previous",
    "report_status",
)


def snapshot_members(period_row: Period) -> int:
    """Freeze every department's members of every metric for a month being closed.

    Called by ``close_month`` right after the ranking's snapshot, in its transaction; a month
    closed again replaces its rows. All the metrics of a kind of member are computed in one
    pass (four queries in all) and written one row per (metric, department, member), typed like
    the ranking's snapshot so that each department's sums can be checked against it in SQL.
    A city (20,000 enterprises, 160,000 rows) is written with one COPY on PostgreSQL, which
    takes a fraction of the time model instances would; other databases get ``bulk_create``
    in batches. Returns the number of rows written.
    """
    day = period_row.period
    RankingMemberSnapshot.objects.filter(period=period_row).delete()
    # Read everything first: no query may run on the connection while its COPY is open.
    groups = list(_figures(year=day.year, month=day.month, metrics=list(METRICS)))
    rows = (
        (
            period_row.pk,
            metric,
            department_id,
            item.kind,
            item.member_id,
            item.name,
            item.target,
            item.ytd,
            item.ytd_previous,
            item.report_status,
        )
        for (department_id, metric), items in groups
        for item in items
    )
    if connection.vendor == "postgresql":
        return _copy_rows(rows)
    written = 0
    while batch := list(islice(rows, SNAPSHOT_BATCH)):
        RankingMemberSnapshot.objects.bulk_create(
            RankingMemberSnapshot(
                **{
                    ("department_id" if name == "department" else name): value
                    for name, value in zip(SNAPSHOT_FIELDS, row, strict=True)
                    if name != "period"
                },
                period=period_row,
            )
            for row in batch
        )
        written += len(batch)
    return written


def _copy_rows(rows: Iterable[tuple]) -> int:
    """Write snapshot rows with PostgreSQL's COPY (psycopg escapes and adapts each value)."""
    meta = RankingMemberSnapshot._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in SNAPSHOT_FIELDS)
    written = 0
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
