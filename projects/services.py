"""Writes of the projects app."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .choices import STAGE_ORDER, Stage
from .models import Project, StageMove


def validate_stage_move(*, project: Project, to_stage: str, moved_on: datetime.date) -> None:
    """Refuse a stage move that goes backwards or is dated before the project's previous move."""
    if to_stage not in STAGE_ORDER:
        raise ValidationError({"stage": _("Unknown stage.")})
    if STAGE_ORDER[to_stage] <= STAGE_ORDER[project.stage]:
        raise ValidationError(
            {
                "stage": _("A project's stage only moves forward: it is already “%(stage)s”.")
                % {"stage": Stage(project.stage).label}
            }
        )
    last = project.stage_moves.order_by("-moved_on").values_list("moved_on", flat=True).first()
    if last and moved_on < last:
        raise ValidationError(
            {
                "stage_moved_on": _("The move cannot be dated before the previous one (%(date)s).")
                % {"date": last.isoformat()}
            }
        )


@transaction.atomic
def move_project_stage(
    *, project: Project, to_stage: str, moved_on: datetime.date, acting_user=None
) -> StageMove:
    """Move a project to a later stage on ``moved_on`` and record the move.

    A stage only moves forward (reserve → started → completed → operating; skipping is allowed,
    going back is not), and a move cannot be dated before the project's previous move.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    validate_stage_move(project=locked, to_stage=to_stage, moved_on=moved_on)
    move = StageMove(
        project=locked,
        from_stage=locked.stage,
        to_stage=to_stage,
        moved_on=moved_on,
        moved_by=acting_user,
    )
    move.full_clean()
    move.save()
    locked.stage = to_stage
    locked.save(update_fields=["stage", "updated_at"])
    project.stage = to_stage
    return move
