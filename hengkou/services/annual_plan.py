"""The annual work plan (年度工作实施方案): saving a plan with its goals per indicator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..annual.models import AnnualPlan, PlanGoal

PLAN_FIELDS = ("year", "title", "text")
GOAL_FIELDS = ("metric", "goal_value", "growth_rate", "unit", "note")


def _goal_message(position: int, message) -> str:
    return _("Goal %(number)s: %(message)s") % {"number": position + 1, "message": message}


@transaction.atomic
def save_annual_plan(
    *, plan: AnnualPlan | None = None, data: Mapping, goals: Iterable[Mapping] | None = None
) -> AnnualPlan:
    """Create or change a plan; ``goals`` (when given) replaces its goals, checked first.

    A goal names one indicator with a goal value, a growth rate (a fraction), or both; an
    indicator appears at most once.
    """
    plan = plan or AnnualPlan()
    for name, value in data.items():
        if name in PLAN_FIELDS:
            setattr(plan, name, value)
    plan.full_clean()
    new_goals = None
    if goals is not None:
        new_goals, seen, errors = [], set(), []
        for position, goal in enumerate(goals):
            row = PlanGoal(**{name: goal.get(name) for name in GOAL_FIELDS if name in goal})
            row.unit = row.unit or ""
            row.note = row.note or ""
            try:
                row.full_clean(exclude=["plan"], validate_unique=False)
            except ValidationError as error:
                errors.extend(_goal_message(position, message) for message in error.messages)
                continue
            if row.metric in seen:
                duplicate = _("The plan already has a goal for this indicator.")
                errors.append(_goal_message(position, duplicate))
            seen.add(row.metric)
            new_goals.append(row)
        if errors:
            raise ValidationError({"goals": errors})
    plan.save()
    if new_goals is not None:
        PlanGoal.objects.filter(plan=plan).delete()
        for row in new_goals:
            row.plan = plan
            row.save()
    return plan
