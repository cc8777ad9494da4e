"""API of the turn of the year and of the annual plan: start, edit drafts, confirm, refusals."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from enterprises.models import Assignment, Target
from hengkou.models import AnnualPlan, DraftAssignment, DraftTarget, GrowthRate, PlanGoal, YearTurn
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    YearTurnFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def zone():
    first, second = DepartmentFactory(code="D01"), DepartmentFactory(code="D02")
    one = AssignmentFactory(year=2021, department=first)
    two = AssignmentFactory(year=2021, department=second)
    one.team.add(one.responsible)
    for assignment, value in ((one, "300"), (two, "1000")):
        MonthlyReportFactory(
            enterprise=assignment.enterprise,
            period=datetime.date(2021, 12, 1),
            output_value=Decimal(value),
        )
    return {"first": first, "second": second, "a": [one, two]}


@pytest.fixture
def office():
    """The leading office: the economic bureau's role, which closes the months."""
    user = user_with_role("economic_bureau")
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def _rows():
    return (
        YearTurn.objects.count(),
        DraftAssignment.objects.count(),
        DraftTarget.objects.count(),
        GrowthRate.objects.count(),
        Assignment.objects.count(),
        Target.objects.count(),
    )


def test_start_edit_seed_and_confirm_through_the_api(zone, office):
    response = office.post(f"{API}/year-turns/", {"year": 2022}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["year"], body["from_year"], body["status"], body["assignments"]) == (
        2022,
        2021,
        "draft",
        2,
    )
    turn = body["id"]
    seeded = office.post(
        f"{API}/year-turns/{turn}/seed/",
        {
            "rates": {"output_value": 0.1},
            "department_rates": [
                {"department": zone["second"].pk, "metric": "output_value", "rate": 0.5}
            ],
        },
        format="json",
    )
    assert seeded.status_code == 200, seeded.json()
    assert seeded.json()["targets"] == 2
    targets = office.get(f"{API}/year-turn-targets/?turn={turn}").json()["results"]
    assert sorted((t["base"], t["value"]) for t in targets) == [
        ("1000.00", "1500.00"),
        ("300.00", "330.00"),
    ]
    target = next(t for t in targets if t["base"] == "300.00")
    patched = office.patch(
        f"{API}/year-turn-targets/{target['id']}/", {"value": "400.00"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["value"] == "400.00"
    draft = office.get(f"{API}/year-turn-assignments/?turn={turn}").json()["results"][0]
    changed = office.patch(
        f"{API}/year-turn-assignments/{draft['id']}/",
        {"plan_goals": "2022年增长10%"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["plan_goals"] == "2022年增长10%"
    assert not Assignment.objects.filter(year=2022).exists()

    confirmed = office.post(f"{API}/year-turns/{turn}/confirm/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["confirmed_by"] == office.user.pk
    assert Assignment.objects.filter(year=2022).count() == 2
    assert Assignment.objects.get(year=2022, plan_goals="2022年增长10%")
    assert dict(Target.objects.filter(year=2022).values_list("enterprise_id", "value")) == {
        zone["a"][0].enterprise_id: Decimal("400.00"),
        zone["a"][1].enterprise_id: Decimal("1500.00"),
    }
    users = set(Assignment.history.filter(year=2022).values_list("history_user", flat=True))
    assert users == {office.user.pk}
    assert set(Target.history.filter(year=2022).values_list("history_user", flat=True)) == {
        office.user.pk
    }

    before = _rows()
    again = office.post(f"{API}/year-turns/{turn}/confirm/", {}, format="json")
    assert again.status_code == 400
    assert "2022" in again.json()["detail"][0]
    late = office.patch(f"{API}/year-turn-targets/{target['id']}/", {"value": "1"}, format="json")
    assert late.status_code == 400
    assert _rows() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2030}, "year"),
        ({"year": 2021}, "year"),
        ({"year": "abc"}, "year"),
        ({"year": None}, "year"),
        ({}, "year"),
        ({"year": 1e9}, "year"),
    ],
)
def test_start_refuses_a_year_that_is_not_the_next_one_and_writes_nothing(
    zone, office, body, field
):
    before = _rows()
    response = office.post(f"{API}/year-turns/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _rows() == before


def test_a_year_already_started_is_refused(zone, office):
    assert office.post(f"{API}/year-turns/", {"year": 2022}, format="json").status_code == 201
    before = _rows()
    response = office.post(f"{API}/year-turns/", {"year": 2022}, format="json")
    assert response.status_code == 400
    assert "2022" in response.json()["year"][0]
    assert _rows() == before


@pytest.mark.parametrize(
    "body",
    [
        {"rates": {"output_value": "abc"}},
        {"rates": {"output_value": 11}},
        {"rates": {"output_value": -1.01}},
        {"rates": {"bogus": 0.1}},
        {"rates": {}},
        {"rates": [0.1]},
        {"department_rates": [{"department": 999999, "metric": "tax", "rate": 0.1}]},
        {"rates": {"tax": 0.1}, "department_rates": [{"department": 1, "metric": "x", "rate": 1}]},
    ],
)
def test_seed_refuses_rates_that_are_not_sane_numbers_and_writes_nothing(zone, office, body):
    turn = office.post(f"{API}/year-turns/", {"year": 2022}, format="json").json()["id"]
    before = _rows()
    response = office.post(f"{API}/year-turns/{turn}/seed/", body, format="json")
    assert response.status_code == 400, response.json()
    assert _rows() == before


def test_drafts_refuse_moving_to_another_enterprise_and_an_official_may_not_start(zone, office):
    turn = office.post(f"{API}/year-turns/", {"year": 2022}, format="json").json()["id"]
    draft = DraftAssignment.objects.filter(turn_id=turn).first()
    response = office.patch(
        f"{API}/year-turn-assignments/{draft.pk}/",
        {"enterprise": EnterpriseFactory().pk},
        format="json",
    )
    assert response.status_code == 400 and "enterprise" in response.json()
    assert DraftAssignment.objects.get(pk=draft.pk).enterprise_id == draft.enterprise_id
    dropped = office.delete(f"{API}/year-turn-assignments/{draft.pk}/")
    assert dropped.status_code == 204
    assert DraftAssignment.objects.filter(turn_id=turn).count() == 1
    official = APIClient()
    official.force_authenticate(user_with_role("official"))
    before = _rows()
    assert official.post(f"{API}/year-turns/", {"year": 2023}, format="json").status_code == 403
    assert official.post(f"{API}/year-turns/{turn}/confirm/", {}).status_code == 403
    assert official.get(f"{API}/year-turns/").status_code == 403
    assert _rows() == before


def test_a_target_for_an_enterprise_outside_the_drafts_is_refused(zone, office):
    turn = YearTurnFactory(year=2022)
    outsider = AssignmentFactory(year=2020).enterprise
    response = office.post(
        f"{API}/year-turn-targets/",
        {"turn": turn.pk, "enterprise": outsider.pk, "metric": "tax", "value": "1.00"},
        format="json",
    )
    assert response.status_code == 400 and "enterprise" in response.json()
    assert not DraftTarget.objects.exists()


def test_annual_plans_with_goals_per_indicator(office):
    body = {
        "year": 2022,
        "title": "2022年重点工业企业包抓工作实施方案",
        "text": "一个企业、一名领导、一个部门、一套班子、一个方案。",
        "goals": [
            {"metric": "output_value", "growth_rate": 0.15, "unit": "%", "note": "增长15%"},
            {"metric": "investment", "goal_value": "100000.00", "unit": "万元"},
        ],
    }
    response = office.post(f"{API}/annual-plans/", body, format="json")
    assert response.status_code == 201, response.json()
    goals = response.json()["goals"]
    assert goals[0]["growth_rate"] == 0.15 and goals[1]["goal_value"] == "100000.00"
    plan = AnnualPlan.objects.get()
    assert plan.history.get().history_user == office.user
    patched = office.patch(
        f"{API}/annual-plans/{plan.pk}/",
        {"goals": [{"metric": "tax", "goal_value": "5000.00"}]},
        format="json",
    )
    assert patched.status_code == 200
    assert list(PlanGoal.objects.values_list("metric", flat=True)) == ["tax"]


@pytest.mark.parametrize(
    "goals",
    [
        [{"metric": "output_value", "growth_rate": 20}],
        [{"metric": "output_value", "growth_rate": "abc"}],
        # Too large to round to six places (DRF's quantize raised: a 500 found by the fuzz).
        [{"metric": "tech_investment", "growth_rate": -1.3444992053286548e308}],
        [{"metric": "tech_investment", "growth_rate": 1e30}],
        [{"metric": "output_value"}],
        [{"metric": "bogus", "goal_value": "1"}],
        [{"metric": "tax", "goal_value": "1"}, {"metric": "tax", "goal_value": "2"}],
        [{"metric": "tax", "goal_value": "-1"}],
        {"metric": "tax"},
    ],
)
def test_annual_plan_goals_are_checked_and_a_refusal_writes_nothing(office, goals):
    body = {"year": 2022, "title": "方案", "goals": goals}
    response = office.post(f"{API}/annual-plans/", body, format="json")
    assert response.status_code == 400, response.json()
    assert not AnnualPlan.objects.exists() and not PlanGoal.objects.exists()


def _grow(turn, size):
    from tests.factories import DraftAssignmentFactory, DraftTargetFactory

    for _ in range(size):
        draft = DraftAssignmentFactory(turn=turn)
        draft.team.add(draft.responsible)
        DraftTargetFactory(turn=turn, enterprise=draft.enterprise)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/year-turns/",
        "/api/v1/year-turn-assignments/?turn={turn}",
        "/api/v1/year-turn-targets/?turn={turn}",
        "/year/turn/?year=2022",
    ],
)
def test_the_lists_and_the_page_read_the_same_queries_for_2_or_20_drafts(
    office, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    turn = YearTurnFactory(year=2022)
    client = office
    if url.startswith("/year/"):
        client = Client()
        client.force_login(office.user)
    client.get(url.format(turn=turn.pk))  # the user's permissions, loaded once
    counts = []
    for size in (2, 18):
        _grow(turn, size)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url.format(turn=turn.pk)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(25):
        client.get(url.format(turn=turn.pk))


def test_a_draft_turn_is_discarded_with_its_drafts_and_a_confirmed_one_is_not(zone, office):
    before = _rows()
    turn = office.post(f"{API}/year-turns/", {"year": 2022}, format="json").json()["id"]
    office.post(f"{API}/year-turns/{turn}/seed/", {"rates": {"output_value": "0.1"}}, format="json")
    assert DraftAssignment.objects.filter(turn=turn).count() == 2
    # An official may not discard it.
    official = APIClient()
    official.force_authenticate(user_with_role("official"))
    assert official.delete(f"{API}/year-turns/{turn}/").status_code == 403
    assert office.delete(f"{API}/year-turns/{turn}/").status_code == 204
    assert _rows() == before
    # The year can be started again; once confirmed, it is not discarded.
    turn = office.post(f"{API}/year-turns/", {"year": 2022}, format="json").json()["id"]
    assert office.post(f"{API}/year-turns/{turn}/confirm/").status_code == 200
    confirmed = _rows()
    response = office.delete(f"{API}/year-turns/{turn}/")
    assert response.status_code == 400
    assert "2022" in str(response.json())
    assert _rows() == confirmed


def test_a_team_changed_on_a_draft_shows_in_the_confirmed_assignments_history(zone, office):
    """The many-to-many's history: each new assignment's history row holds its team, and one
    whose team was changed on the draft says from whom to whom, naming the user."""
    from tests.factories import OfficialFactory

    one, two = zone["a"]
    newcomer = OfficialFactory(department=one.department, name="王新")
    turn = office.post(f"{API}/year-turns/", {"year": 2022}, format="json").json()["id"]
    drafts = {
        d["enterprise"]: d
        for d in office.get(f"{API}/year-turn-assignments/?turn={turn}").json()["results"]
    }
    draft = drafts[one.enterprise_id]
    assert draft["team"] == [one.responsible_id]
    changed = office.patch(
        f"{API}/year-turn-assignments/{draft['id']}/", {"team": [newcomer.pk]}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert office.post(f"{API}/year-turns/{turn}/confirm/", {}, format="json").status_code == 200

    changed_one = Assignment.objects.get(year=2022, enterprise=one.enterprise)
    record = changed_one.history.get()
    assert record.history_user_id == office.user.pk
    assert [row.official_id for row in record.team.all()] == [newcomer.pk]
    assert record.history_change_reason == (f"year turn 2022; team: {one.responsible.name} → 王新")
    kept = Assignment.objects.get(year=2022, enterprise=two.enterprise).history.get()
    assert kept.history_change_reason == "year turn 2022"  # its team (none) was kept
    # Through the API's history: the creation lists the team with the other fields.
    trail = office.get(
        f"{API}/history/", {"model": "enterprises.assignment", "object_id": changed_one.pk}
    ).json()["results"]
    (created,) = trail
    assert created["user_id"] == office.user.pk
    assert "王新" in created["reason"]
    team = next(c for c in created["changes"] if c["field"] == "team")
    assert team == {
        "field": "team",
        "before": None,
        "after": [{"assignment": changed_one.pk, "official": newcomer.pk}],
    }
