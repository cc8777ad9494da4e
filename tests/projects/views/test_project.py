"""Stage moves on a project's page: forward only, dated, by the sponsoring department."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Project, StageMove
from tests.factories import (
    OfficialFactory,
    ProjectPlanFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sponsor(client):
    """A user of the sponsoring department of a project in reserve, logged in."""
    year = timezone.localdate().year
    official = OfficialFactory()
    user_with_role("department_user", official=official, username="sponsor")
    plan = ProjectPlanFactory(year=year, department=official.department)
    client.force_login(official.user)
    return plan.project


def _move(client, project, to_stage, moved_on):
    return client.post(
        reverse("projects:stage_move", args=[project.pk]),
        {"to_stage": to_stage, "moved_on": moved_on.isoformat()},
    )


def test_stage_moves_forward_on_the_project_page_dated_and_signed(client, sponsor):
    today = timezone.localdate()
    response = _move(client, sponsor, "started", today)
    assert response.status_code == 302
    move = StageMove.objects.get()
    assert (move.from_stage, move.to_stage, move.moved_on, move.moved_by.username) == (
        "reserve",
        "started",
        today,
        "sponsor",
    )
    page = client.get(reverse("projects:detail", args=[sponsor.pk])).content.decode()
    assert today.isoformat() in page
    assert Project.objects.get().stage == "started"


def test_stage_never_moves_back_on_the_project_page(client, sponsor):
    today = timezone.localdate()
    _move(client, sponsor, "completed", today)
    response = _move(client, sponsor, "started", today)
    assert response.status_code == 400
    assert "to_stage" in response.context["stage_form"].errors
    assert Project.objects.get().stage == "completed"
    assert StageMove.objects.count() == 1


def test_a_stage_move_is_not_dated_in_the_future_nor_before_the_previous_one(client, sponsor):
    today = timezone.localdate()
    response = _move(client, sponsor, "started", today + datetime.timedelta(days=1))
    assert response.status_code == 400
    assert "moved_on" in response.context["stage_form"].errors
    _move(client, sponsor, "started", today)
    response = _move(client, sponsor, "completed", today - datetime.timedelta(days=1))
    assert response.status_code == 400
    assert response.context["stage_form"].non_field_errors()
    assert list(StageMove.objects.values_list("to_stage", flat=True)) == ["started"]


def test_only_the_sponsoring_department_moves_the_stage(client, sponsor):
    # Another department's user does not even reach the project (row-level scope).
    client.force_login(user_with_role("department_user", official=True))
    response = _move(client, sponsor, "started", timezone.localdate())
    assert response.status_code == 404
    assert client.get(reverse("projects:detail", args=[sponsor.pk])).status_code == 404
    # The economic bureau reads every project but does not move their stages.
    client.force_login(user_with_role("economic_bureau"))
    response = _move(client, sponsor, "started", timezone.localdate())
    assert response.status_code == 403
    assert StageMove.objects.count() == 0
    page = client.get(reverse("projects:detail", args=[sponsor.pk])).content.decode()
    assert 'id="stage-form"' not in page
