"""Reads of the enterprises app for the officials' pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear

from core.numbers import cents
from core.periods import DefaultPeriod, default_month

from .choices import ChainRole, OfficialRank, ProblemStatus
from .duties import Window, month_window, quarter_window
from .models import Assignment, Enterprise, MonthlyReport, Official, Problem, Visit

LEADER, HEAD, RESPONSIBLE, TEAM = "leader", "head", "responsible", "team"


def iso_week_window(day: datetime.date) -> Window:
    """Return the ISO week (Monday to Sunday) holding ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    return Window(monday, monday + datetime.timedelta(days=6))


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


def get_compliance_default_month(*, visits: QuerySet, today: datetime.date) -> DefaultPeriod:
    """Return the month the visit-duty page opens on: the latest with duties and a visit.

    ``visits`` are the ones the user may see; a visit counts when its enterprise has an
    assignment (and so duties) in the visit's year. One query.
    """
    assigned = Assignment.objects.filter(
        enterprise=OuterRef("enterprise"), year=ExtractYear(OuterRef("visited_on"))
    )
    return default_month(visits.filter(Exists(assigned)), "visited_on", today=today)


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


def list_my_assignments(
    *, official: Official, year: int, today: datetime.date
) -> list[MyAssignment]:
    """Return the official's assignments of ``year`` with their duties for the current window.

    The leader's window is the quarter, the head's the month, the responsible person's the ISO
    week holding ``today``; a duty is met once the official took part in a visit to the
    enterprise in it. Ordered by ``MyAssignment.sort_key``: duties still due first, the nearest
    deadline first, then by enterprise name. Three queries.
    """
    latest = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise")).order_by("-period")
    last_visit = Visit.objects.filter(enterprise=OuterRef("enterprise")).order_by("-visited_on")
    open_problems = (
        Problem.objects.filter(enterprise=OuterRef("enterprise"))
        .exclude(status=ProblemStatus.RESOLVED)
        .values("enterprise")
        .annotate(count=Count("id"))
        .values("count")
    )
    assignments = list(
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
    windows = {
        LEADER: quarter_window(today.year, today.month),
        HEAD: month_window(today.year, today.month),
        RESPONSIBLE: iso_week_window(today),
    }
    earliest = min(window.start for window in windows.values())
    my_visits: dict[int, list[datetime.date]] = {}
    for enterprise_id, visited_on in Visit.participants.through.objects.filter(
        official=official,
        visit__enterprise_id__in=[a.enterprise_id for a in assignments],
        visit__visited_on__gte=earliest,
        visit__visited_on__lte=today,
    ).values_list("visit__enterprise_id", "visit__visited_on"):
        my_visits.setdefault(enterprise_id, []).append(visited_on)

    result = []
    for assignment in assignments:
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


@dataclass(frozen=True)
class RoleCount:
    """An industry chain's enterprises of one role and the jobs they give."""

    role: str
    enterprises: int
    employees: int
    poverty_employees: int
    output: Decimal = Decimal("0.00")
    revenue: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ChainStats:
    """An industry chain's enterprises by role, and the totals."""

    chain: str
    roles: dict[str, RoleCount]
    year: int | None = None

    @property
    def enterprises(self) -> int:
        return sum(count.enterprises for count in self.roles.values())

    @property
    def employees(self) -> int:
        return sum(count.employees for count in self.roles.values())

    @property
    def poverty_employees(self) -> int:
        return sum(count.poverty_employees for count in self.roles.values())

    @property
    def output(self) -> Decimal:
        return sum((count.output for count in self.roles.values()), Decimal("0.00"))

    @property
    def revenue(self) -> Decimal:
        return sum((count.revenue for count in self.roles.values()), Decimal("0.00"))


def get_chain_stats(*, chain: str, year: int | None = None) -> ChainStats:
    """Return a chain's enterprises, employees and employees out of poverty by role; one query.

    Every role of the chain is present (0 when none); enterprises without a role are under "".
    With ``year``, each role also carries the year's output and revenue (万元): the December row
    of the year-to-date rollup, i.e. the sum of the months reported so far.
    """
    rows = Enterprise.objects.filter(chain=chain)
    sums = {}
    if year is not None:
        rows = rows.annotate(
            year_rollup=FilteredRelation(
                "ytd_rows", condition=Q(ytd_rows__period=datetime.date(year, 12, 1))
            )
        )
        sums = {"output": Sum("year_rollup__output_value"), "revenue": Sum("year_rollup__revenue")}
    rows = (
        rows.values("chain_role")
        .annotate(n=Count("pk"), jobs=Sum("employees"), poverty=Sum("poverty_employees"), **sums)
        .order_by()
    )
    roles = {role: RoleCount(role, 0, 0, 0) for role in ChainRole.values}
    for row in rows:
        roles[row["chain_role"]] = RoleCount(
            row["chain_role"],
            row["n"],
            row["jobs"] or 0,
            row["poverty"] or 0,
            cents(row.get("output")),
            cents(row.get("revenue")),
        )
    return ChainStats(chain=chain, roles=roles, year=year)
