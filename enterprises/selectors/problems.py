"""Reads of the problems (企业诉求): the "13710" clocks, the lists, and who may take which step.

A problem is assigned to a department within 1 day of being raised, gets its first feedback to
the enterprise within 3 days, and is solved within 7 days (ordinary) or 30 days (major); the
days are configurable in ``settings.HENGKOU_PROBLEM_CLOCKS``. "Solved" for the clock means
confirmed: a problem is resolved only when the department has written its resolution and the
enterprise (or the official who raised it) has confirmed it with a satisfaction rating 1–5.
The writes of the workflow are in ``enterprises.services.problems``, the escalation of a missed
clock in ``enterprises.services.escalation``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, DateField, ExpressionWrapper, F, IntegerField, Q, QuerySet, When
from django.db.models import Value as V
from django.db.models.functions import Coalesce

from ..choices import ProblemClock, ProblemSeverity, ProblemStatus
from ..models import Assignment, Department, Enterprise, Official, Problem

DEFAULT_CLOCKS = {"assign": 1, "feedback": 3, "solve_ordinary": 7, "solve_major": 30}

MET, RUNNING, MISSED = "met", "running", "missed"

ASSIGN, FEEDBACK, SOLVE, CONFIRM, REJECT = "assign", "feedback", "solve", "confirm", "reject"
ACTIONS = (ASSIGN, FEEDBACK, SOLVE, CONFIRM, REJECT)

# The steps a problem can take from each status, whoever asks.
STATUS_ACTIONS: dict[str, frozenset[str]] = {
    ProblemStatus.OPEN: frozenset({ASSIGN}),
    ProblemStatus.ASSIGNED: frozenset({ASSIGN, FEEDBACK, SOLVE}),
    ProblemStatus.IN_PROGRESS: frozenset({ASSIGN, FEEDBACK, SOLVE}),
    ProblemStatus.SOLVED: frozenset({CONFIRM, REJECT}),
    ProblemStatus.RESOLVED: frozenset(),
}


# --- clocks --------------------------------------------------------------------------------------


def clock_days() -> dict[str, int]:
    """Return the days allowed by each clock: the "13710" defaults, overridden by settings."""
    return {**DEFAULT_CLOCKS, **getattr(settings, "HENGKOU_PROBLEM_CLOCKS", {})}


def solve_days(severity: str) -> int:
    """Return the days allowed to solve a problem of ``severity``."""
    days = clock_days()
    return days["solve_major"] if severity == ProblemSeverity.MAJOR else days["solve_ordinary"]


def due_on_for(*, raised_on: datetime.date, severity: str) -> datetime.date:
    """Return the date by which a problem raised on ``raised_on`` must be solved."""
    return raised_on + datetime.timedelta(days=solve_days(severity))


@dataclass(frozen=True)
class ClockState:
    """One clock of a problem as of a day.

    ``state`` is ``met`` (done by the deadline), ``running`` (not done, deadline not passed) or
    ``missed`` (done after the deadline, or not done and the deadline has passed).
    ``days_left`` is set while the clock is not done: the days until the deadline (0 on the
    deadline itself), negative once it has passed; it is None once done.
    """

    clock: str
    deadline: datetime.date
    done_on: datetime.date | None
    state: str
    days_left: int | None

    @property
    def label(self) -> str:
        return ProblemClock(self.clock).label

    @property
    def done(self) -> bool:
        return self.done_on is not None

    @property
    def days_late(self) -> int:
        """Return how many days past the deadline the clock was done, or is running; 0 if none."""
        if self.done_on is not None:
            return max((self.done_on - self.deadline).days, 0)
        return max(-self.days_left, 0)


def _clock(clock: str, deadline, done_on, today: datetime.date) -> ClockState:
    if done_on is not None:
        return ClockState(clock, deadline, done_on, MET if done_on <= deadline else MISSED, None)
    return ClockState(
        clock, deadline, None, MISSED if today > deadline else RUNNING, (deadline - today).days
    )


def problem_clocks(problem: Problem, today: datetime.date) -> tuple[ClockState, ...]:
    """Return the assign, feedback and solve clocks of ``problem`` as of ``today``.

    The solve clock runs to ``due_on`` (set from the severity when the problem is raised) and is
    done only when the solution is confirmed (``resolved_on``).
    """
    days = clock_days()
    raised_on = problem.raised_on
    solve_deadline = problem.due_on or due_on_for(raised_on=raised_on, severity=problem.severity)
    return (
        _clock(
            ProblemClock.ASSIGN,
            raised_on + datetime.timedelta(days=days["assign"]),
            problem.assigned_on,
            today,
        ),
        _clock(
            ProblemClock.FEEDBACK,
            raised_on + datetime.timedelta(days=days["feedback"]),
            problem.first_feedback_on,
            today,
        ),
        _clock(ProblemClock.SOLVE, solve_deadline, problem.resolved_on, today),
    )


def _raised_plus(days: int) -> ExpressionWrapper:
    return ExpressionWrapper(
        F("raised_on") + datetime.timedelta(days=days), output_field=DateField()
    )


def solve_deadline_of() -> Coalesce:
    """Return the solve deadline in SQL: ``due_on``, or computed from the severity if unset."""
    days = clock_days()
    return Coalesce(
        "due_on",
        Case(
            When(severity=ProblemSeverity.MAJOR, then=_raised_plus(days["solve_major"])),
            default=_raised_plus(days["solve_ordinary"]),
            output_field=DateField(),
        ),
        output_field=DateField(),
    )


def missed_not_done(today: datetime.date) -> Q:
    """Return the condition "some clock is not done and past its deadline" (needs the alias)."""
    days = clock_days()
    return (
        Q(assigned_on__isnull=True, raised_on__lt=today - datetime.timedelta(days=days["assign"]))
        | Q(
            first_feedback_on__isnull=True,
            raised_on__lt=today - datetime.timedelta(days=days["feedback"]),
        )
        | Q(resolved_on__isnull=True, solve_deadline__lt=today)
    )


def _overdue(today: datetime.date) -> Q:
    """Return the condition "not resolved, some clock missed" (needs the solve_deadline alias)."""
    days = clock_days()
    done_late = Q(assigned_on__gt=_raised_plus(days["assign"])) | Q(
        first_feedback_on__gt=_raised_plus(days["feedback"])
    )
    return ~Q(status=ProblemStatus.RESOLVED) & (missed_not_done(today) | done_late)


# --- reads ---------------------------------------------------------------------------------------


def list_problems(
    *,
    department: Department | int | None = None,
    enterprise: Enterprise | int | None = None,
    status: str = "",
    today: datetime.date,
) -> QuerySet[Problem]:
    """Return problems joined with their enterprise and department, overdue ones first.

    A problem is overdue when it is not resolved and any of its clocks is missed (done late or
    not done by its deadline); each carries ``overdue_rank``, 0 when overdue. Then the open
    ones by due date (none last), then the resolved ones, newest raised first: years of
    resolved problems never push this month's open ones off the first page. ``status`` is a
    stored status, ``open`` (not resolved) or ``overdue``.
    """
    problems = (
        Problem.objects.select_related("enterprise", "department")
        .alias(solve_deadline=solve_deadline_of())
        .annotate(
            overdue_rank=Case(
                When(_overdue(today), then=V(0)), default=V(1), output_field=IntegerField()
            )
        )
    )
    if department is not None:
        problems = problems.filter(department=department)
    if enterprise is not None:
        problems = problems.filter(enterprise=enterprise)
    if status == "overdue":
        problems = problems.filter(overdue_rank=0)
    elif status == "open":
        problems = problems.exclude(status=ProblemStatus.RESOLVED)
    elif status:
        problems = problems.filter(status=status)
    return problems.annotate(
        resolved_rank=Case(
            When(status=ProblemStatus.RESOLVED, then=V(1)),
            default=V(0),
            output_field=IntegerField(),
        )
    ).order_by(
        "overdue_rank",
        "resolved_rank",
        Case(When(resolved_rank=0, then=F("due_on"))).asc(nulls_last=True),
        "-raised_on",
        "-id",
    )


def _on_assignment(official: Official, problem: Problem) -> bool:
    return (
        Assignment.objects.filter(enterprise_id=problem.enterprise_id, year=problem.raised_on.year)
        .filter(Q(leader=official) | Q(responsible=official) | Q(team=official))
        .exists()
    )


def problem_permissions(user, problem: Problem, *, ignore_status: bool = False) -> set[str]:
    """Return the steps ``user`` may take on ``problem`` among assign, feedback, solve, confirm
    and reject.

    Superusers take every step; a user with ``enterprises.change_problem`` assigns; the
    officials of the responsible department give feedback and solve; the official who raised
    the problem and the officials of the enterprise's assignment of that year (leader,
    responsible person, team) confirm or reject the solution on the enterprise's behalf. Only
    the steps possible from the current status are returned, unless ``ignore_status``.
    """
    if not (user and user.is_authenticated and user.is_active):
        return set()
    if user.is_superuser:
        allowed = set(ACTIONS)
    else:
        allowed = set()
        if user.has_perm("enterprises.change_problem"):
            allowed.add(ASSIGN)
        official = Official.objects.filter(user=user).first()
        if official is not None:
            if problem.department_id and official.department_id == problem.department_id:
                allowed |= {FEEDBACK, SOLVE}
            if problem.raised_by_id == official.pk or _on_assignment(official, problem):
                allowed |= {CONFIRM, REJECT}
    if not ignore_status:
        allowed &= STATUS_ACTIONS[problem.status]
    return allowed
