"""The escalation of a missed "13710" clock of a problem (企业诉求) to its sponsoring leader.

The clocks (domain.md, 13710) are read in ``enterprises.selectors.problems``; the steps that stop
them are in ``enterprises.services.problems``."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from ..choices import ProblemAction, ProblemClock, ProblemStatus
from ..models import Assignment, Official, Problem, ProblemEvent
from ..selectors.problems import MISSED, missed_not_done, problem_clocks, solve_deadline_of


@dataclass(frozen=True)
class Escalation:
    """A clock just escalated to the problem's sponsoring leader, for a notification."""

    problem: Problem
    clock: str
    deadline: datetime.date
    leader_user: object | None

    @property
    def title(self) -> str:
        return gettext("Problem overdue: %(enterprise)s") % {"enterprise": self.problem.enterprise}

    @property
    def body(self) -> str:
        return gettext(
            "The problem of %(enterprise)s raised on %(raised_on)s (%(category)s) missed its "
            "deadline of %(deadline)s: %(clock)s. As its sponsoring leader, see that it is "
            "dealt with."
        ) % {
            "enterprise": self.problem.enterprise,
            "raised_on": self.problem.raised_on.isoformat(),
            "category": self.problem.get_category_display(),
            "deadline": self.deadline.isoformat(),
            "clock": ProblemClock(self.clock).label,
        }

    @property
    def url(self) -> str:
        return reverse("problems:detail", args=[self.problem.pk])


def _sponsoring_leaders(candidates) -> dict[tuple[int, int], Official]:
    """Return the leader of each (enterprise, year) assignment of the candidates' enterprises."""
    return {
        (assignment.enterprise_id, assignment.year): assignment.leader
        for assignment in Assignment.objects.filter(
            enterprise__in=candidates.values("enterprise_id")
        ).select_related("leader__user")
    }


def _new_escalations(
    problems: list[Problem],
    *,
    escalated: set[tuple[int, str]],
    leaders: dict[tuple[int, int], Official],
    today: datetime.date,
    now: datetime.datetime,
) -> tuple[list[ProblemEvent], list[Escalation]]:
    """Return the events and escalations of the missed clocks not escalated yet, unsaved."""
    events, escalations = [], []
    for problem in problems:
        leader = leaders.get((problem.enterprise_id, problem.raised_on.year))
        for clock in problem_clocks(problem, today):
            if clock.done or clock.state != MISSED or (problem.pk, clock.clock) in escalated:
                continue
            events.append(
                ProblemEvent(
                    problem=problem,
                    action=ProblemAction.ESCALATED,
                    clock=clock.clock,
                    note=leader.name if leader else "",
                    at=now,
                )
            )
            user = leader.user if leader else None
            escalations.append(
                Escalation(
                    problem=problem,
                    clock=clock.clock,
                    deadline=clock.deadline,
                    leader_user=user if user is not None and user.is_active else None,
                )
            )
    return events, escalations


@transaction.atomic
def escalate_missed_clocks(
    *,
    today: datetime.date,
    now: datetime.datetime,
    notify: Callable[[list[Escalation]], object] | None = None,
) -> int:
    """Escalate each missed clock of the unresolved problems to the sponsoring leader, once.

    A clock is escalated when it is not done and its deadline has passed; each (problem, clock)
    gets one ``escalated`` event, ever. The leader is the one of the enterprise's assignment for
    the year the problem was raised. ``notify`` receives the new escalations whose leader has
    an active login, all at once (for in-app notifications). Returns the number of escalations
    written; a constant number of queries whatever the number of problems.
    """
    candidates = (
        Problem.objects.alias(solve_deadline=solve_deadline_of())
        .exclude(status=ProblemStatus.RESOLVED)
        .filter(missed_not_done(today))
    )
    # The row locks make a second run at the same time wait, then find the events written.
    problems = list(
        candidates.select_for_update(of=("self",)).select_related("enterprise").order_by("pk")
    )
    if not problems:
        return 0
    escalated = set(
        ProblemEvent.objects.filter(
            action=ProblemAction.ESCALATED, problem__in=candidates.values("pk")
        ).values_list("problem_id", "clock")
    )
    leaders = _sponsoring_leaders(candidates)
    events, escalations = _new_escalations(
        problems, escalated=escalated, leaders=leaders, today=today, now=now
    )
    ProblemEvent.objects.bulk_create(events)
    reachable = [escalation for escalation in escalations if escalation.leader_user is not None]
    if notify is not None and reachable:
        notify(reachable)
    return len(events)
