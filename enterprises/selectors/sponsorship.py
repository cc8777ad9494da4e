"""Reads of the sponsorship for the officials' pages: whose assignments are whose, and "my
enterprises" with their duties and open problems."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from ..choices import OfficialRank, ProblemStatus
from ..models import Assignment, Enterprise, MonthlyReport, Official, Problem, Visit
from .duties import Window, iso_week_window, month_window, quarter_window

LEADER, HEAD, RESPONSIBLE, TEAM = "leader", "head", "responsible", "team"


def involvement(official: Official) -> Q:
    """Return the condition selecting the assignments ``official`` works on.

    As leader, as head of the sponsoring department, as responsible person or as a team member.
    """
    condition = Q(leader=official) | Q(responsible=official) | Q(team=official)
    if official.rank == OfficialRank.DEPARTMENT_HEAD:
        condition |= Q(department_id=official.department_id)
    return condition


def is_involved(official: Official | None, *, enterprise_id: int, year: int) -> bool:
    """Return whether ``official`` works on the enterprise's assignment of ``year``."""
    if official is None:
        return False
    return Assignment.objects.filter(
        involvement(official), enterprise_id=enterprise_id, year=year
    ).exists()


def get_latest_assignment_year(*, official: Official, before: int) -> int | None:
    """Return the latest year before ``before`` in which ``official`` worked on an assignment."""
    return (
        Assignment.objects.filter(involvement(official), year__lt=before)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Duty:
    """One of the official's visit duties on an assignment, for the window holding today."""

    role: str
    window: Window
    met: bool
    days_left: int

    @property
    def state(self) -> str:
        return "met" if self.met else "due"


@dataclass(frozen=True)
class MyAssignment:
    """An assignment as its official sees it on "my enterprises"."""

    assignment: Assignment
    roles: list[str]
    duties: list[Duty]
    last_visit: datetime.date | None
    open_problems: int
    latest_period: datetime.date | None
    latest_output: object

    @property
    def due_count(self) -> int:
        return sum(1 for duty in self.duties if not duty.met)

    @property
    def sort_key(self) -> tuple:
        """Return the card's place: a duty still due first, nearest deadline first, then name.

        Cards whose duties are all done come next, then cards without a duty (a team member's);
        each group by enterprise name. The last visit plays no part, so logging a visit moves
        only the enterprise visited.
        """
        deadlines = [duty.window.end for duty in self.duties if not duty.met]
        urgency = 0 if deadlines else (1 if self.duties else 2)
        enterprise = self.assignment.enterprise
        return (urgency, min(deadlines, default=datetime.date.max), enterprise.name, enterprise.pk)


def _my_assignment_rows(official: Official, year: int) -> list[Assignment]:
    """Return the official's assignments of ``year`` with their enterprise's last visit, open
    problems and latest report, by enterprise name. One query."""
    latest = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise")).order_by("-period")
    last_visit = Visit.objects.filter(enterprise=OuterRef("enterprise")).order_by("-visited_on")
    open_problems = (
        Problem.objects.filter(enterprise=OuterRef("enterprise"))
        .exclude(status=ProblemStatus.RESOLVED)
        .values("enterprise")
        .annotate(count=Count("id"))
        .values("count")
    )
    return list(
        Assignment.objects.filter(involvement(official), year=year)
        .distinct()
        .select_related("enterprise", "department", "leader", "responsible")
        .annotate(
            last_visit=Subquery(last_visit.values("visited_on")[:1]),
            open_problems=Coalesce(Subquery(open_problems), 0),
            latest_period=Subquery(latest.values("period")[:1]),
            latest_output=Subquery(latest.values("output_value")[:1]),
            in_team=Count("team", filter=Q(team=official)),
        )
        .order_by("enterprise__name")
    )


def _my_visit_days(
    official: Official, assignments: list[Assignment], *, since: datetime.date, today: datetime.date
) -> dict[int, list[datetime.date]]:
    """Return the days the official visited each enterprise of ``assignments``. One query."""
    days: dict[int, list[datetime.date]] = {}
    for enterprise_id, visited_on in Visit.participants.through.objects.filter(
        official=official,
        visit__enterprise_id__in=[a.enterprise_id for a in assignments],
        visit__visited_on__gte=since,
        visit__visited_on__lte=today,
    ).values_list("visit__enterprise_id", "visit__visited_on"):
        days.setdefault(enterprise_id, []).append(visited_on)
    return days


def _my_roles(official: Official, assignment: Assignment) -> list[str]:
    """Return the official's roles on the assignment; a team member's only if no other."""
    roles = []
    if assignment.leader_id == official.pk:
        roles.append(LEADER)
    if (
        official.rank == OfficialRank.DEPARTMENT_HEAD
        and assignment.department_id == official.department_id
    ):
        roles.append(HEAD)
    if assignment.responsible_id == official.pk:
        roles.append(RESPONSIBLE)
    if assignment.in_team and not roles:
        roles.append(TEAM)
    return roles


def list_my_assignments(
    *, official: Official, year: int, today: datetime.date
) -> list[MyAssignment]:
    """Return the official's assignments of ``year`` with their duties for the current window.

    The leader's window is the quarter, the head's the month, the responsible person's the ISO
    week holding ``today``; a duty is met once the official took part in a visit to the
    enterprise in it. Ordered by ``MyAssignment.sort_key``: duties still due first, the nearest
    deadline first, then by enterprise name. Three queries.
    """
    assignments = _my_assignment_rows(official, year)
    windows = {
        LEADER: quarter_window(today.replace(day=1)),
        HEAD: month_window(today.replace(day=1)),
        RESPONSIBLE: iso_week_window(today),
    }
    earliest = min(window.start for window in windows.values())
    my_visits = _my_visit_days(official, assignments, since=earliest, today=today)
    result = []
    for assignment in assignments:
        roles = _my_roles(official, assignment)
        dates = my_visits.get(assignment.enterprise_id, [])
        duties = [
            Duty(
                role=role,
                window=windows[role],
                met=any(windows[role].start <= day <= windows[role].end for day in dates),
                days_left=(windows[role].end - today).days,
            )
            for role in roles
            if role in windows
        ]
        result.append(
            MyAssignment(
                assignment=assignment,
                roles=roles,
                duties=duties,
                last_visit=assignment.last_visit,
                open_problems=assignment.open_problems,
                latest_period=assignment.latest_period,
                latest_output=assignment.latest_output,
            )
        )
    return sorted(result, key=lambda item: item.sort_key)


def list_suggested_participants(*, enterprise: Enterprise, year: int) -> list[Official]:
    """Return the people of the enterprise's assignment: leader, head, responsible, team."""
    assignment = (
        Assignment.objects.filter(enterprise=enterprise, year=year)
        .select_related("leader", "responsible", "department")
        .prefetch_related("team")
        .first()
    )
    if assignment is None:
        return []
    people = [assignment.leader, assignment.responsible, *assignment.team.all()]
    head = Official.objects.filter(
        department_id=assignment.department_id, rank="department_head"
    ).first()
    if head:
        people.insert(1, head)
    unique = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())
