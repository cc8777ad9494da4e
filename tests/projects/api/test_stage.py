"""POST projects/{id}/stage/: the project page's stage move, with the page's refusals."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from projects.choices import Stage
from projects.models import Project, StageMove
from tests.factories import OfficialFactory, ProjectPlanFactory, StageMoveFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def zh(message, **params):
    with translation.override("zh-hans"):
        text = gettext(message)
        return text % {key: str(value) for key, value in params.items()} if params else text


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def sponsor():
    """A department user of the sponsoring department of this year's plan of a reserve project."""
    official = OfficialFactory()
    user = user_with_role("department_user", official=official)
    plan = ProjectPlanFactory(year=timezone.localdate().year, department=official.department)
    return {"user": user, "project": plan.project}


def url(project) -> str:
    return reverse("api:project-stage", args=[project.pk])


def test_the_sponsor_moves_the_stage_dated_and_named(sponsor):
    project = sponsor["project"]
    today = timezone.localdate()
    response = api_for(sponsor["user"]).post(
        url(project), {"to_stage": "started", "moved_on": today.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == project.pk
    assert response.json()["stage"] == "started"
    move = StageMove.objects.get()
    assert (move.from_stage, move.to_stage, move.moved_on, move.moved_by) == (
        "reserve",
        "started",
        today,
        sponsor["user"],
    )
    latest = Project.objects.get().history.latest()
    assert (latest.stage, latest.history_user) == ("started", sponsor["user"])


def test_stage_of_the_contract_and_today_by_default(sponsor):
    response = api_for(sponsor["user"]).post(
        url(sponsor["project"]), {"stage": "completed"}, format="json"
    )
    assert response.status_code == 200, response.content
    move = StageMove.objects.get()
    assert (move.to_stage, move.moved_on) == ("completed", timezone.localdate())


def test_backward_future_and_earlier_moves_are_refused_with_the_pages_messages(sponsor):
    project = sponsor["project"]
    client = api_for(sponsor["user"])
    today = timezone.localdate()
    StageMoveFactory(project=project, moved_on=today - datetime.timedelta(days=3))
    Project.objects.filter(pk=project.pk).update(stage="started")

    response = client.post(url(project), {"to_stage": "reserve"}, format="json")
    assert response.status_code == 400
    forward = "A project's stage only moves forward: it is already “%(stage)s”."
    assert response.json() == {"to_stage": [zh(forward, stage=Stage.STARTED.label)]}

    tomorrow = today + datetime.timedelta(days=1)
    response = client.post(
        url(project), {"to_stage": "completed", "moved_on": tomorrow.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"moved_on": [zh("A stage move cannot be dated in the future.")]}

    earlier = today - datetime.timedelta(days=10)
    response = client.post(
        url(project), {"to_stage": "completed", "moved_on": earlier.isoformat()}, format="json"
    )
    assert response.status_code == 400
    last = (today - datetime.timedelta(days=3)).isoformat()
    assert response.json() == {
        "moved_on": [zh("The move cannot be dated before the previous one (%(date)s).", date=last)]
    }
    assert StageMove.objects.count() == 1
    assert Project.objects.get().stage == "started"


def test_missing_and_wrong_fields_are_400(sponsor):
    client = api_for(sponsor["user"])
    project = sponsor["project"]
    assert list(client.post(url(project), {}, format="json").json()) == ["to_stage"]
    for bad, field in (
        ({"to_stage": "demolished"}, "to_stage"),
        ({"to_stage": 3}, "to_stage"),
        ({"to_stage": "started", "moved_on": "2021-02-30"}, "moved_on"),
        ({"to_stage": "started", "moved_on": 20210301}, "moved_on"),
        ({"to_stage": "started", "stage": "completed"}, "stage"),
    ):
        response = client.post(url(project), bad, format="json")
        assert response.status_code == 400, bad
        assert list(response.json()) == [field], response.json()
    assert client.post(url(project), [1], format="json").status_code == 400
    assert not StageMove.objects.exists()
    assert Project.objects.get().stage == "reserve"


def test_only_the_sponsor_moves_as_on_the_page(sponsor):
    project = sponsor["project"]
    # The economic bureau reads every project but does not move their stages.
    response = api_for(user_with_role("economic_bureau")).post(
        url(project), {"to_stage": "started"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": zh("Only the project's sponsoring department and leader may move its stage.")
    }
    # An official of another department does not even see it.
    other = user_with_role("department_user", official=OfficialFactory())
    response = api_for(other).post(url(project), {"to_stage": "started"}, format="json")
    assert response.status_code == 404
    assert APIClient().post(url(project), {"to_stage": "started"}, format="json").status_code in (
        401,
        403,
    )
    assert not StageMove.objects.exists()
    assert Project.objects.get().stage == "reserve"
