"""Visit duties counted by the database: the fast path of the duty pages, the API, the
assessment and the bulletin (``enterprises.selectors.duties.get_visit_compliance`` is the
reference it is tested against).
"""

from __future__ import annotations

import bisect
import datetime
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import accumulate

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek

from core.scoping import get_scope

from ..choices import OfficialRank
from ..models import Assignment, Official, Visit
from .duties import (
    DEPARTMENT_DUTIES,
    HEAD_MONTHLY,
    LEADER_QUARTERLY,
    RESPONSIBLE_WEEKLY,
    Compliance,
    DepartmentCompliance,
    DutyLine,
    Window,
    _duty_windows,
)

# A duty's figures need only how many of its windows had a visit, split into the windows that
# ended before today and those still running: met = both, missed = ended windows - the ended
# ones met, due = running windows - the running ones met. The windows of one duty are disjoint
# calendar buckets (ISO weeks, months, quarters) in date order, so the database counts them per
# (enterprise, participant) as distinct truncated visit days within the windows, the ended ones
# being those on or before the last ended window's end. The assignments are plain rows.


class _Calendar:
    """One duty's windows, how many ended before today, and the bucket a visit day falls in."""

    def __init__(self, windows: list[Window], today: datetime.date, bucket: type):
        self.windows = windows
        self.bucket = bucket
        self.required = len(windows)
        ended = [window.end for window in windows if window.end < today]
        self.ended = len(ended)
        # The end of the last window that ended before today (the ended windows come first).
        self.last_ended = max(ended, default=None)
        # The figures of a duty without a visit: (met, missed, due, ended).
        self.unvisited = (0, self.ended, self.required - self.ended, self.ended)

    def within(self) -> Q:
        """Return a filter on the visits (participations) dated in one of the windows."""
        ranges: list[list[datetime.date]] = []
        for window in sorted(self.windows, key=lambda w: w.start):
            if ranges and window.start <= ranges[-1][1] + datetime.timedelta(days=1):
                ranges[-1][1] = max(ranges[-1][1], window.end)
            else:
                ranges.append([window.start, window.end])
        q = Q()
        for start, end in ranges:
            q |= Q(visit__visited_on__gte=start, visit__visited_on__lte=end)
        return q

    def figures(self, met: tuple[int, int] | None) -> tuple[int, int, int, int]:
        """Return (met, missed, due, ended) from the (ended, running) windows met."""
        if met is None:
            return self.unvisited
        met_ended, met_running = met
        return (
            met_ended + met_running,
            self.ended - met_ended,
            self.required - self.ended - met_running,
            self.ended,
        )


def _calendars(periods: list[datetime.date], today: datetime.date) -> tuple[int, dict]:
    """Return the year of ``periods`` and each duty's calendar over them."""
    windows = _duty_windows(periods)
    return windows.year, {
        LEADER_QUARTERLY: _Calendar(windows.leader, today, TruncQuarter),
        HEAD_MONTHLY: _Calendar(windows.head, today, TruncMonth),
        RESPONSIBLE_WEEKLY: _Calendar(windows.weekly, today, TruncWeek),
    }


def _windows_met(
    calendars: dict[str, _Calendar], assignments: QuerySet
) -> dict[tuple[int, int], dict[str, tuple[int, int]]]:
    """Return per (enterprise, participant) and duty the (ended, running) windows visited.

    Only the visits to the enterprises of ``assignments``, within the duties' windows. One
    query, a row per (enterprise, participant) visited: not per visit.
    """
    annotations = {}
    for duty, calendar in calendars.items():
        day = "visit__visited_on"
        inside = calendar.within()
        bucket = calendar.bucket(day)
        last_ended = calendar.last_ended
        if last_ended is not None:
            annotations[f"{duty}_ended"] = Count(
                bucket, distinct=True, filter=inside & Q(**{f"{day}__lte": last_ended})
            )
        if calendar.ended < calendar.required:
            running = inside if last_ended is None else inside & Q(**{f"{day}__gt": last_ended})
            annotations[f"{duty}_running"] = Count(bucket, distinct=True, filter=running)
    windows = [w for calendar in calendars.values() for w in calendar.windows]
    rows = (
        Visit.participants.through.objects.filter(
            visit__visited_on__gte=min(w.start for w in windows),
            visit__visited_on__lte=max(w.end for w in windows),
            visit__enterprise_id__in=assignments.values("enterprise_id"),
        )
        .values("visit__enterprise_id", "official_id")
        .annotate(**annotations)
        .order_by()
        .values_list("visit__enterprise_id", "official_id", *annotations)
    )
    names = list(annotations)
    met: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
    for enterprise_id, official_id, *counts in rows:
        found = dict(zip(names, counts, strict=True))
        met[(enterprise_id, official_id)] = {
            duty: (found.get(f"{duty}_ended", 0), found.get(f"{duty}_running", 0))
            for duty in calendars
        }
    return met


# The assignment fields the lines need (positions in _Duties.rows), and the totals alone.
_LINE_FIELDS = (
    "pk",
    "enterprise_id",
    "department_id",
    "leader_id",
    "responsible_id",
    "enterprise__name",
    "leader__name",
    "responsible__name",
)
_TOTAL_FIELDS = ("pk", "enterprise_id", "department_id", "leader_id", "responsible_id")
_ENTERPRISE, _DEPARTMENT = 1, 2
# The zone's missed duties are listed by department code, then enterprise name.
BY_DEPARTMENT_ID = ("department_id", "enterprise__name", "pk")
BY_DEPARTMENT_CODE = ("department__code", "enterprise__name", "pk")


class _Duties:
    """The assignments of a year as plain rows, their departments' heads, the windows visited.

    Three queries (none when no assignment is chosen); the lines and totals are worked out from
    them in memory.
    """

    def __init__(
        self,
        *,
        periods: list[datetime.date],
        today: datetime.date,
        assignments: Q | None = None,
        department_ids=None,
        names: bool = True,
        order: tuple[str, ...] = BY_DEPARTMENT_ID,
        duties: tuple[str, ...] = (LEADER_QUARTERLY, *DEPARTMENT_DUTIES),
    ):
        year, calendars = _calendars(periods, today)
        self.calendars = {duty: calendars[duty] for duty in duties}
        chosen = Assignment.objects.filter(year=year)
        if assignments is not None:
            chosen = chosen.filter(assignments)
        if department_ids is not None:
            chosen = chosen.filter(department_id__in=sorted(department_ids))
        fields = _LINE_FIELDS if names else _TOTAL_FIELDS
        self.rows = list(chosen.order_by(*order).values_list(*fields))
        self.heads: dict[int, tuple] = {}
        self.met: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
        if self.rows and HEAD_MONTHLY in self.calendars:
            self.heads = {
                department_id: (pk, name if names else None)
                for department_id, pk, name in Official.objects.filter(
                    rank=OfficialRank.DEPARTMENT_HEAD,
                    department_id__in=chosen.values("department_id"),
                )
                .order_by()
                .values_list("department_id", "pk", "name")
            }
        if self.rows:
            self.met = _windows_met(self.calendars, chosen)
        self.visited_enterprises = {enterprise_id for enterprise_id, _official in self.met}

    def _officials(self, row) -> list[tuple[str, int, str | None]]:
        """Return the (duty, official id, official name) of one assignment: no head, no duty."""
        _pk, _enterprise, department_id, leader_id, responsible_id, *names = row
        officials = []
        for duty in self.calendars:
            if duty == LEADER_QUARTERLY:
                officials.append((duty, leader_id, names[1] if names else None))
            elif duty == HEAD_MONTHLY:
                head = self.heads.get(department_id)
                if head is not None:
                    officials.append((duty, *head))
            else:
                officials.append((duty, responsible_id, names[2] if names else None))
        return officials

    def assignment_lines(self, row) -> list[DutyLine]:
        """Return the duty lines of one assignment row (in the duties' order)."""
        pk, enterprise_id, department_id, _leader, _responsible, *names = row
        enterprise_name = names[0] if names else None
        visited = enterprise_id in self.visited_enterprises
        lines = []
        for duty, official_id, official_name in self._officials(row):
            calendar = self.calendars[duty]
            if visited and (enterprise_id, official_id) in self.met:
                figures = calendar.figures(self.met[(enterprise_id, official_id)][duty])
            else:
                figures = calendar.unvisited
            lines.append(
                DutyLine(
                    pk,
                    enterprise_id,
                    enterprise_name,
                    department_id,
                    official_id,
                    official_name,
                    duty,
                    calendar.required,
                    *figures[:3],
                )
            )
        return lines

    def lines(self) -> list[DutyLine]:
        return list(self.iter_lines())

    def iter_lines(self) -> Iterator[DutyLine]:
        """Yield the duty lines one by one: a reader that drops each keeps few in memory (and
        tens of thousands of tuples held at once are what sets the garbage collector off)."""
        for row in self.rows:
            yield from self.assignment_lines(row)

    def missed_lines(self) -> MissedLines:
        return MissedLines(self)

    def totals(self, department_ids=None) -> list[DepartmentCompliance]:
        """Return the department totals (head's and responsible persons' windows), by id."""
        calendars = [self.calendars[duty] for duty in DEPARTMENT_DUTIES]
        head, weekly = calendars
        rows = self.rows
        if department_ids is not None:
            rows = [row for row in rows if row[_DEPARTMENT] in department_ids]
        # Every duty unvisited, then what each visited duty changes: a window met is neither
        # missed nor due.
        totals: dict[int, list[int]] = {}
        for department_id, count in Counter(row[_DEPARTMENT] for row in rows).items():
            unvisited = [n * count for n in weekly.unvisited]
            if department_id in self.heads:
                unvisited = [a + b * count for a, b in zip(unvisited, head.unvisited, strict=True)]
            totals[department_id] = unvisited
        for row in rows:
            if row[_ENTERPRISE] not in self.visited_enterprises:
                continue
            for duty, official_id, _name in self._officials(row):
                visited = self.met.get((row[_ENTERPRISE], official_id))
                if duty in DEPARTMENT_DUTIES and visited is not None:
                    met_ended, met_running = visited[duty]
                    total = totals[row[_DEPARTMENT]]
                    total[0] += met_ended + met_running
                    total[1] -= met_ended
                    total[2] -= met_running
        return [
            DepartmentCompliance(department_id, *values)
            for department_id, values in sorted(totals.items())
        ]


class MissedLines(Sequence):
    """The duty lines with a missed window, in the assignments' order, made a page at a time.

    The zone has tens of thousands: the count comes from the windows' counts (an unvisited
    duty misses every window that ended), and only the lines asked for are made.
    """

    def __init__(self, duties: _Duties):
        self._duties = duties
        unvisited = {duty: calendar.ended > 0 for duty, calendar in duties.calendars.items()}
        with_head = sum(unvisited.values())
        without_head = with_head - unvisited.get(HEAD_MONTHLY, False)
        counts = []
        for row in duties.rows:
            if row[_ENTERPRISE] in duties.visited_enterprises:
                counts.append(sum(1 for line in duties.assignment_lines(row) if line.missed))
            elif row[_DEPARTMENT] in duties.heads:
                counts.append(with_head)
            else:
                counts.append(without_head)
        # The number of missed lines up to each assignment (included).
        self._ends = list(accumulate(counts))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self):
        for row in self._duties.rows:
            yield from (line for line in self._duties.assignment_lines(row) if line.missed)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            position = index + len(self) if index < 0 else index
            lines = self[position : position + 1] if position >= 0 else []
            if not lines:
                raise IndexError(index)
            return lines[0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            return list(self)[index]
        lines: list[DutyLine] = []
        # The first assignment holding line ``start``; the lines before it, skipped.
        position = bisect.bisect_right(self._ends, start)
        skip = start - (self._ends[position - 1] if position else 0)
        rows = self._duties.rows
        while len(lines) < stop - start and position < len(rows):
            missed = [line for line in self._duties.assignment_lines(rows[position]) if line.missed]
            lines.extend(missed[skip:])
            skip = 0
            position += 1
        return lines[: max(stop - start, 0)]


def list_department_compliance(
    *, periods: list[datetime.date], today: datetime.date, department_ids=None
) -> list[DepartmentCompliance]:
    """Return the departments' totals of ``get_visit_compliance``, by department id.

    Of the departments ``department_ids`` (every one when None) with assignments in the year
    of ``periods``. The head's and the responsible persons' windows only, as there; from plain
    rows, the visits counted in the database. Three queries whatever the number of assignments.
    """
    return _Duties(
        periods=periods,
        today=today,
        department_ids=department_ids,
        names=False,
        order=(),
        duties=DEPARTMENT_DUTIES,
    ).totals()


def list_duty_lines(
    *, periods: list[datetime.date], today: datetime.date, assignments: Q | None = None
) -> list[DutyLine]:
    """Return the duty lines of ``get_visit_compliance`` of the assignments ``assignments``.

    ``assignments`` filters the year's assignments (every one when None): pass the scope and
    what the page shows, so only those are computed. In the same order (department, enterprise
    name, then the leader's, the head's and the responsible person's duty) and with the same
    figures. Three queries whatever the number of assignments.
    """
    return _Duties(periods=periods, today=today, assignments=assignments).lines()


def get_scoped_compliance(
    *,
    periods: list[datetime.date],
    today: datetime.date,
    user,
    assignments: Q | None = None,
    departments: bool = True,
    lines: str = "list",
    names: bool = True,
) -> Compliance:
    """Return ``scope_compliance(get_visit_compliance(...), user)``, scoped before computing.

    The lines of the user's assignments (further narrowed by ``assignments``), the totals of
    the user's departments (none with ``departments`` False). ``lines`` says how the lines
    come: "list" (every one, as ``get_visit_compliance`` orders them), "iterator" (the same,
    made as they are read, once) or "missed" (only those with a missed window, by department
    code then enterprise name, made as they are read: ``MissedLines``). Without ``names`` the
    lines carry no enterprise or official name (None), which the database then need not join.
    Three queries and the
    scope's when the totals come from the lines' assignments, six when narrowed; whatever the
    number of assignments.
    """
    scope = get_scope(user)
    if scope.everything:
        department_ids = None
        chosen = assignments
    else:
        if scope.is_empty:
            return Compliance(lines=[], departments=[])
        department_ids = getattr(scope, "department_ids", frozenset())
        chosen = Q(pk__in=scope.assignment_ids())
        if assignments is not None:
            chosen &= assignments
    order = BY_DEPARTMENT_CODE if lines == "missed" else BY_DEPARTMENT_ID
    duties = _Duties(periods=periods, today=today, assignments=chosen, order=order, names=names)
    totals = []
    if departments and (department_ids is None or department_ids):
        if assignments is None:
            # The lines' assignments hold every one of the user's departments.
            totals = duties.totals(department_ids)
        else:
            totals = list_department_compliance(
                periods=periods, today=today, department_ids=department_ids
            )
    made = {"list": duties.lines, "iterator": duties.iter_lines, "missed": duties.missed_lines}
    return Compliance(lines=made[lines](), departments=totals)
