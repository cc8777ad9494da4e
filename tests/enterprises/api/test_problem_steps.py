"""Problem steps as API v1 actions, `due_on` refused, and the contract's create accepted."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Problem, ProblemEvent
from tests.factories import AssignmentFactory, DepartmentFactory, OfficialFactory, ProblemFactory
from tests.roles import user_with_role

from .visit_world import client_of

pytestmark = pytest.mark.django_db


def step(client, problem, name, body, status=200):
    response = client.post(reverse(f"api:problem-{name}", args=[problem.pk]), body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def state(problem):
    problem = Problem.objects.get(pk=problem.pk)
    return (problem.status, problem.department_id, problem.resolution, problem.satisfaction)


def history_users(problem):
    return [
        row.history_user for row in Problem.history.filter(id=problem.pk).order_by("history_id")
    ]


def test_each_step_calls_the_pages_service_and_answers_the_problem(admin_api):
    today = timezone.localdate()
    problem = ProblemFactory(raised_on=today - datetime.timedelta(days=3))
    first, second = DepartmentFactory(), DepartmentFactory()
    body = step(admin_api, problem, "assign", {"department": first.pk})
    assert (body["status"], body["department"]) == ("assigned", first.pk)
    assert body["assigned_on"] == today.isoformat()
    assert step(admin_api, problem, "assign", {"department": second.pk})["department"] == second.pk
    on = today.isoformat()
    body = step(admin_api, problem, "feedback", {"note": "已协调", "on": on})
    assert (body["status"], body["first_feedback_on"]) == ("in_progress", on)
    body = step(admin_api, problem, "solve", {"resolution": "手续已办结"})
    assert (body["status"], body["resolution"]) == ("solved", "手续已办结")
    body = step(admin_api, problem, "reject", {"note": "仍未办结"})
    assert (body["status"], body["resolution"]) == ("in_progress", "")
    step(admin_api, problem, "solve", {"resolution": "已全部办结"})
    body = step(admin_api, problem, "confirm", {"satisfaction": 4})
    assert (body["status"], body["satisfaction"]) == ("resolved", 4)
    assert body["resolved_on"] == today.isoformat()
    assert body == admin_api.get(f"/api/v1/problems/{problem.pk}/").json()
    assert list(ProblemEvent.objects.order_by("at", "id").values_list("action", flat=True)) == [
        "assigned",
        "assigned",
        "feedback",
        "solved",
        "rejected",
        "solved",
        "confirmed",
    ]
    assert set(history_users(problem)[1:]) == {Problem.objects.get().events.first().by}


@pytest.mark.parametrize(
    "status, name, body, words",
    [
        ("open", "feedback", {"note": "x"}, ["反馈", "Feedback"]),
        ("open", "solve", {"resolution": "x"}, ["办结", "solved"]),
        ("open", "confirm", {"satisfaction": 5}, ["确认", "confirmed"]),
        ("assigned", "reject", {"note": "x"}, ["退回", "sent back"]),
        ("resolved", "assign", {"department": None}, ["交办", "assigned"]),
    ],
)
def test_a_step_the_status_does_not_allow_is_400_naming_status(
    admin_api, status, name, body, words
):
    department = DepartmentFactory()
    today = timezone.localdate()
    done = {"resolution": "ok", "resolved_on": today, "satisfaction": 5, "solved_on": today}
    problem = ProblemFactory(
        raised_on=today,
        status=status,
        department=None if status == "open" else department,
        assigned_on=None if status == "open" else today,
        **(done if status == "resolved" else {}),
    )
    if body.get("department", 0) is None:
        body = {"department": DepartmentFactory().pk}
    before = state(problem)
    errors = step(admin_api, problem, name, body, status=400)
    assert any(word in errors["status"][0] for word in words), errors
    assert state(problem) == before
    assert not ProblemEvent.objects.exists()


def test_a_missing_or_bad_field_is_400(admin_api):
    problem = ProblemFactory(raised_on=timezone.localdate())
    assert "department" in step(admin_api, problem, "assign", {}, status=400)
    assert "department" in step(admin_api, problem, "assign", {"department": 999999}, status=400)
    on = "2999-01-01"
    errors = step(
        admin_api, problem, "assign", {"department": DepartmentFactory().pk, "on": on}, 400
    )
    assert "on" in errors
    problem.status, problem.department = "solved", DepartmentFactory()
    problem.save()
    assert "satisfaction" in step(admin_api, problem, "confirm", {"satisfaction": 6}, status=400)
    assert "note" in step(admin_api, problem, "reject", {"note": ""}, status=400)
    assert not ProblemEvent.objects.exists()


def test_a_user_the_workflow_does_not_allow_is_403():
    assignment = AssignmentFactory(year=timezone.localdate().year)
    problem = ProblemFactory(
        enterprise=assignment.enterprise,
        raised_on=timezone.localdate(),
        department=assignment.department,
        assigned_on=timezone.localdate(),
        status="assigned",
    )
    # The sponsoring leader sees the problem and may confirm, but neither solves nor assigns.
    client = client_of(user_with_role("county_leader", official=assignment.leader))
    before = state(problem)
    for name, body in (("solve", {"resolution": "x"}), ("assign", {}), ("feedback", {})):
        detail = step(client, problem, name, body, status=403)["detail"]
        assert name in detail
    assert state(problem) == before and not ProblemEvent.objects.exists()
    # The department's own official solves it; the history names them.
    handler = user_with_role(
        "department_user", official=OfficialFactory(department=assignment.department)
    )
    step(client_of(handler), problem, "solve", {"resolution": "已办结"})
    assert history_users(problem)[-1] == handler
    stranger = user_with_role("official", official=AssignmentFactory().responsible)
    assert client_of(stranger).post(f"/api/v1/problems/{problem.pk}/confirm/").status_code == 404


def test_due_on_in_a_body_is_400_saying_it_is_computed(admin_api):
    problem = ProblemFactory(raised_on=timezone.localdate())
    create = {"enterprise": problem.enterprise_id, "category": "land", "description": "x"}
    for method, path, body in (
        ("post", "/api/v1/problems/", {**create, "due_on": "2021-12-31"}),
        ("patch", f"/api/v1/problems/{problem.pk}/", {"due_on": "2021-12-31"}),
        ("patch", f"/api/v1/problems/{problem.pk}/", {"due_on": None, "description": "x"}),
        ("post", f"/api/v1/problems/{problem.pk}/assign/", {"department": 1, "due_on": None}),
    ):
        response = getattr(admin_api, method)(path, body, format="json")
        assert response.status_code == 400, (path, response.content)
        assert "13710" in response.json()["due_on"][0]
    assert Problem.objects.count() == 1 and not ProblemEvent.objects.exists()
    assert Problem.objects.get().due_on == problem.due_on


def test_the_schema_says_due_on_is_read_only(admin_api):
    schema = admin_api.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Problem"]["properties"]["due_on"]["readOnly"] is True
    assert "due_on" not in schema["components"]["schemas"]["ProblemRequest"]["properties"]
    for name in ("assign", "feedback", "solve", "confirm", "reject"):
        assert f"/api/v1/problems/{{id}}/{name}/" in schema["paths"]


def test_a_create_that_follows_the_contract_is_accepted(admin_api):
    department = DepartmentFactory()
    enterprise = AssignmentFactory().enterprise
    body = {
        "enterprise": enterprise.pk,
        "category": "land",
        "description": "新厂房用地手续未办结",
        "department": department.pk,
        "raised_on": "2021-11-10",
        "status": "open",
        "resolution": "",
        "resolved_on": None,
    }
    response = admin_api.post("/api/v1/problems/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["department"]) == ("assigned", department.pk)
    assert (created["raised_on"], created["due_on"]) == ("2021-11-10", "2021-11-17")
    body.update(department=None, resolution=None, status="open")
    response = admin_api.post("/api/v1/problems/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    for status in ("in_progress", "solved", "resolved"):
        response = admin_api.post("/api/v1/problems/", {**body, "status": status}, format="json")
        assert response.status_code == 400
        assert "status" in response.json()
    response = admin_api.post("/api/v1/problems/", {**body, "status": "assigned"}, format="json")
    assert response.status_code == 400
    assert Problem.objects.count() == 2
