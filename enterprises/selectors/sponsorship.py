"""Reads of the sponsorship for the officials' pages: whose assignments are whose, and "my
enterprises" with their duties and open problems."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from ..choices import OfficialRank, ProblemStatus
from ..models import Assignment, Enterprise, MonthlyReport, Official, Problem, Visit
from .duties import Window, iso_week_window, month_window, quarter_window

LEADER, HEAD, RESPONSIBLE, TEAM = "leader", "head", "responsible", "team"
# The states of a card of "my enterprises", in the order they are listed.
DUE, DONE, NO_DUTY = "due", "done", "none"
STATES = (DUE, DONE, NO_DUTY)
MY_PAGE_SIZE = 24


def involvement(official: Official) -> Q:
    """Return the condition selecting the assignments ``official`` works on.

    As leader, as head of the sponsoring department, as responsible person or as a team member
    (a subquery, so the assignments need no join with the team nor a DISTINCT).
    """
    team = Assignment.team.through.objects.filter(official=official).values("assignment_id")
    condition = Q(leader=official) | Q(responsible=official) | Q(pk__in=team)
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


def has_assignments(official: Official, year: int) -> bool:
    """Return whether ``official`` works on any assignment of ``year``."""
    return Assignment.objects.filter(involvement(official), year=year).exists()


def get_latest_assignment_year(*, official: Official, before: int) -> int | None:
    """Return the latest year before ``before`` in which ``official`` worked on an assignment.

    One query: the years of each of ``involvement``'s conditions apart (each read by its own
    index), then the latest. The conditions joined by OR made the database walk every
    assignment backwards by year when there was none, 80 ms at city scale.
    """
    team = Assignment.team.through.objects.filter(official=official).values("assignment_id")
    conditions = [Q(leader=official), Q(responsible=official), Q(pk__in=team)]
    if official.rank == OfficialRank.DEPARTMENT_HEAD:
        conditions.append(Q(department_id=official.department_id))
    years = [
        Assignment.objects.filter(condition, year__lt=before)
        .order_by()
        .values_list("year", flat=True)
        for condition in conditions
    ]
    return years[0].union(*years[1:]).order_by("-year").first()


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
class MyCard:
    """What places an assignment on "my enterprises": the official's roles and duties on it."""

    assignment_id: int
    enterprise_id: int
    enterprise_name: str
    roles: tuple[str, ...]
    duties: tuple[Duty, ...]

    @property
    def state(self) -> str:
        """Return ``due`` (a duty still due), ``done`` (every duty met) or ``none`` (no duty)."""
        if not self.duties:
            return NO_DUTY
        return DONE if all(duty.met for duty in self.duties) else DUE

    @property
    def sort_key(self) -> tuple:
        """Return the card's place: a duty still due first, nearest deadline first, then name.

        Cards whose duties are all done come next, then cards without a duty (a team member's);
        each group by enterprise name. The last visit plays no part, so logging a visit moves
        only the enterprise visited.
        """
        deadlines = [duty.window.end for duty in self.duties if not duty.met]
        urgency = 0 if deadlines else (1 if self.duties else 2)
        return (urgency, min(deadlines, default=datetime.date.max), self.enterprise_name)


@dataclass(frozen=True)
class MyAssignment:
    """An assignment as its official sees it on "my enterprises"."""

    assignment: Assignment
    roles: tuple[str, ...]
    duties: tuple[Duty, ...]
    last_visit: datetime.date | None
    open_problems: int
    latest_period: datetime.date | None
    latest_output: object

    @property
    def due_count(self) -> int:
        return sum(1 for duty in self.duties if not duty.met)


@dataclass(frozen=True)
class MyEnterprisesPage:
    """A page of "my enterprises": its cards, and how many cards are in each state."""

    page: Page  # of MyCard, in their order
    items: list[MyAssignment]  # the page's cards, in the same order
    counts: dict[str, int]  # cards matching the search, by state (DUE, DONE, NO_DUTY)
    state: str  # the state shown, or "" for every card

    @property
    def total(self) -> int:
        """Return how many cards match the search, whatever their state."""
        return sum(self.counts.values())


def _my_roles(me: int, head_of: int | None, leader_id, responsible_id, department_id, in_team):
    """Return the roles of the official ``me`` (head of the department ``head_of``, if any) on
    an assignment; a team member's only if no other."""
    roles = []
    if leader_id == me:
        roles.append(LEADER)
    if department_id == head_of:
        roles.append(HEAD)
    if responsible_id == me:
        roles.append(RESPONSIBLE)
    if in_team and not roles:
        roles.append(TEAM)
    return tuple(roles)


def _my_visit_days(
    official: Official, *, since: datetime.date, today: datetime.date
) -> dict[int, list[datetime.date]]:
    """Return the days from ``since`` to ``today`` the official visited each enterprise."""
    days: dict[int, list[datetime.date]] = {}
    for enterprise_id, visited_on in Visit.participants.through.objects.filter(
        official=official, visit__visited_on__gte=since, visit__visited_on__lte=today
    ).values_list("visit__enterprise_id", "visit__visited_on"):
        days.setdefault(enterprise_id, []).append(visited_on)
    return days


def list_my_cards(
    *, official: Official, year: int, today: datetime.date, search: str = ""
) -> list[MyCard]:
    """Return the official's assignments of ``year`` as cards, their duties for today's window.

    The leader's window is the quarter, the head's the month, the responsible person's the ISO
    week holding ``today``; a duty is met once the official took part in a visit to the
    enterprise in it. ``search`` keeps the enterprises whose name holds it. Ordered by
    ``MyCard.sort_key``: duties still due first, the nearest deadline first, then by enterprise
    name. Two queries, reading plain values.
    """
    windows = {
        LEADER: quarter_window(today.replace(day=1)),
        HEAD: month_window(today.replace(day=1)),
        RESPONSIBLE: iso_week_window(today),
    }
    assignments = Assignment.objects.filter(involvement(official), year=year)
    if search:
        assignments = assignments.filter(enterprise__name__icontains=search)
    team = Assignment.team.through.objects.filter(official=official, assignment=OuterRef("pk"))
    rows = assignments.annotate(in_team=Exists(team)).order_by().values_list(
        "pk", "enterprise_id", "enterprise__name", "leader_id", "responsible_id", "department_id",
        "in_team",
    )  # fmt: skip
    since = min(window.start for window in windows.values())
    visits = _my_visit_days(official, since=since, today=today)
    # A role's duty is the same on every card but for being met: two values per role, shared.
    duty = {
        (role, met): Duty(role=role, window=window, met=met, days_left=(window.end - today).days)
        for role, window in windows.items()
        for met in (False, True)
    }
    head_of = official.department_id if official.rank == OfficialRank.DEPARTMENT_HEAD else None
    me = official.pk
    cards = []
    for pk, enterprise_id, name, leader_id, responsible_id, department_id, in_team in rows:
        roles = _my_roles(me, head_of, leader_id, responsible_id, department_id, in_team)
        days = visits.get(enterprise_id, ())
        duties = tuple(
            duty[role, any(windows[role].start <= day <= windows[role].end for day in days)]
            for role in roles
            if role in windows
        )
        cards.append(MyCard(pk, enterprise_id, name, roles, duties))
    return sorted(cards, key=lambda card: (*card.sort_key, card.enterprise_id))


def _my_assignments(cards: list[MyCard]) -> list[MyAssignment]:
    """Return the cards' assignments with their enterprise's last visit, open problems and
    latest report, in the cards' order. One query."""
    latest = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise")).order_by("-period")
    last_visit = Visit.objects.filter(enterprise=OuterRef("enterprise")).order_by("-visited_on")
    open_problems = (
        Problem.objects.filter(enterprise=OuterRef("enterprise"))
        .exclude(status=ProblemStatus.RESOLVED)
        .values("enterprise")
        .annotate(count=Count("id"))
        .values("count")
    )
    if not cards:
        return []
    assignments = {
        assignment.pk: assignment
        for assignment in Assignment.objects.filter(pk__in=[card.assignment_id for card in cards])
        .order_by()
        .select_related("enterprise", "department")
        # What a card and the download show: the rest of the records stays unread.
        .only("year", "enterprise__name", "department__name")
        .annotate(
            last_visit=Subquery(last_visit.values("visited_on")[:1]),
            open_problems=Coalesce(Subquery(open_problems), 0),
            latest_period=Subquery(latest.values("period")[:1]),
            latest_output=Subquery(latest.values("output_value")[:1]),
        )
    }
    return [
        MyAssignment(
            assignment=(assignment := assignments[card.assignment_id]),
            roles=card.roles,
            duties=card.duties,
            last_visit=assignment.last_visit,
            open_problems=assignment.open_problems,
            latest_period=assignment.latest_period,
            latest_output=assignment.latest_output,
        )
        for card in cards
    ]


def list_my_assignments(
    *, official: Official, year: int, today: datetime.date, search: str = "", state: str = ""
) -> list[MyAssignment]:
    """Return every card of "my enterprises" in its order (see list_my_cards), with the
    enterprise's last visit, open problems and latest figures; ``state`` keeps the cards in that
    state. Three queries."""
    cards = list_my_cards(official=official, year=year, today=today, search=search)
    return _my_assignments([card for card in cards if not state or card.state == state])


def get_my_enterprises_page(
    *,
    official: Official,
    year: int,
    today: datetime.date,
    search: str = "",
    state: str = "",
    page: object = 1,
) -> MyEnterprisesPage:
    """Return a page of "my enterprises": the cards in their order, filtered by ``search`` and
    ``state``, ``MY_PAGE_SIZE`` to a page, and the count of the matching cards in each state
    (so they add up to the total). Only the page's cards are read in full: three queries
    whatever their number.
    """
    cards = list_my_cards(official=official, year=year, today=today, search=search)
    counts = dict.fromkeys(STATES, 0)
    for card in cards:
        counts[card.state] += 1
    shown = [card for card in cards if not state or card.state == state]
    chosen = Paginator(shown, MY_PAGE_SIZE).get_page(page)
    return MyEnterprisesPage(
        page=chosen, items=_my_assignments(list(chosen.object_list)), counts=counts, state=state
    )


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
