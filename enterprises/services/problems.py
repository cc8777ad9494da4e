"""Writes of the problems (企业诉求) workflow: raise, assign, feedback, solve, confirm, reject
(the escalation of a missed "13710" clock to the sponsoring leader is in ``.escalation``).

The rule (domain.md, 13710): assigned to a department within 1 day of being raised, first
feedback to the enterprise within 3 days, solved within 7 days (ordinary) or 30 days (major),
solved meaning confirmed by the enterprise with a satisfaction rating 1–5. The clocks are read
in ``enterprises.selectors.problems``; each step here is refused from a status that does not
allow it, and ``apply_problem_step`` picks the step a change asks for."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import in_scope

from ..choices import ProblemAction, ProblemSeverity, ProblemStatus
from ..models import Department, Enterprise, Official, Problem, ProblemEvent, Visit
from ..selectors.problems import (
    ASSIGN,
    CONFIRM,
    FEEDBACK,
    REJECT,
    SOLVE,
    STATUS_ACTIONS,
    due_on_for,
    problem_permissions,
)

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


def _check_new_problem(
    *,
    enterprise: Enterprise,
    description: str,
    severity: str,
    department: Department | None,
    visit: Visit | None,
    raised_on: datetime.date,
    acting_user,
    now: datetime.datetime,
) -> None:
    """Raise the ValidationError of every reason ``raise_problem`` refuses, if any."""
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


def _raised_events(problem: Problem, *, acting_user, now: datetime.datetime) -> list[ProblemEvent]:
    """Return the history of a problem just raised: raised, then assigned if it has a department."""
    department = problem.department
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
    return events


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
    _check_new_problem(
        enterprise=enterprise,
        description=description,
        severity=severity,
        department=department,
        visit=visit,
        raised_on=raised_on,
        acting_user=acting_user,
        now=now,
    )
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
    ProblemEvent.objects.bulk_create(_raised_events(problem, acting_user=acting_user, now=now))
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


def refuse_step_taker(action: str, *, problem: Problem, user) -> None:
    """Raise ``PermissionDenied`` unless the workflow lets ``user`` take ``action`` on
    ``problem`` (whatever its status), as its page does before reading the step's form."""
    if action not in problem_permissions(user, problem, ignore_status=True):
        raise PermissionDenied(
            _("You may not take this step on the problem: %(steps)s.") % {"steps": action}
        )


def take_problem_action(
    action: str, *, problem: Problem, user, data: dict, now: datetime.datetime
) -> Problem:
    """Take one named step (``ACTIONS``) with the data of its page form, as ``user``.

    Refused with ``PermissionDenied`` to whom the workflow does not allow the step (whatever the
    status), as the problem's page refuses it; the step's service refuses a wrong status or
    field. ``data`` holds ``department``, ``note``, ``resolution`` or ``satisfaction``, and ``on``.
    """
    refuse_step_taker(action, problem=problem, user=user)
    common = {"problem": problem, "acting_user": user, "now": now}
    if action == ASSIGN:
        return assign_problem(department=data.get("department"), on=data.get("on"), **common)
    if action == FEEDBACK:
        return give_feedback(note=data.get("note", ""), on=data.get("on"), **common)
    if action == SOLVE:
        return solve_problem(resolution=data.get("resolution", ""), on=data.get("on"), **common)
    if action == CONFIRM:
        return confirm_problem(satisfaction=data.get("satisfaction"), on=data.get("on"), **common)
    return reject_solution(note=data.get("note", ""), **common)


# --- one change of a problem, whatever step it asks for -----------------------------------------


def _asks_assign(problem: Problem, changes: dict) -> bool:
    """Return whether the change routes the problem to another department (a removal is refused)."""
    department = changes.get("department")
    if department is not None and department.pk != problem.department_id:
        return True
    if "department" in changes and department is None and problem.department_id:
        raise ValidationError(
            {"department": _("A problem's department can be changed, not removed.")}
        )
    return False


def _asks_feedback(problem: Problem, changes: dict) -> str | None:
    """Return FEEDBACK, REJECT (a note on a solved problem sends it back) or None."""
    target = changes.get("status")
    note = (changes.get("note") or "").strip()
    if not (target == ProblemStatus.IN_PROGRESS or (target is None and note)):
        return None
    if problem.status == ProblemStatus.SOLVED:
        return REJECT
    if note or problem.status != ProblemStatus.IN_PROGRESS:
        return FEEDBACK
    return None


def _asks_solve(problem: Problem, changes: dict) -> bool:
    target = changes.get("status")
    resolution = changes.get("resolution")
    if not (
        target == ProblemStatus.SOLVED
        or (resolution is not None and target in (None, ProblemStatus.RESOLVED))
    ):
        return False
    solved = problem.status in (ProblemStatus.SOLVED, ProblemStatus.RESOLVED)
    return not solved or (resolution is not None and resolution != problem.resolution)


def _asks_confirm(problem: Problem, changes: dict) -> bool:
    target = changes.get("status")
    satisfaction = changes.get("satisfaction")
    wants = target == ProblemStatus.RESOLVED or (target is None and satisfaction is not None)
    changed = satisfaction is not None and satisfaction != problem.satisfaction
    return wants and (problem.status != ProblemStatus.RESOLVED or changed)


def problem_steps(problem: Problem, changes: dict) -> list[str]:
    """Return the steps a change of ``problem`` asks for, in the order they are taken.

    ``department`` (a different one) assigns; ``note`` with ``status`` ``in_progress`` (or
    without a status) gives feedback, or sends an unconfirmed solution back when the problem is
    ``solved``; ``resolution`` (with ``status`` ``solved``) solves; ``satisfaction`` (with
    ``status`` ``resolved``) confirms. A field equal to the stored value is no step. Removing the
    department, or sending the problem back to open or assigned, is refused.
    """
    steps = [ASSIGN] if _asks_assign(problem, changes) else []
    if feedback := _asks_feedback(problem, changes):
        steps.append(feedback)
    if _asks_solve(problem, changes):
        steps.append(SOLVE)
    if _asks_confirm(problem, changes):
        steps.append(CONFIRM)
    target = changes.get("status")
    back = target in (ProblemStatus.OPEN, ProblemStatus.ASSIGNED) and target != problem.status
    if back and not steps:
        raise ValidationError(
            {
                "status": _(
                    "A problem becomes assigned by giving its department, and never goes "
                    "back to open."
                )
            }
        )
    return steps


def _take_step(step: str, problem: Problem, changes: dict, *, on, acting_user, now) -> None:
    """Take one workflow step through its service."""
    common = {"problem": problem, "acting_user": acting_user, "now": now}
    if step == ASSIGN:
        assign_problem(department=changes["department"], on=on, **common)
    elif step == FEEDBACK:
        give_feedback(note=changes.get("note", ""), on=on, **common)
    elif step == REJECT:
        reject_solution(note=changes.get("note", ""), **common)
    elif step == SOLVE:
        resolution = changes.get("resolution")
        if resolution is None:
            resolution = problem.resolution
        solve_problem(resolution=resolution, on=on, **common)
    else:
        confirm_problem(
            satisfaction=changes.get("satisfaction"),
            on=changes.get("resolved_on") or on,
            **common,
        )


def _named_error(error: ValidationError, *, step: str, changes: dict) -> ValidationError:
    """Return a step's error naming the field of the change: ``status`` for a refused step,
    ``resolved_on`` for the date of a confirmation given as such."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"status": error.messages})
    if step == CONFIRM and changes.get("resolved_on"):
        return ValidationError(
            {
                ("resolved_on" if key == "on" else key): errors
                for key, errors in error.error_dict.items()
            }
        )
    return error


def apply_problem_step(*, problem: Problem, user, changes: dict, now: datetime.datetime) -> Problem:
    """Take the steps a change of ``problem`` asks for (``problem_steps``), all or none.

    ``changes`` holds any of ``department``, ``note``, ``status``, ``resolution``,
    ``satisfaction``, ``on`` (the date of the steps, today by default) and ``resolved_on`` (the
    date of a confirmation). A step the user may not take raises ``PermissionDenied`` naming
    the steps, before anything is written; a step the status does not allow, or a wrong field,
    raises a ``ValidationError`` naming the field of the change. Returns the problem as stored.
    """
    steps = problem_steps(problem, changes)
    refused = set(steps) - problem_permissions(user, problem, ignore_status=True)
    if refused:
        raise PermissionDenied(
            _("You may not take this step on the problem: %(steps)s.")
            % {"steps": ", ".join(sorted(refused))}
        )
    on = changes.get("on") or timezone.localdate(now)
    with transaction.atomic():
        for step in steps:
            try:
                _take_step(step, problem, changes, on=on, acting_user=user, now=now)
            except ValidationError as error:
                raise _named_error(error, step=step, changes=changes) from error
    problem.refresh_from_db()
    return problem
