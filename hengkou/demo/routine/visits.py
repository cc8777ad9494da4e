"""Writing the routine's visits and problems, each in the state it had reached on the cutoff."""

from __future__ import annotations

import datetime

from django.db import connection

from enterprises.choices import ProblemAction, ProblemStatus
from enterprises.models import Problem, ProblemEvent, Visit
from enterprises.selectors.problems import due_on_for

from ..article.common import Writer, _has_history
from .plan import Plan, PlannedProblem, _user_id

# --- writing ------------------------------------------------------------------------------------


def _stamp(model, items) -> None:
    """Give rows their event times: ``items`` are (row, created_at, updated_at).

    Only rows whose stamps differ are written, with their latest historical row (dated at the
    event too), so that a second run changes nothing. One executemany per table: a CASE-based
    bulk_update of thousands of rows is far slower.
    """
    fields = ["created_at"]
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        fields.append("updated_at")
    changed = {}
    for obj, created, updated in items:
        wanted = {"created_at": created, "updated_at": updated}
        if any(getattr(obj, name) != wanted[name] for name in fields):
            for name in fields:
                setattr(obj, name, wanted[name])
            changed[obj.pk] = obj
    if not changed:
        return
    _execute_updates(
        model, fields, [([getattr(o, n) for n in fields], o.pk) for o in changed.values()]
    )
    if not _has_history(model):
        return
    latest = dict(
        model.history.filter(id__in=list(changed))
        .order_by("history_id")
        .values_list("id", "history_id")
    )
    types = dict(
        model.history.filter(history_id__in=latest.values()).values_list("id", "history_type")
    )
    updates = []
    for object_id, history_id in latest.items():
        obj = changed[object_id]
        dated = obj.created_at if types[object_id] == "+" else getattr(obj, fields[-1])
        updates.append(([*(getattr(obj, n) for n in fields), dated], history_id))
    _execute_updates(model.history.model, [*fields, "history_date"], updates, key="history_id")


def _execute_updates(model, fields, updates, key="id") -> None:
    """Set datetime ``fields`` of rows by primary key: ``updates`` are ([values], pk)."""
    ops = connection.ops
    assignments = ", ".join(f"{ops.quote_name(name)} = %s" for name in fields)
    sql = (
        f"UPDATE {ops.quote_name(model._meta.db_table)} SET {assignments} "
        f"WHERE {ops.quote_name(key)} = %s"
    )
    params = [
        [*(ops.adapt_datetimefield_value(value) for value in values), pk] for values, pk in updates
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _write_visits(writer: Writer, plan: Plan, cutoff) -> dict:
    entries = [v for v in plan.visits.values() if v.day <= cutoff]
    rows = [
        {
            "enterprise_id": v.sponsorship.enterprise.pk,
            "visited_on": v.day,
            "kind": v.kind,
            "notes": v.notes,
            "created_by_id": _user_id(v.sponsorship.responsible),
        }
        for v in entries
    ]
    enterprise_ids = sorted({s.enterprise.pk for s in plan.sponsorships})
    written = writer.rows(
        Visit,
        ("enterprise_id", "visited_on"),
        rows,
        existing=Visit.objects.filter(
            enterprise_id__in=enterprise_ids,
            visited_on__gte=datetime.date(plan.year, 1, 1),
            visited_on__lte=datetime.date(plan.year, 12, 31),
        ),
        validation="local",
    )
    by_key = {v.key: written[(v.sponsorship.enterprise.pk, v.day)] for v in entries}
    writer.links(
        "Visit.participants",
        Visit.participants.through,
        "visit",
        "official",
        {by_key[v.key].pk: set(v.participants) for v in entries},
    )
    _stamp(Visit, [(by_key[v.key], v.recorded_at, v.recorded_at) for v in entries])
    return by_key


def _problem_row(problem: PlannedProblem, cutoff, visit: Visit) -> dict:
    done = {step.action: step for step in problem.steps if step.day <= cutoff}
    sponsorship = problem.visit.sponsorship
    row = {
        "enterprise_id": sponsorship.enterprise.pk,
        "visit_id": visit.pk,
        "category": problem.category,
        "severity": problem.severity,
        "description": problem.description,
        "department_id": None,
        "raised_by_id": sponsorship.responsible.pk,
        "raised_on": problem.raised_on,
        "assigned_on": None,
        "first_feedback_on": None,
        "due_on": due_on_for(raised_on=problem.raised_on, severity=problem.severity),
        "status": ProblemStatus.OPEN,
        "resolution": "",
        "solved_on": None,
        "resolved_on": None,
        "satisfaction": None,
    }
    if ProblemAction.ASSIGNED in done:
        row.update(
            department_id=problem.department.pk,
            assigned_on=done[ProblemAction.ASSIGNED].day,
            status=ProblemStatus.ASSIGNED,
        )
    if ProblemAction.FEEDBACK in done:
        row.update(
            first_feedback_on=done[ProblemAction.FEEDBACK].day, status=ProblemStatus.IN_PROGRESS
        )
    if ProblemAction.SOLVED in done:
        row.update(
            resolution=problem.resolution,
            solved_on=done[ProblemAction.SOLVED].day,
            status=ProblemStatus.SOLVED,
        )
    if ProblemAction.CONFIRMED in done:
        row.update(
            resolved_on=done[ProblemAction.CONFIRMED].day,
            satisfaction=problem.satisfaction,
            status=ProblemStatus.RESOLVED,
        )
    return row


def _write_problems(writer: Writer, plan: Plan, cutoff, visits: dict) -> None:
    problems = [p for p in plan.problems if p.raised_on <= cutoff]
    rows = [_problem_row(p, cutoff, visits[p.visit.key]) for p in problems]
    enterprise_ids = sorted({s.enterprise.pk for s in plan.sponsorships})
    written = writer.rows(
        Problem,
        ("enterprise_id", "raised_on", "category"),
        rows,
        existing=Problem.objects.filter(
            enterprise_id__in=enterprise_ids,
            raised_on__gte=datetime.date(plan.year, 1, 1),
            raised_on__lte=datetime.date(plan.year, 12, 31),
        ),
        validation="local",
    )
    objects = [written[(row["enterprise_id"], row["raised_on"], row["category"])] for row in rows]
    event_rows, stamps = [], []
    for problem, obj in zip(problems, objects, strict=True):
        steps = [step for step in problem.steps if step.day <= cutoff]
        for step in steps:
            event_rows.append(
                {
                    "problem_id": obj.pk,
                    "action": step.action,
                    "clock": step.clock,
                    "note": step.note,
                    "at": step.when,
                    "by_id": _user_id(step.official),
                }
            )
        changes = [s.when for s in steps if s.action != ProblemAction.ESCALATED]
        stamps.append((obj, changes[0], changes[-1]))
    writer.rows(
        ProblemEvent,
        ("problem_id", "action", "clock"),
        event_rows,
        existing=ProblemEvent.objects.filter(problem__in=objects),
        validation="local",
    )
    _stamp(Problem, stamps)
