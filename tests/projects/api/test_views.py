"""The projects resources of API v1: projects, their yearly plans and monthly reports."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.models import Period
from projects.models import Project, ProjectPlan, ProjectReport, StageMove
from tests.factories import (
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    StageMoveFactory,
)

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize("resource", ["projects", "project-plans", "project-reports"])
def test_anonymous_requests_are_refused(resource):
    client = APIClient()
    assert client.get(f"/api/v1/{resource}/").status_code in (401, 403)
    response = client.post(f"/api/v1/{resource}/", {"name": "x", "kind": "new"}, format="json")
    assert response.status_code in (401, 403)
    assert not Project.objects.exists()


@pytest.mark.parametrize("resource", ["projects", "project-plans", "project-reports"])
def test_unknown_objects_are_404(admin_api, resource):
    assert admin_api.get(f"/api/v1/{resource}/424242/").status_code == 404
    assert admin_api.patch(f"/api/v1/{resource}/424242/", {}, format="json").status_code == 404
    assert admin_api.delete(f"/api/v1/{resource}/424242/").status_code == 404


# --- projects ------------------------------------------------------------------------------------


def test_project_crud_in_reserve(admin_api):
    enterprise = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/projects/",
        {
            "name": "魔芋精粉技改项目",
            "enterprise": enterprise.pk,
            "kind": "renovation",
            "total_investment": "12000",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "reserve"
    assert body["total_investment"] == "12000.00"
    assert "stage_moved_on" not in body
    url = f"/api/v1/projects/{body['id']}/"
    response = admin_api.patch(url, {"enterprise": None, "capacity": "年产20万吨"}, format="json")
    assert response.json()["enterprise"] is None
    assert not StageMove.objects.exists()
    assert admin_api.delete(url).status_code == 204
    assert not Project.objects.exists()


def test_project_created_in_a_later_stage_is_moved_from_reserve(admin_api):
    response = admin_api.post(
        "/api/v1/projects/",
        {
            "name": "新建厂房",
            "kind": "new",
            "stage": "started",
            "stage_moved_on": "2021-03-15",
            "total_investment": "100",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "started"
    move = StageMove.objects.get()
    assert (move.from_stage, move.to_stage, move.moved_on) == (
        "reserve",
        "started",
        datetime.date(2021, 3, 15),
    )
    assert move.moved_by.username == "admin"


def test_stage_moves_forward_only_through_the_service(admin_api):
    project = ProjectFactory()
    url = f"/api/v1/projects/{project.pk}/"
    response = admin_api.patch(url, {"stage": "completed"}, format="json")
    assert response.status_code == 200, response.content
    assert StageMove.objects.get().moved_on == timezone.localdate()
    response = admin_api.patch(url, {"stage": "started"}, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()
    response = admin_api.patch(
        url, {"stage": "operating", "stage_moved_on": "2001-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "stage_moved_on" in response.json()
    project.refresh_from_db()
    assert project.stage == "completed"
    assert StageMove.objects.count() == 1
    # The same stage is no move.
    assert admin_api.patch(url, {"stage": "completed"}, format="json").status_code == 200
    assert StageMove.objects.count() == 1


def test_a_refused_stage_move_on_create_writes_nothing(admin_api):
    response = admin_api.post(
        "/api/v1/projects/",
        {"name": "x", "kind": "new", "stage": "finished"},
        format="json",
    )
    assert response.status_code == 400
    assert "stage" in response.json()
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": "demolition"}, "kind"),
        ({"total_investment": "-1"}, "total_investment"),
        ({"name": ""}, "name"),
        ({"enterprise": 999999}, "enterprise"),
    ],
)
def test_bad_project_is_400(admin_api, overrides, field):
    payload = {"name": "x", "kind": "new", **overrides}
    response = admin_api.post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Project.objects.exists()


def test_planned_end_before_start_is_400(admin_api):
    response = admin_api.post(
        "/api/v1/projects/",
        {"name": "x", "kind": "new", "planned_start": "2021-05-01", "planned_end": "2021-04-01"},
        format="json",
    )
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_project_filters(admin_api):
    department, other = DepartmentFactory(), DepartmentFactory()
    enterprise = EnterpriseFactory()
    started = ProjectFactory(stage="started", kind="renovation", enterprise=enterprise)
    reserve = ProjectFactory(name="储备项目")
    operating = ProjectFactory(stage="operating", kind="expansion")
    ProjectPlanFactory(project=started, year=2021, department=department)
    ProjectPlanFactory(project=reserve, year=2020, department=department)
    ProjectPlanFactory(project=operating, year=2021, department=other)

    def query(**params):
        return ids(admin_api.get("/api/v1/projects/", params))

    assert query(stage="started") == [started.pk]
    assert query(kind="expansion") == [operating.pk]
    assert query(enterprise=enterprise.pk) == [started.pk]
    assert query(department=department.pk) == sorted([started.pk, reserve.pk])
    assert query(year=2021) == sorted([started.pk, operating.pk])
    assert query(department=department.pk, year=2021) == [started.pk]
    assert query(search="储备") == [reserve.pk]
    assert admin_api.get("/api/v1/projects/", {"stage": "dream"}).status_code == 400


# --- project plans -------------------------------------------------------------------------------


def test_project_plan_crud(admin_api):
    project, leader, department = ProjectFactory(), CountyLeaderFactory(), DepartmentFactory()
    response = admin_api.post(
        "/api/v1/project-plans/",
        {
            "project": project.pk,
            "year": 2021,
            "planned_investment": "5000",
            "leader": leader.pk,
            "department": department.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["planned_investment"] == "5000.00"
    url = f"/api/v1/project-plans/{body['id']}/"
    response = admin_api.patch(url, {"planned_investment": "4500.5"}, format="json")
    assert response.json()["planned_investment"] == "4500.50"
    assert admin_api.delete(url).status_code == 204
    assert not ProjectPlan.objects.exists()


def test_plan_leader_must_be_county_level_and_plans_are_unique(admin_api):
    plan = ProjectPlanFactory()
    payload = {
        "project": plan.project_id,
        "year": 2022,
        "planned_investment": "1",
        "leader": OfficialFactory().pk,
        "department": plan.department_id,
    }
    response = admin_api.post("/api/v1/project-plans/", payload, format="json")
    assert response.status_code == 400
    assert "leader" in response.json()
    payload.update(year=2021, leader=plan.leader_id)
    assert admin_api.post("/api/v1/project-plans/", payload, format="json").status_code in (
        400,
        409,
    )
    assert ProjectPlan.objects.count() == 1


def test_project_plan_filters(admin_api):
    first = ProjectPlanFactory(year=2021)
    second = ProjectPlanFactory(year=2022, project=first.project)
    third = ProjectPlanFactory(year=2021, department=first.department)

    def query(**params):
        return ids(admin_api.get("/api/v1/project-plans/", params))

    assert query(project=first.project_id) == sorted([first.pk, second.pk])
    assert query(year=2021) == sorted([first.pk, third.pk])
    assert query(department=first.department_id) == sorted([first.pk, third.pk])
    assert query(leader=second.leader_id) == [second.pk]


# --- project reports -----------------------------------------------------------------------------


def test_project_report_crud(admin_api):
    project = ProjectFactory(stage="started")
    response = admin_api.post(
        "/api/v1/project-reports/",
        {
            "project": project.pk,
            "period": "2021-11",
            "investment": "800",
            "percent_complete": 65,
            "progress_note": "主体厂房封顶",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["period"] == "2021-11"
    assert body["investment"] == "800.00"
    assert body["status"] == "open"
    assert body["problems"] == ""
    url = f"/api/v1/project-reports/{body['id']}/"
    assert admin_api.patch(url, {"percent_complete": 70}, format="json").status_code == 200
    assert admin_api.delete(url).status_code == 204
    assert not ProjectReport.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("percent_complete", 101),
        ("percent_complete", -1),
        ("investment", "-5"),
        ("period", "2021-13"),
    ],
)
def test_bad_project_report_is_400(admin_api, field, value):
    payload = {"project": ProjectFactory().pk, "period": "2021-11", field: value}
    response = admin_api.post("/api/v1/project-reports/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ProjectReport.objects.exists()


def test_percent_complete_never_decreases(admin_api):
    report = ProjectReportFactory(percent_complete=50)
    response = admin_api.post(
        "/api/v1/project-reports/",
        {"project": report.project_id, "period": "2021-12", "percent_complete": 40},
        format="json",
    )
    assert response.status_code == 400
    assert "percent_complete" in response.json()
    assert ProjectReport.objects.count() == 1


def test_duplicate_project_report_is_refused(admin_api):
    report = ProjectReportFactory()
    response = admin_api.post(
        "/api/v1/project-reports/",
        {"project": report.project_id, "period": "2021-11"},
        format="json",
    )
    assert response.status_code in (400, 409)
    assert ProjectReport.objects.count() == 1


def test_project_reports_of_a_closed_month_are_409(admin_api):
    report = ProjectReportFactory(investment=Decimal("80"))
    Period.objects.create(period=NOV, status="closed", closed_at=timezone.now())
    url = f"/api/v1/project-reports/{report.pk}/"
    assert admin_api.patch(url, {"investment": "1"}, format="json").status_code == 409
    assert admin_api.patch(url, {"period": "2021-10"}, format="json").status_code == 409
    assert admin_api.delete(url).status_code == 409
    response = admin_api.post(
        "/api/v1/project-reports/",
        {"project": ProjectFactory().pk, "period": "2021-11"},
        format="json",
    )
    assert response.status_code == 409
    assert "已关账" in response.json()["period"][0]
    assert list(ProjectReport.objects.values_list("pk", "period", "investment")) == [
        (report.pk, NOV, Decimal("80.00"))
    ]


def test_project_report_filters(admin_api):
    first = ProjectReportFactory(period=NOV)
    second = ProjectReportFactory(
        period=datetime.date(2021, 12, 1), project=first.project, percent_complete=60
    )
    third = ProjectReportFactory(period=NOV)

    def query(**params):
        return ids(admin_api.get("/api/v1/project-reports/", params))

    assert query(project=first.project_id) == sorted([first.pk, second.pk])
    assert query(period="2021-11") == sorted([first.pk, third.pk])
    assert query(year=2021) == sorted([first.pk, second.pk, third.pk])
    response = admin_api.get("/api/v1/project-reports/", {"period": "2021-13"})
    assert response.status_code == 400
    assert "period" in response.json()


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource, factory",
    [
        ("projects", ProjectFactory),
        ("project-plans", ProjectPlanFactory),
        ("project-reports", ProjectReportFactory),
    ],
)
def test_lists_run_the_same_queries_for_2_and_40_rows(admin_api, resource, factory):
    counts = []
    for size, more in ((2, 2), (40, 38)):
        factory.create_batch(more)
        with CaptureQueriesContext(connection) as queries:
            response = admin_api.get(f"/api/v1/{resource}/", {"page_size": 1000})
        assert response.json()["count"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- the stage history ------------------------------------------------------------------------


def test_the_stage_history_is_read_only_and_follows_every_move(admin_api):
    project = ProjectFactory()
    url = f"/api/v1/projects/{project.pk}/"
    assert admin_api.get(url).json()["stage_moves"] == []
    response = admin_api.patch(
        url, {"stage": "started", "stage_moved_on": "2021-01-05"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage_moves"] == [{"stage": "started", "moved_on": "2021-01-05"}]
    response = admin_api.post(
        f"{url}stage/", {"to_stage": "operating", "moved_on": "2021-03-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    expected = [
        {"stage": "started", "moved_on": "2021-01-05"},
        {"stage": "operating", "moved_on": "2021-03-01"},
    ]
    assert response.json()["stage_moves"] == expected
    # Written history is ignored: only the stage service moves a project.
    response = admin_api.patch(
        url, {"stage_moves": [{"stage": "reserve", "moved_on": "2020-01-01"}]}, format="json"
    )
    assert response.status_code == 200
    assert admin_api.get(url).json()["stage_moves"] == expected
    assert StageMove.objects.filter(project=project).count() == 2
    listed = admin_api.get("/api/v1/projects/").json()["results"]
    assert listed[0]["stage_moves"] == expected


def test_the_list_with_stage_histories_runs_the_same_queries_for_2_and_40_rows(admin_api):
    counts = []
    for size, more in ((2, 2), (40, 38)):
        for move in StageMoveFactory.create_batch(more):
            StageMove.objects.create(
                project=move.project,
                from_stage="started",
                to_stage="completed",
                moved_on=datetime.date(2021, 9, 1),
            )
        with CaptureQueriesContext(connection) as queries:
            response = admin_api.get("/api/v1/projects/", {"page_size": 1000})
        body = response.json()
        assert body["count"] == size
        assert all(len(row["stage_moves"]) == 2 for row in body["results"])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
