"""A project's stage only moves forward, each move dated (StageMove)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects.models import StageMove
from projects.services import move_project_stage
from tests.factories import (
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def test_stage_moves_forward_and_each_move_is_dated():
    project = ProjectFactory()
    move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    move_project_stage(project=project, to_stage="completed", moved_on=datetime.date(2021, 10, 8))
    project.refresh_from_db()
    assert project.stage == "completed"
    assert list(project.stage_moves.values_list("from_stage", "to_stage", "moved_on")) == [
        ("reserve", "started", datetime.date(2021, 3, 1)),
        ("started", "completed", datetime.date(2021, 10, 8)),
    ]


@pytest.mark.parametrize("to_stage", ["reserve", "started"])
def test_stage_never_moves_back_or_stays(to_stage):
    project = ProjectFactory()
    move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        move_project_stage(project=project, to_stage=to_stage, moved_on=datetime.date(2021, 4, 1))
    assert "只能向前推进" in str(excinfo.value)
    project.refresh_from_db()
    assert project.stage == "started"
    assert StageMove.objects.count() == 1


def test_stage_move_cannot_predate_the_previous_one():
    project = ProjectFactory()
    move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    with pytest.raises(ValidationError):
        move_project_stage(
            project=project, to_stage="completed", moved_on=datetime.date(2021, 2, 1)
        )
    project.refresh_from_db()
    assert project.stage == "started"
