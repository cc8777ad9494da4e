"""Reads of the turn of the year's page: the turns, and one turn's drafts with their targets."""

from __future__ import annotations

from django.db.models import Count, Max

from enterprises.models import Assignment

from ..annual.models import DraftAssignment, DraftTarget, YearTurn


def get_next_year() -> int | None:
    """Return the year after the last year with assignments (None when there is none)."""
    last = Assignment.objects.aggregate(last=Max("year"))["last"]
    return None if last is None else last + 1


def list_turns():
    """Return every turn of the year, latest first, with its counts of drafts."""
    return (
        YearTurn.objects.annotate(
            assignment_count=Count("assignments", distinct=True),
            target_count=Count("targets", distinct=True),
        )
        .select_related("started_by", "confirmed_by")
        .order_by("-year")
    )


def list_drafts(turn: YearTurn) -> list[DraftAssignment]:
    """Return the turn's draft assignments, each with ``draft_targets`` (its targets)."""
    drafts = (
        turn.assignments.select_related("enterprise", "department", "leader", "responsible")
        .annotate(team_size=Count("team"))
        .order_by("department__code", "enterprise__name", "pk")
    )
    targets: dict[int, list[DraftTarget]] = {}
    for target in turn.targets.order_by("metric", "pk"):
        targets.setdefault(target.enterprise_id, []).append(target)
    rows = list(drafts)
    for draft in rows:
        draft.draft_targets = targets.get(draft.enterprise_id, [])
    return rows
