"""A project's half-year inspections and stage moves of a period not begun are refused: API v1
(400 on the field), the project page and the admin, with nothing written. A stage move dated in
the future is refused before asking whose plan decides who moves it (that of a year not begun).

Today is fixed at 2026-12-04 (Asia/Shanghai).
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from projects.models import Project, ProjectInspection, StageMove
from tests.factories import OfficialFactory, ProjectPlanFactory, UserFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)
STAGE_FUTURE = "A stage move cannot be dated in the future."


@pytest.fixture(autouse=True)
def today():
    noon = datetime.datetime(2026, 12, 4, 12, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(noon, tick=False):
        yield TODAY


def zh(message, **params):
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- half-year inspections ----------------------------------------------------------------------

OUTSIDE_HALF = "The inspection date must fall inside the half-year it inspects."
INSPECTION_REFUSALS = [
    pytest.param(
        {"year": 2099, "half": 1, "inspected_on": "2099-03-10"},
        {
            "year": [zh("The year %(year)s has not begun yet.", year=2099)],
            "inspected_on": [zh("A date cannot be in the future.")],
        },
        id="year-2099",
    ),
    pytest.param(
        {"year": 2026, "half": 2, "inspected_on": "2026-12-05"},
        {"inspected_on": [zh("A date cannot be in the future.")]},
        id="tomorrow",
    ),
    pytest.param(
        {"year": 2026, "half": 2, "inspected_on": "2026-03-10"},
        {"inspected_on": [zh(OUTSIDE_HALF)]},
        id="outside-its-half",
    ),
]


@pytest.fixture
def project():
    return ProjectPlanFactory(year=2026, project__stage="started").project


def inspection_body(**extra):
    return {"findings": "设备安装滞后两周", "rating": 85, **extra}


@pytest.mark.parametrize(("extra", "errors"), INSPECTION_REFUSALS)
def test_the_api_refuses_a_project_inspection_of_a_period_not_begun(project, extra, errors):
    client = api_for(user_with_role("supervision_office"))
    body = inspection_body(project=project.pk, **extra)
    response = client.post("/api/v1/project-inspections/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == errors
    assert not ProjectInspection.objects.exists()


def test_an_inspection_of_the_half_under_way_dated_today_is_recorded(project):
    client = api_for(user_with_role("supervision_office"))
    body = inspection_body(project=project.pk, year=2026, half=2, inspected_on="2026-12-04")
    response = client.post("/api/v1/project-inspections/", body, format="json")
    assert response.status_code == 201, response.content
    assert ProjectInspection.objects.get().inspected_on == TODAY


@pytest.mark.parametrize(("extra", "errors"), INSPECTION_REFUSALS)
def test_the_project_page_refuses_an_inspection_of_a_period_not_begun(
    client, project, extra, errors
):
    client.force_login(user_with_role("supervision_office"))
    url = reverse("projects:inspection_new", args=[project.pk])
    response = client.post(url, inspection_body(**extra))
    assert response.status_code == 400
    form_errors = response.context["inspection_form"].errors
    assert {field: list(messages) for field, messages in form_errors.items()} == errors
    assert not ProjectInspection.objects.exists()


def test_the_admin_refuses_a_project_inspection_in_the_future(admin_client, project):
    data = inspection_body(project=project.pk, year=2099, half=1, inspected_on="2099-03-10")
    response = admin_client.post(reverse("admin:projects_projectinspection_add"), data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"year", "inspected_on"}
    assert not ProjectInspection.objects.exists()


# --- stage moves --------------------------------------------------------------------------------


@pytest.fixture
def sponsor():
    """A department user of the department sponsoring a reserve project this year."""
    official = OfficialFactory()
    user = user_with_role("department_user", official=official)
    plan = ProjectPlanFactory(year=2026, department=official.department)
    return {"user": user, "project": plan.project}


@pytest.mark.parametrize("moved_on", ["2099-01-01", "2026-12-05"])
def test_the_api_refuses_a_stage_move_dated_in_the_future_before_asking_who(sponsor, moved_on):
    project = sponsor["project"]
    response = api_for(sponsor["user"]).post(
        reverse("api:project-stage", args=[project.pk]),
        {"to_stage": "operating", "moved_on": moved_on},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"moved_on": [zh(STAGE_FUTURE)]}
    assert not StageMove.objects.exists()
    assert Project.objects.get().stage == "reserve"


def test_the_project_page_refuses_a_stage_move_dated_in_the_future(client, sponsor):
    project = sponsor["project"]
    client.force_login(sponsor["user"])
    response = client.post(
        reverse("projects:stage_move", args=[project.pk]),
        {"to_stage": "operating", "moved_on": "2099-01-01"},
    )
    assert response.status_code == 400
    assert response.context["stage_form"].errors == {"moved_on": [zh(STAGE_FUTURE)]}
    assert not StageMove.objects.exists()


def test_a_project_written_with_a_stage_moved_in_the_future_is_refused(sponsor):
    project = sponsor["project"]
    client = api_for(UserFactory(is_superuser=True))
    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"stage": "started", "stage_moved_on": "2099-01-01"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"stage_moved_on": [zh(STAGE_FUTURE)]}
    assert not StageMove.objects.exists()
    assert Project.objects.get().stage == "reserve"
