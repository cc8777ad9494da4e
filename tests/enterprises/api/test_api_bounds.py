"""API v1 bounds on the enterprises' records: a plan's deadline, lists of ids, a visit's date.

Each refusal is a 400 naming the field, before the ids are looked up, and writes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import Assignment, Milestone, PromotionEvent, Visit
from enterprises.services.visits import record_visit
from tests.enterprises.api.visit_world import NOV_10, client_of, visit_world
from tests.factories import AssignmentFactory, EnterpriseFactory, OfficialFactory, UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.mark.parametrize("deadline", ["9999-12-31", "0001-01-01", "2020-12-31", "2027-01-01"])
def test_a_plan_deadline_outside_its_year_and_the_five_after_is_refused(admin_api, deadline):
    assignment = AssignmentFactory(year=2021, plan_deadline=datetime.date(2021, 12, 31))
    url = f"{API}/assignments/{assignment.pk}/"
    response = admin_api.patch(url, {"plan_deadline": deadline}, format="json")
    assert response.status_code == 400, response.json()
    message = response.json()["plan_deadline"][0]
    assert "2021-01-01" in message and "2026-12-31" in message
    assert Assignment.objects.get(pk=assignment.pk).plan_deadline == datetime.date(2021, 12, 31)
    assert Assignment.history.filter(id=assignment.pk).count() == 1
    later = admin_api.patch(url, {"plan_deadline": "2026-12-31"}, format="json")
    assert later.status_code == 200, later.json()


def test_the_next_turn_carries_a_bounded_deadline_into_its_year(admin_api):
    from hengkou.services.year_turn import start_year_turn

    assignment = AssignmentFactory(year=2021)
    url = f"{API}/assignments/{assignment.pk}/"
    assert admin_api.patch(url, {"plan_deadline": "2026-12-31"}, format="json").status_code == 200
    turn = start_year_turn(year=2022, acting_user=None, today=datetime.date(2022, 1, 5))
    assert turn.assignments.get().plan_deadline == datetime.date(2027, 12, 31)


def test_a_visit_names_at_most_200_participants_before_any_is_looked_up(
    django_assert_max_num_queries,
):
    world = visit_world()
    ids = [official.pk for official in OfficialFactory.create_batch(3)] * 2000
    url = f"{API}/visits/{world.visit.pk}/"
    history = world.visit.history.count()
    with django_assert_max_num_queries(12):
        response = client_of(world.author).patch(url, {"participants": ids}, format="json")
    assert response.status_code == 400
    message = response.json()["participants"][0]
    assert "200" in message and "6000" in message
    visit = Visit.objects.get(pk=world.visit.pk)
    assert list(visit.participants.all()) == [world.assignment.responsible]
    assert visit.history.count() == history


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2020-12-31"])
def test_a_visit_dated_before_the_enterprise_was_first_sponsored_is_refused_on_its_date(day):
    world = visit_world()  # the enterprise is first sponsored in 2021
    url = f"{API}/visits/{world.visit.pk}/"
    response = client_of(world.author).patch(url, {"visited_on": day}, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()) == ["visited_on"]
    assert "2021-01-01" in response.json()["visited_on"][0]
    assert Visit.objects.get(pk=world.visit.pk).visited_on == NOV_10


def test_an_enterprise_never_sponsored_takes_no_visit_before_2000():
    enterprise = EnterpriseFactory()
    with pytest.raises(ValidationError) as refused:
        record_visit(
            enterprise=enterprise,
            visited_on=datetime.date(1999, 6, 1),
            participants=[OfficialFactory()],
            acting_user=UserFactory(is_superuser=True),
            today=datetime.date(2021, 11, 10),
            now=datetime.datetime(2021, 11, 10, tzinfo=datetime.UTC),
        )
    assert "2000-01-01" in refused.value.message_dict["visited_on"][0]
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "model"),
    [
        (
            "milestones",
            {"happened_on": "2021-10-13", "kind": "platform", "title": "t"},
            Milestone,
        ),
        (
            "promotion-events",
            {"held_on": "2021-09-10", "title": "t", "city": "南宁"},
            PromotionEvent,
        ),
    ],
)
def test_a_fact_names_at_most_200_enterprises(
    admin_api, url, body, model, django_assert_max_num_queries
):
    ids = [enterprise.pk for enterprise in EnterpriseFactory.create_batch(3)]
    with django_assert_max_num_queries(12):
        response = admin_api.post(
            f"{API}/{url}/", {**body, "enterprises": ids * 1667}, format="json"
        )
    assert response.status_code == 400
    assert "200" in response.json()["enterprises"][0]
    assert not model.objects.exists()
    made = admin_api.post(f"{API}/{url}/", {**body, "enterprises": ids * 60}, format="json")
    assert made.status_code == 201, made.json()
    assert sorted(made.json()["enterprises"]) == sorted(ids)
