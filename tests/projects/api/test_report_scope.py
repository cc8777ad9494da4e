"""A department user reads the project reports the project page shows them, and no others."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests.enterprises.api.visit_world import client_of
from tests.factories import OfficialFactory, ProjectPlanFactory, ProjectReportFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOVEMBER = datetime.date(2021, 11, 1)


def world():
    ours = ProjectPlanFactory(project__stage="started", year=2021)
    theirs = ProjectPlanFactory(project__stage="started", year=2021)
    mine = ProjectReportFactory(project=ours.project, period=NOVEMBER, progress_note="主体封顶")
    other = ProjectReportFactory(project=theirs.project, period=NOVEMBER, progress_note="外墙")
    user = user_with_role(
        "department_user", official=OfficialFactory(department=ours.department), username="du"
    )
    return user, mine, other


def test_a_department_user_lists_and_reads_the_reports_of_its_projects_only():
    user, mine, other = world()
    api = client_of(user)
    listed = api.get("/api/v1/project-reports/")
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/project-reports/{mine.pk}/").status_code == 200
    assert api.get(f"/api/v1/project-reports/{other.pk}/").status_code == 404


def test_the_page_and_the_api_agree_on_what_the_department_sees():
    user, mine, other = world()
    page = Client()
    page.force_login(user)
    shown = page.get(reverse("projects:detail", args=[mine.project_id]))
    assert shown.status_code == 200
    assert mine.progress_note in shown.content.decode()
    assert page.get(reverse("projects:detail", args=[other.project_id])).status_code == 404
    api_ids = {
        row["id"] for row in client_of(user).get("/api/v1/project-reports/").json()["results"]
    }
    assert api_ids == {mine.pk}
