"""Project inspections (半年督查) and evaluations (年终评比) of API v1, as the pages allow."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from projects.models import ProjectEvaluation, ProjectInspection
from tests.factories import (
    OfficialFactory,
    ProjectEvaluationFactory,
    ProjectInspectionFactory,
    ProjectPlanFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
INSPECTIONS = "/api/v1/project-inspections/"
EVALUATIONS = "/api/v1/project-evaluations/"


def zh(message, **params):
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def supervisor():
    return user_with_role("supervision_office")


@pytest.fixture
def plan():
    return ProjectPlanFactory(year=2021, project__stage="started")


def inspection_body(project, **extra):
    return {
        "project": project.pk,
        "year": 2021,
        "half": 2,
        "inspected_on": "2021-11-20",
        "findings": "设备安装滞后两周",
        "rating": 85,
        **extra,
    }


# --- half-year inspections -----------------------------------------------------------------------


def test_the_supervision_office_records_an_inspection_and_is_named(supervisor, plan):
    response = api_for(supervisor).post(INSPECTIONS, inspection_body(plan.project), format="json")
    assert response.status_code == 201, response.content
    inspection = ProjectInspection.objects.get()
    data = response.json()
    assert data == {
        "id": inspection.pk,
        "project": plan.project_id,
        "year": 2021,
        "half": 2,
        "inspected_on": "2021-11-20",
        "findings": "设备安装滞后两周",
        "rating": 85,
        "inspector": supervisor.pk,
        "created_at": data["created_at"],
    }
    [record] = inspection.history.all()
    assert (record.history_type, record.history_user) == ("+", supervisor)


def test_a_second_inspection_of_the_half_and_a_date_outside_it_are_refused(supervisor, plan):
    ProjectInspectionFactory(project=plan.project, year=2021, half=2, findings="原样")
    client = api_for(supervisor)
    response = client.post(INSPECTIONS, inspection_body(plan.project), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [zh("This project already has an inspection for this half-year.")]
    }
    response = client.post(
        INSPECTIONS, inspection_body(plan.project, half=1, inspected_on="2021-08-01"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "inspected_on": [zh("The inspection date must fall inside the half-year it inspects.")]
    }
    assert list(ProjectInspection.objects.values_list("findings", flat=True)) == ["原样"]


def test_inspection_missing_fields_and_wrong_types_are_400(supervisor, plan):
    client = api_for(supervisor)
    response = client.post(INSPECTIONS, {"project": plan.project_id}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"year", "half", "inspected_on", "findings", "rating"}
    for bad in ({"half": 3}, {"rating": 101}, {"rating": "high"}, {"project": 999999}):
        response = client.post(INSPECTIONS, {**inspection_body(plan.project), **bad}, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), response.json()
    assert not ProjectInspection.objects.exists()


def test_only_inspectors_record_and_nobody_edits(supervisor, plan):
    for role in ("economic_bureau", "department_user", "county_leader"):
        response = api_for(user_with_role(role)).post(
            INSPECTIONS, inspection_body(plan.project), format="json"
        )
        assert response.status_code == 403, role
    inspection = ProjectInspectionFactory(project=plan.project, findings="原样")
    url = f"{INSPECTIONS}{inspection.pk}/"
    # Not offered (405), even to a superuser; the supervision office is refused before that.
    for user, status in ((supervisor, 403), (UserFactory(is_superuser=True), 405)):
        client = api_for(user)
        assert client.patch(url, {"findings": "改"}, format="json").status_code == status
        assert client.delete(url).status_code == status
    inspection.refresh_from_db()
    assert inspection.findings == "原样"
    assert ProjectInspection.objects.count() == 1


def test_a_department_reads_its_projects_inspections_only(plan):
    user = user_with_role("department_user", official=OfficialFactory(department=plan.department))
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_projectinspection", "add_projectinspection"])
    )
    mine = ProjectInspectionFactory(project=plan.project)
    other_plan = ProjectPlanFactory(year=2021, project__stage="started")
    theirs = ProjectInspectionFactory(project=other_plan.project)
    client = api_for(user)
    assert [row["id"] for row in client.get(INSPECTIONS).json()["results"]] == [mine.pk]
    assert client.get(f"{INSPECTIONS}{theirs.pk}/").status_code == 404
    response = client.post(
        INSPECTIONS,
        inspection_body(other_plan.project, half=1, inspected_on="2021-05-01"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"project": [zh("This is outside your department's records.")]}
    assert ProjectInspection.objects.count() == 2


# --- year-end evaluations ------------------------------------------------------------------------


def test_a_supervisor_confirms_a_grade_then_replaces_it(supervisor, plan):
    client = api_for(supervisor)
    response = client.post(
        EVALUATIONS,
        {"project": plan.project_id, "year": 2021, "grade": "good", "note": "按期竣工"},
        format="json",
    )
    assert response.status_code == 201, response.content
    evaluation = ProjectEvaluation.objects.get()
    data = response.json()
    assert (data["id"], data["grade"], data["note"]) == (evaluation.pk, "good", "按期竣工")
    assert data["proposed_grade"] == evaluation.proposed_grade != ""
    assert data["confirmed_by"] == supervisor.pk
    assert (evaluation.history.get().history_user, evaluation.confirmed_by) == (
        supervisor,
        supervisor,
    )
    # Confirming again replaces the grade, as on the page (200, the same row).
    response = client.post(
        EVALUATIONS, {"project": plan.project_id, "year": 2021, "grade": "excellent"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == evaluation.pk
    response = client.patch(f"{EVALUATIONS}{evaluation.pk}/", {"note": "补充"}, format="json")
    assert response.status_code == 200, response.content
    evaluation.refresh_from_db()
    assert (evaluation.grade, evaluation.note) == ("excellent", "补充")
    assert ProjectEvaluation.objects.count() == 1
    assert evaluation.history.latest().history_user == supervisor


def test_the_pages_refusals_before_december_without_a_plan_and_without_a_grade(supervisor):
    next_year = timezone.localdate().year + 1
    plan = ProjectPlanFactory(year=next_year)
    client = api_for(supervisor)
    response = client.post(
        EVALUATIONS, {"project": plan.project_id, "year": next_year, "grade": "good"}, format="json"
    )
    assert response.status_code == 400
    message = zh("The evaluation of %(year)s is confirmed from December %(year)s on.")
    assert response.json() == {"year": [message % {"year": next_year}]}
    response = client.post(
        EVALUATIONS, {"project": plan.project_id, "year": 2021, "grade": "good"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"project": [zh("This project has no plan for %(year)s.", year=2021)]}
    for grade in ({"grade": "superb"}, {"grade": ""}, {}):
        response = client.post(
            EVALUATIONS, {"project": plan.project_id, "year": 2021, **grade}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"grade": [zh("Choose a grade.")]}
    response = client.post(EVALUATIONS, {"year": "x", "grade": "good"}, format="json")
    assert set(response.json()) == {"project", "year"}
    assert not ProjectEvaluation.objects.exists()


def test_an_evaluation_stays_with_its_project_and_year(supervisor, plan):
    evaluation = ProjectEvaluationFactory(project=plan.project, year=2021)
    other = ProjectPlanFactory(year=2021)
    response = api_for(supervisor).patch(
        f"{EVALUATIONS}{evaluation.pk}/",
        {"project": other.project_id, "year": 2022, "grade": "good"},
        format="json",
    )
    assert response.status_code == 400
    fixed = [zh("This cannot change once recorded.")]
    assert response.json() == {"project": fixed, "year": fixed}
    evaluation.refresh_from_db()
    assert evaluation.grade == ""


def test_only_a_supervisor_confirms(plan):
    evaluation = ProjectEvaluationFactory(project=plan.project, year=2021)
    for user in (user_with_role("economic_bureau"), user_with_role("department_user")):
        client = api_for(user)
        body = {"project": plan.project_id, "year": 2021, "grade": "good"}
        assert client.post(EVALUATIONS, body, format="json").status_code == 403
        response = client.patch(f"{EVALUATIONS}{evaluation.pk}/", {"grade": "fail"}, format="json")
        assert response.status_code in (403, 404)
    assert api_for(user_with_role("economic_bureau")).get(EVALUATIONS).status_code == 200
    assert api_for(UserFactory()).get(EVALUATIONS).status_code == 403
    admin = api_for(UserFactory(is_superuser=True))
    assert admin.delete(f"{EVALUATIONS}{evaluation.pk}/").status_code == 405
    evaluation.refresh_from_db()
    assert evaluation.grade == ""


def test_another_departments_evaluation_is_404_for_a_department(plan):
    evaluation = ProjectEvaluationFactory(project=plan.project, year=2021)
    mine = ProjectPlanFactory(year=2021)
    user = user_with_role("department_user", official=OfficialFactory(department=mine.department))
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_projectevaluation", "confirm_projectevaluation"]
        )
    )
    client = api_for(user)
    assert client.get(f"{EVALUATIONS}{evaluation.pk}/").status_code == 404
    assert client.get(EVALUATIONS).json()["count"] == 0
    response = client.patch(f"{EVALUATIONS}{evaluation.pk}/", {"grade": "fail"}, format="json")
    assert response.status_code == 404
    response = client.post(
        EVALUATIONS, {"project": plan.project_id, "year": 2021, "grade": "fail"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"project": [zh("This is outside your department's records.")]}
    evaluation.refresh_from_db()
    assert evaluation.grade == ""


def test_filters(supervisor, plan):
    ProjectInspectionFactory(project=plan.project, half=1, inspected_on="2021-05-01")
    ProjectInspectionFactory(project=plan.project, half=2)
    client = api_for(supervisor)
    assert client.get(INSPECTIONS, {"half": 1}).json()["count"] == 1
    assert client.get(INSPECTIONS, {"project": plan.project_id, "year": 2021}).json()["count"] == 2
    assert client.get(INSPECTIONS, {"half": 5}).status_code == 400
    assert client.get(EVALUATIONS, {"grade": "superb"}).status_code == 400
