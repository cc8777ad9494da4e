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
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import ngettext

from core.indicators import completion_rate, due_by, growth, time_progress
from core.numbers import cents
from core.scoping import get_scope, scope_queryset
from enterprises.models import Department, Enterprise
from projects.models import Project

from ..access import may_open
from ..models import RankingMemberSnapshot
from ..ranking import METRICS, RankingRow
from .members import (
    LATE,
    MISSING,
    PROJECT,
    REPORTED,
    MemberFigures,
    list_live_figures,
    list_snapshot_figures,
    member_kind,
)
from .ranking import get_period_ranking


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
    ranking = get_period_ranking(period=period, metric=metric)
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
