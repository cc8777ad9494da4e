"""Visit duties (到企帮扶频次) of domain.md: their windows, and who met them.

For each assignment of a year: the leader visits at least once per calendar quarter, the head of
the sponsoring department once per calendar month, the responsible person once per ISO week (a
week belongs to the month holding its Thursday). Any visit counts, emergencies included, for
each of its participants. A window is met once a visit falls in it, due while it runs (or has
not started) without one, missed once it ended without one.
"""

from __future__ import annotations

import bisect
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter, TruncWeek

from core.periods import DefaultPeriod, default_month
from core.scoping import get_scope

from ..choices import OfficialRank
from ..models import Assignment, Official, Visit

LEADER_QUARTERLY = "leader_quarterly"
HEAD_MONTHLY = "head_monthly"
RESPONSIBLE_WEEKLY = "responsible_weekly"
DEPARTMENT_DUTIES = (HEAD_MONTHLY, RESPONSIBLE_WEEKLY)


@dataclass(frozen=True)
class Window:
    """A span of days (both ends included) in which one visit is required."""

    start: datetime.date
    end: datetime.date


def month_window(period: datetime.date) -> Window:
    """Return the calendar month starting on ``period`` as a window."""
    year, month = period.year, period.month
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return Window(period.replace(day=1), following - datetime.timedelta(days=1))


def quarter_window(period: datetime.date) -> Window:
    """Return the calendar quarter holding the month ``period``."""
    first = period.replace(month=(period.month - 1) // 3 * 3 + 1, day=1)
    last = first.replace(month=first.month + 2)
    return Window(first, month_window(last).end)


def week_windows(period: datetime.date) -> list[Window]:
    """Return the ISO weeks (Monday to Sunday) whose Thursday falls in the month ``period``."""
    month_span = month_window(period)
    # The first Thursday on or after the first of the month.
    thursday = month_span.start + datetime.timedelta(days=(3 - month_span.start.weekday()) % 7)
    weeks = []
    while thursday <= month_span.end:
        monday = thursday - datetime.timedelta(days=3)
        weeks.append(Window(monday, monday + datetime.timedelta(days=6)))
        thursday += datetime.timedelta(days=7)
    return weeks


def year_months(year: int) -> list[datetime.date]:
    """Return the twelve months of ``year`` (their first days)."""
    return [datetime.date(year, month, 1) for month in range(1, 13)]


class DutyLine(NamedTuple):
    """One official's duty for one assignment over the windows of a month (or of a year).

    A named tuple: the pages list tens of thousands of them at city scale.
    """

    assignment_id: int
    enterprise_id: int
    enterprise_name: str
    department_id: int
    official_id: int
    official_name: str
    duty: str
    required: int
    met: int
    missed: int
    due: int


@dataclass(frozen=True)
class DepartmentCompliance:
    """A department's visit compliance over its head's and responsible persons' windows."""

    department_id: int
    met: int
    missed: int
    due: int
    ended: int

    @property
    def compliance(self) -> Fraction | None:
        """Return met / (met + missed), or None when no window counts yet."""
        counted = self.met + self.missed
        return Fraction(self.met, counted) if counted else None


@dataclass(frozen=True)
class Compliance:
    lines: list[DutyLine]
    departments: list[DepartmentCompliance]


def _tally(windows: list[Window], dates: list[datetime.date], today: datetime.date):
    met = missed = due = ended = 0
    for window in windows:
        position = bisect.bisect_left(dates, window.start)
        if position < len(dates) and dates[position] <= window.end:
            met += 1
        elif window.end < today:
            missed += 1
        else:
            due += 1
        if window.end < today:
            ended += 1
    return met, missed, due, ended


@dataclass(frozen=True)
class _DutyWindows:
    """The windows of each duty over some months of one year."""

    year: int
    leader: list[Window]
    head: list[Window]
    weekly: list[Window]

    @property
    def span(self) -> Window:
        """Return the days from the first window's start to the last window's end."""
        every = self.leader + self.head + self.weekly
        return Window(min(w.start for w in every), max(w.end for w in every))


def _duty_windows(periods: list[datetime.date]) -> _DutyWindows:
    """Return each duty's windows over the months ``periods``, refusing months of two years."""
    periods = sorted({period.replace(day=1) for period in periods})
    year = periods[0].year
    if periods[-1].year != year:
        raise ValueError("The months of a visit compliance are of one year.")
    quarters = sorted({(period.month - 1) // 3 for period in periods})
    return _DutyWindows(
        year=year,
        leader=[quarter_window(datetime.date(year, q * 3 + 1, 1)) for q in quarters],
        head=[month_window(period) for period in periods],
        weekly=[week for period in periods for week in week_windows(period)],
    )


def _department_heads(assignments: list[Assignment]) -> dict[int, Official]:
    """Return the head of each department of ``assignments``, by department id. One query."""
    return {
        official.department_id: official
        for official in Official.objects.filter(
            rank=OfficialRank.DEPARTMENT_HEAD,
            department_id__in={a.department_id for a in assignments},
        )
    }


def _visit_dates(*, year: int, span: Window) -> dict[tuple[int, int], list[datetime.date]]:
    """Return the sorted visit days within ``span`` of each (assigned enterprise, participant)."""
    visits: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    rows = Visit.participants.through.objects.filter(
        visit__visited_on__gte=span.start,
        visit__visited_on__lte=span.end,
        visit__enterprise_id__in=Assignment.objects.filter(year=year).values("enterprise_id"),
    ).values_list("visit__enterprise_id", "official_id", "visit__visited_on")
    for enterprise_id, official_id, visited_on in rows:
        visits[(enterprise_id, official_id)].append(visited_on)
    for dates in visits.values():
        dates.sort()
    return visits


def _assignment_duties(assignment: Assignment, head: Official | None, windows: _DutyWindows):
    """Return the (duty, official, windows) of one assignment: no head, no head's duty."""
    duties = [(LEADER_QUARTERLY, assignment.leader, windows.leader)]
    if head is not None:
        duties.append((HEAD_MONTHLY, head, windows.head))
    duties.append((RESPONSIBLE_WEEKLY, assignment.responsible, windows.weekly))
    return duties


def get_visit_compliance(*, periods: list[datetime.date], today: datetime.date) -> Compliance:
    """Return each assignment's duties over the windows of the months ``periods``, and totals.

    The months are of one year, that of the assignments. With one month: the leader's quarter
    holding it, the head's month, the responsible person's weeks of the month. With several
    months (e.g. the year, ``year_months``): each quarter once, every month, every week.
    Department totals count the head's and the responsible persons' windows only: the leader's
    duty is the leader's. Three queries whatever the number of assignments.

    The plain computation, window by window, of the whole zone: the reference the fast reads
    below (``list_department_compliance``, ``list_duty_lines``, ``get_scoped_compliance``)
    are tested against. Pages, the API, the assessment and the bulletin use those.
    """
    windows = _duty_windows(periods)
    assignments = list(
        Assignment.objects.filter(year=windows.year)
        .select_related("enterprise", "leader", "responsible")
        .order_by("department_id", "enterprise__name")
    )
    heads = _department_heads(assignments)
    visits = _visit_dates(year=windows.year, span=windows.span)

    lines = []
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for assignment in assignments:
        head = heads.get(assignment.department_id)
        for duty, official, duty_windows in _assignment_duties(assignment, head, windows):
            dates = visits.get((assignment.enterprise_id, official.pk), [])
            met, missed, due, ended = _tally(duty_windows, dates, today)
            lines.append(
                DutyLine(
                    assignment_id=assignment.pk,
                    enterprise_id=assignment.enterprise_id,
                    enterprise_name=assignment.enterprise.name,
                    department_id=assignment.department_id,
                    official_id=official.pk,
                    official_name=official.name,
                    duty=duty,
                    required=len(duty_windows),
                    met=met,
                    missed=missed,
                    due=due,
                )
            )
            if duty in DEPARTMENT_DUTIES:
                total = totals[assignment.department_id]
                for index, value in enumerate((met, missed, due, ended)):
                    total[index] += value
    departments = [
        DepartmentCompliance(department_id, *values)
        for department_id, values in sorted(totals.items())
    ]
    return Compliance(lines=lines, departments=departments)


def scope_compliance(compliance: Compliance, user) -> Compliance:
    """Return the part of ``compliance`` within the user's scope (its assignments, departments)."""
    scope = get_scope(user)
    if scope.everything:
        return compliance
    assignment_ids = set(scope.assignment_ids().values_list("pk", flat=True))
    return Compliance(
        lines=[line for line in compliance.lines if line.assignment_id in assignment_ids],
        departments=[
            row for row in compliance.departments if row.department_id in scope.department_ids
        ],
    )


# -- the fast reads: counted in the database, scoped before computing ---------------------------
#
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


@dataclass(frozen=True)
class OpenDuty:
    """A duty whose current window ends within a few days and has no visit yet."""

    assignment_id: int
    enterprise_name: str
    official: Official
    duty: str
    window: Window

    def days_left(self, today: datetime.date) -> int:
        return (self.window.end - today).days


def list_duties_due_soon(*, today: datetime.date, within_days: int = 2) -> list[OpenDuty]:
    """Return this year's duties whose window holding ``today`` ends within ``within_days``.

    Windows: the quarter for the leader, the month for the department head, the ISO week for
    the responsible person. Only duties with no visit yet in the window. Three queries.
    """
    windows = {
        LEADER_QUARTERLY: quarter_window(today.replace(day=1)),
        HEAD_MONTHLY: month_window(today.replace(day=1)),
        RESPONSIBLE_WEEKLY: Window(
            today - datetime.timedelta(days=today.weekday()),
            today + datetime.timedelta(days=6 - today.weekday()),
        ),
    }
    closing = {duty: w for duty, w in windows.items() if 0 <= (w.end - today).days <= within_days}
    if not closing:
        return []
    assignments = list(
        Assignment.objects.filter(year=today.year).select_related(
            "enterprise", "leader__user", "responsible__user"
        )
    )
    heads = {
        official.department_id: official
        for official in Official.objects.filter(
            rank=OfficialRank.DEPARTMENT_HEAD,
            department_id__in={a.department_id for a in assignments},
        ).select_related("user")
    }
    start = min(w.start for w in closing.values())
    visited: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for enterprise_id, official_id, day in Visit.participants.through.objects.filter(
        visit__visited_on__gte=start,
        visit__visited_on__lte=today,
        visit__enterprise_id__in=[a.enterprise_id for a in assignments],
    ).values_list("visit__enterprise_id", "official_id", "visit__visited_on"):
        visited[(enterprise_id, official_id)].append(day)
    due = []
    for assignment in assignments:
        people = {
            LEADER_QUARTERLY: assignment.leader,
            HEAD_MONTHLY: heads.get(assignment.department_id),
            RESPONSIBLE_WEEKLY: assignment.responsible,
        }
        for duty, window in closing.items():
            official = people[duty]
            if official is None:
                continue
            days = visited.get((assignment.enterprise_id, official.pk), [])
            if not any(window.start <= day <= window.end for day in days):
                due.append(
                    OpenDuty(assignment.pk, assignment.enterprise.name, official, duty, window)
                )
    return due


def iso_week_window(day: datetime.date) -> Window:
    """Return the ISO week (Monday to Sunday) holding ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    return Window(monday, monday + datetime.timedelta(days=6))


def get_compliance_default_month(*, visits: QuerySet, today: datetime.date) -> DefaultPeriod:
    """Return the month the visit-duty page opens on: the latest with duties and a visit.

    ``visits`` are the ones the user may see; a visit counts when its enterprise has an
    assignment (and so duties) in the visit's year. One query.
    """
    assigned = Assignment.objects.filter(
        enterprise=OuterRef("enterprise"), year=ExtractYear(OuterRef("visited_on"))
    )
    return default_month(visits.filter(Exists(assigned)), "visited_on", today=today)
