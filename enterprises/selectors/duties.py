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
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import ExtractYear

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
@dataclass(frozen=True)
class OpenDuty:
    """A duty whose current window ends within a few days and has no visit yet."""

    assignment_id: int
    enterprise_name: str
    official: Official
    duty: str
    window: Window
    department_id: int | None = None  # the sponsoring department of the assignment

    def days_left(self, today: datetime.date) -> int:
        return (self.window.end - today).days


def _visit_days(
    assignments, *, start: datetime.date, today: datetime.date
) -> dict[tuple[int, int], list[datetime.date]]:
    """Return the days each (enterprise, official) visited from ``start`` to ``today``."""
    visited: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for enterprise_id, official_id, day in Visit.participants.through.objects.filter(
        visit__visited_on__gte=start,
        visit__visited_on__lte=today,
        visit__enterprise_id__in=[a.enterprise_id for a in assignments],
    ).values_list("visit__enterprise_id", "official_id", "visit__visited_on"):
        visited[(enterprise_id, official_id)].append(day)
    return visited


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
    visited = _visit_days(assignments, start=min(w.start for w in closing.values()), today=today)
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
                    OpenDuty(
                        assignment.pk,
                        assignment.enterprise.name,
                        official,
                        duty,
                        window,
                        department_id=assignment.department_id,
                    )
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
