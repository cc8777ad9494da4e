"""The problems (企业诉求) workflow: the "13710" clocks, its reads and its writes.

A problem is assigned to a department within 1 day of being raised, gets its first feedback to
the enterprise within 3 days, and is solved within 7 days (ordinary) or 30 days (major); the
days are configurable in ``settings.HENGKOU_PROBLEM_CLOCKS``. "Solved" for the clock means
confirmed: a problem is resolved only when the department has written its resolution and the
enterprise (or the official who raised it) has confirmed it with a satisfaction rating 1–5.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DateField, ExpressionWrapper, F, IntegerField, Q, QuerySet, When
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.scoping import in_scope

from .choices import ProblemAction, ProblemClock, ProblemSeverity, ProblemStatus
from .models import Assignment, Department, Enterprise, Official, Problem, ProblemEvent, Visit

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


def _solve_deadline() -> Coalesce:
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


def _not_done_and_missed(today: datetime.date) -> Q:
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
    return ~Q(status=ProblemStatus.RESOLVED) & (_not_done_and_missed(today) | done_late)


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
    not done by its deadline); each carries ``overdue_rank``, 0 when overdue. Then by due date
    (none last), newest raised first. ``status`` is a stored status, ``open`` (not resolved)
    or ``overdue``.
    """
    problems = (
        Problem.objects.select_related("enterprise", "department")
        .alias(solve_deadline=_solve_deadline())
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
    return problems.order_by("overdue_rank", F("due_on").asc(nulls_last=True), "-raised_on", "-id")


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


# --- writes --------------------------------------------------------------------------------------


def _lock(problem: Problem) -> None:
    """Reload ``problem`` under a row lock so that two steps at once serialise."""
    problem.refresh_from_db(from_queryset=Problem.objects.select_for_update())


def _date_errors(
    on: datetime.date | None,
    *,
    problem: Problem,
    now: datetime.datetime,
    not_before: datetime.date | None = None,
    not_before_message=None,
) -> dict:
    """Return the errors of a step's date: given, not in the future, not before the problem."""
    if on is None:
        return {"on": _("Give the date of this step.")}
    if on > timezone.localdate(now):
        return {"on": _("A date cannot be in the future.")}
    if on < problem.raised_on:
        return {
            "on": ValidationError(
                _("A date cannot be before the problem was raised (%(date)s)."),
                code="before_raised",
                params={"date": problem.raised_on.isoformat()},
            )
        }
    if not_before is not None and on < not_before:
        return {
            "on": ValidationError(
                not_before_message, code="too_early", params={"date": not_before.isoformat()}
            )
        }
    return {}


def _refuse_status(problem: Problem, action: str, message) -> None:
    if action not in STATUS_ACTIONS[problem.status]:
        raise ValidationError(
            message, code="status", params={"status": problem.get_status_display()}
        )


@transaction.atomic
def raise_problem(
    *,
    enterprise: Enterprise,
    category: str,
    description: str,
    severity: str = ProblemSeverity.ORDINARY,
    department: Department | None = None,
    visit: Visit | None = None,
    raised_by: Official | None = None,
    raised_on: datetime.date,
    acting_user,
    now: datetime.datetime,
) -> Problem:
    """Record an enterprise's problem with its due date, assigned at once if a department is given.

    The due date is 7 days after ``raised_on`` for an ordinary problem and 30 for a major one
    (configurable). Refused, with nothing written, when dated in the future, without a
    description, tied to a visit to another enterprise, or given to a department outside the
    acting user's records (a raiser assigns a problem to their own department, or leaves it to
    be assigned later): the same rule for pages and the API.
    """
    description = (description or "").strip()
    errors = {}
    if raised_on > timezone.localdate(now):
        errors["raised_on"] = _("A problem cannot be raised in the future.")
    if not description:
        errors["description"] = _("Describe the problem.")
    if severity not in ProblemSeverity.values:
        errors["severity"] = _("Choose whether the problem is ordinary or major.")
    if visit is not None and visit.enterprise_id != enterprise.pk:
        errors["visit"] = _("The visit was to another enterprise.")
    if department is not None and acting_user is not None and not in_scope(acting_user, department):
        errors["department"] = _(
            "%(department)s is outside your department's records: choose your own department, "
            "or leave it empty to have the problem assigned later."
        ) % {"department": department.name}
    if errors:
        raise ValidationError(errors)
    problem = Problem(
        enterprise=enterprise,
        visit=visit,
        category=category,
        severity=severity,
        description=description,
        department=department,
        raised_by=raised_by,
        raised_on=raised_on,
        assigned_on=raised_on if department is not None else None,
        due_on=due_on_for(raised_on=raised_on, severity=severity),
        status=ProblemStatus.ASSIGNED if department is not None else ProblemStatus.OPEN,
    )
    problem.full_clean()
    problem.save()
    events = [ProblemEvent(problem=problem, action=ProblemAction.RAISED, at=now, by=acting_user)]
    if department is not None:
        events.append(
            ProblemEvent(
                problem=problem,
                action=ProblemAction.ASSIGNED,
                note=department.name,
                at=now,
                by=acting_user,
            )
        )
    ProblemEvent.objects.bulk_create(events)
    return problem


@transaction.atomic
def assign_problem(
    *,
    problem: Problem,
    department: Department,
    on: datetime.date,
    acting_user,
    now: datetime.datetime,
) -> Problem:
    """Assign a problem to a department, or hand it to another one while it is not yet solved.

    Routing (交办) may name any department: the one that will handle the problem, which then
    sees it. Who may route is who may change the problem (its sponsoring department, an
    administrator); raising a problem names only the raiser's own department (raise_problem).
    The first assignment sets ``assigned_on`` (the assign clock); a later one keeps it.
    """
    _lock(problem)
    _refuse_status(
        problem,
        ASSIGN,
        _("A problem that is %(status)s can no longer be assigned to a department."),
    )
    errors = _date_errors(on, problem=problem, now=now)
    if department is None:
        errors["department"] = _("Choose a department.")
    elif department.pk == problem.department_id:
        errors["department"] = _("The problem is already assigned to this department.")
    if errors:
        raise ValidationError(errors)
    problem.department = department
    if problem.assigned_on is None:
        problem.assigned_on = on
    if problem.status == ProblemStatus.OPEN:
        problem.status = ProblemStatus.ASSIGNED
    problem.save(update_fields=["department", "assigned_on", "status", "updated_at"])
    ProblemEvent.objects.create(
        problem=problem,
        action=ProblemAction.ASSIGNED,
        note=department.name,
        at=now,
        by=acting_user,
    )
    return problem


@transaction.atomic
def give_feedback(
    *, problem: Problem, note: str, on: datetime.date, acting_user, now: datetime.datetime
) -> Problem:
    """Record the department's feedback to the enterprise; the first one stops the feedback clock.

    Feedback moves the problem to ``in_progress``; it never solves it.
    """
    _lock(problem)
    _refuse_status(
        problem,
        FEEDBACK,
        _(
            "Feedback is given on a problem assigned to a department and not yet solved; "
            "this one is %(status)s."
        ),
    )
    note = (note or "").strip()
    errors = _date_errors(
        on,
        problem=problem,
        now=now,
        not_before=problem.assigned_on,
        not_before_message=_(
            "Feedback cannot be dated before the problem was assigned (%(date)s)."
        ),
    )
    if not note:
        errors["note"] = _("Write the feedback given to the enterprise.")
    if errors:
        raise ValidationError(errors)
    if problem.first_feedback_on is None or on < problem.first_feedback_on:
        problem.first_feedback_on = on
    problem.status = ProblemStatus.IN_PROGRESS
    problem.save(update_fields=["first_feedback_on", "status", "updated_at"])
    ProblemEvent.objects.create(
        problem=problem, action=ProblemAction.FEEDBACK, note=note, at=now, by=acting_user
    )
    return problem


@transaction.atomic
def solve_problem(
    *, problem: Problem, resolution: str, on: datetime.date, acting_user, now: datetime.datetime
) -> Problem:
    """Record the department's resolution; the problem then awaits the enterprise's confirmation.

    The problem stays open (status ``solved``, the solve clock still running) until confirmed.
    A resolution is also a reply to the enterprise, so it stops the feedback clock if none did.
    """
    _lock(problem)
    _refuse_status(
        problem,
        SOLVE,
        _(
            "Only a problem assigned to a department and not yet solved can be solved; "
            "this one is %(status)s."
        ),
    )
    resolution = (resolution or "").strip()
    errors = _date_errors(
        on,
        problem=problem,
        now=now,
        not_before=problem.assigned_on,
        not_before_message=_(
            "A solution cannot be dated before the problem was assigned (%(date)s)."
        ),
    )
    if not resolution:
        errors["resolution"] = _("Write the resolution: what was done for the enterprise.")
    if errors:
        raise ValidationError(errors)
    problem.resolution = resolution
    problem.solved_on = on
    if problem.first_feedback_on is None or on < problem.first_feedback_on:
        problem.first_feedback_on = on
    problem.status = ProblemStatus.SOLVED
    problem.save(
        update_fields=["resolution", "solved_on", "first_feedback_on", "status", "updated_at"]
    )
    ProblemEvent.objects.create(
        problem=problem, action=ProblemAction.SOLVED, note=resolution, at=now, by=acting_user
    )
    return problem


@transaction.atomic
def confirm_problem(
    *, problem: Problem, satisfaction: int, on: datetime.date, acting_user, now: datetime.datetime
) -> Problem:
    """Record the enterprise's confirmation of the solution with a satisfaction rating 1–5.

    Only a solved problem can be confirmed; it is then resolved and its solve clock stops.
    """
    _lock(problem)
    _refuse_status(
        problem,
        CONFIRM,
        _(
            "Only a solved problem can be confirmed, once the department has written its "
            "resolution; this one is %(status)s."
        ),
    )
    errors = _date_errors(
        on,
        problem=problem,
        now=now,
        not_before=problem.solved_on,
        not_before_message=_("The confirmation cannot be dated before the solution (%(date)s)."),
    )
    if (
        isinstance(satisfaction, bool)
        or not isinstance(satisfaction, int)
        or not (1 <= satisfaction <= 5)
    ):
        errors["satisfaction"] = _("Rate the satisfaction from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    problem.satisfaction = satisfaction
    problem.resolved_on = on
    problem.status = ProblemStatus.RESOLVED
    problem.save(update_fields=["satisfaction", "resolved_on", "status", "updated_at"])
    ProblemEvent.objects.create(
        problem=problem, action=ProblemAction.CONFIRMED, at=now, by=acting_user
    )
    return problem


@transaction.atomic
def reject_solution(*, problem: Problem, note: str, acting_user, now: datetime.datetime) -> Problem:
    """Send an unconfirmed solution back to the department: a reply that solves nothing.

    The problem returns to ``in_progress`` without a resolution; the rejected one stays in the
    history, and the solve clock keeps running.
    """
    _lock(problem)
    _refuse_status(
        problem,
        REJECT,
        _("Only a solution awaiting confirmation can be sent back; this problem is %(status)s."),
    )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the solution is not confirmed.")})
    problem.status = ProblemStatus.IN_PROGRESS
    problem.resolution = ""
    problem.solved_on = None
    problem.save(update_fields=["status", "resolution", "solved_on", "updated_at"])
    ProblemEvent.objects.create(
        problem=problem, action=ProblemAction.REJECTED, note=note, at=now, by=acting_user
    )
    return problem


# --- escalation ----------------------------------------------------------------------------------


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
        Problem.objects.alias(solve_deadline=_solve_deadline())
        .exclude(status=ProblemStatus.RESOLVED)
        .filter(_not_done_and_missed(today))
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
    leaders = {
        (assignment.enterprise_id, assignment.year): assignment.leader
        for assignment in Assignment.objects.filter(
            enterprise__in=candidates.values("enterprise_id")
        ).select_related("leader__user")
    }
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
    ProblemEvent.objects.bulk_create(events)
    reachable = [escalation for escalation in escalations if escalation.leader_user is not None]
    if notify is not None and reachable:
        notify(reachable)
    return len(events)
