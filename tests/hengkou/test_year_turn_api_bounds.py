"""The turn of the year's API refuses what it cannot store or afford: bounded deadlines, lists
and decimals, plain years, a filter that refuses garbage. A refusal is a 400 writing nothing."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from enterprises.models import Assignment
from hengkou.models import AnnualPlan, DraftAssignment, GrowthRate, PlanGoal, YearTurn
from tests.factories import AssignmentFactory, DepartmentFactory, OfficialFactory
from tests.hengkou.test_year_turn_api import _rows
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def zone():
    """Two departments, each sponsoring an enterprise in 2021."""
    first, second = DepartmentFactory(code="D01"), DepartmentFactory(code="D02")
    one = AssignmentFactory(year=2021, department=first)
    two = AssignmentFactory(year=2021, department=second)
    return {"first": first, "second": second, "a": [one, two]}


@pytest.fixture
def office():
    """The leading office (the economic bureau's role)."""
    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau"))
    return client


def _start(office, year=2022):
    response = office.post(f"{API}/year-turns/", {"year": year}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.mark.parametrize("deadline", ["9999-12-31", "0001-01-01", "2020-12-31", "2028-01-01"])
def test_a_draft_deadline_outside_its_year_and_the_five_after_is_refused(zone, office, deadline):
    turn = _start(office)
    draft = DraftAssignment.objects.filter(turn_id=turn).first()
    response = office.patch(
        f"{API}/year-turn-assignments/{draft.pk}/", {"plan_deadline": deadline}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert "2022-01-01" in response.json()["plan_deadline"][0]
    assert DraftAssignment.objects.get(pk=draft.pk).plan_deadline == draft.plan_deadline
    kept = office.patch(
        f"{API}/year-turn-assignments/{draft.pk}/", {"plan_deadline": "2026-12-31"}, format="json"
    )
    assert kept.status_code == 200, kept.json()


def test_a_deadline_stored_before_the_bound_never_breaks_the_next_turn(zone, office):
    # Deadlines stored before they were bounded: the next turn drops what it cannot move.
    one, two = zone["a"]
    Assignment.objects.filter(pk=one.pk).update(plan_deadline=datetime.date(9999, 12, 31))
    Assignment.objects.filter(pk=two.pk).update(plan_deadline=datetime.date(1, 1, 1))
    turn = _start(office)
    drafts = DraftAssignment.objects.filter(turn_id=turn)
    assert sorted(d.plan_deadline is None for d in drafts) == [True, True]
    confirmed = office.post(f"{API}/year-turns/{turn}/confirm/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert _start(office, 2023)


def test_a_29_february_deadline_moves_to_the_28th(zone, office):
    one = zone["a"][0]
    Assignment.objects.filter(pk=one.pk).update(plan_deadline=datetime.date(2024, 2, 29))
    turn = _start(office)
    draft = DraftAssignment.objects.get(turn_id=turn, enterprise=one.enterprise)
    assert draft.plan_deadline == datetime.date(2025, 2, 28)


def test_a_team_of_too_many_ids_is_refused_before_they_are_looked_up(
    zone, office, django_assert_max_num_queries
):
    turn = _start(office)
    draft = DraftAssignment.objects.filter(turn_id=turn).first()
    team = [official.pk for official in OfficialFactory.create_batch(3)] * 100
    with django_assert_max_num_queries(12):
        response = office.patch(
            f"{API}/year-turn-assignments/{draft.pk}/", {"team": team}, format="json"
        )
    assert response.status_code == 400
    assert "200" in response.json()["team"][0] and "300" in response.json()["team"][0]
    assert list(draft.team.all()) == list(DraftAssignment.objects.get(pk=draft.pk).team.all())


def test_seed_refuses_too_many_department_rates_and_a_department_rate_given_twice(zone, office):
    turn = _start(office)
    department = zone["second"].pk
    row = {"department": department, "metric": "output_value", "rate": 0.1}
    before = _rows()
    many = office.post(
        f"{API}/year-turns/{turn}/seed/", {"department_rates": [row] * 201}, format="json"
    )
    assert many.status_code == 400
    assert "200" in many.json()["department_rates"][0]
    twice = office.post(
        f"{API}/year-turns/{turn}/seed/",
        {"department_rates": [row, {**row, "rate": 0.2}]},
        format="json",
    )
    assert twice.status_code == 400, twice.json()
    assert zone["second"].name in twice.json()["department_rates"][0]
    assert _rows() == before
    other = {"department": DepartmentFactory().pk, "metric": "output_value", "rate": 0.2}
    both = office.post(
        f"{API}/year-turns/{turn}/seed/", {"department_rates": [row, other]}, format="json"
    )
    assert both.status_code == 200, both.json()
    assert GrowthRate.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"rates": {"output_value": "0.1234567891"}},
        {"rates": {"output_value": 1e-300}},
        {"department_rates": [{"department": 0, "metric": "output_value", "rate": 1e-300}]},
    ],
)
def test_seed_refuses_more_decimals_than_a_rate_keeps(zone, office, body):
    turn = _start(office)
    for row in body.get("department_rates", []):
        row["department"] = zone["second"].pk
    before = _rows()
    response = office.post(f"{API}/year-turns/{turn}/seed/", body, format="json")
    assert response.status_code == 400, response.json()
    assert _rows() == before


def test_the_seed_service_refuses_extra_decimals_the_page_never_sends(zone, office):
    from django.core.exceptions import ValidationError

    from hengkou.services.year_turn import parse_rate

    assert parse_rate("0.123456") == Decimal("0.123456")
    assert parse_rate(Decimal("12.3456") / 100) == Decimal("0.123456")
    assert parse_rate("0.1000000") == Decimal("0.1")
    with pytest.raises(ValidationError):
        parse_rate("0.1234567")


@pytest.mark.parametrize("rate", [1e-300, "0.1234567891", 0.1234567])
def test_a_plan_goal_rate_with_more_decimals_than_kept_is_refused(office, rate):
    body = {"year": 2022, "title": "方案", "goals": [{"metric": "tax", "growth_rate": rate}]}
    response = office.post(f"{API}/annual-plans/", body, format="json")
    assert response.status_code == 400, response.json()
    assert "6" in response.json()["goals"]["0"]["growth_rate"][0]
    assert not AnnualPlan.objects.exists() and not PlanGoal.objects.exists()


def test_a_plan_names_at_most_one_goal_per_indicator(office):
    goals = [{"metric": "tax", "goal_value": "1"}] * 5000
    response = office.post(
        f"{API}/annual-plans/", {"year": 2022, "title": "方案", "goals": goals}, format="json"
    )
    assert response.status_code == 400
    assert "5000" in response.json()["goals"][0]
    assert not AnnualPlan.objects.exists() and not PlanGoal.objects.exists()
    goal = office.post(
        f"{API}/annual-plans/",
        {"year": 2022, "title": "方案", "goals": [{"metric": "tax", "goal_value": "1e3"}]},
        format="json",
    )
    assert goal.status_code == 400 and "goal_value" in goal.json()["goals"]["0"]


@pytest.mark.parametrize("year", ["2_022", "2022.0", "٢٠٢٢", "2e3"])
def test_a_year_is_written_in_plain_digits(zone, office, year):
    before = _rows()
    response = office.post(f"{API}/year-turns/", {"year": year}, format="json")
    assert response.status_code == 400
    assert "year" in response.json()
    assert _rows() == before
    assert office.post(f"{API}/year-turns/", {"year": "2022"}, format="json").status_code == 201


@pytest.mark.parametrize("query", ["year=abc", "year=0", "year=99999"])
def test_the_turns_list_refuses_a_garbage_filter(zone, office, query):
    _start(office)
    response = office.get(f"{API}/year-turns/?{query}")
    assert response.status_code == 400
    assert "year" in response.json()
    listed = office.get(f"{API}/year-turns/?year=2023").json()
    assert listed["count"] == 0 and YearTurn.objects.count() == 1
    assert office.get(f"{API}/year-turns/?year=2022").json()["count"] == 1
