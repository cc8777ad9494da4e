"""A visit is recorded once per idempotency key (the offline draft's), by the page and the API."""

import threading
import uuid
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Problem, Visit, VisitPhoto
from enterprises.services.visits import VisitAlreadyRecorded, record_visit
from tests.factories import AssignmentFactory, OfficialFactory
from tests.roles import user_with_role

from ..api.visit_world import client_of, jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def responsible(client):
    """A responsible person (an official) signed in, with one assignment this year."""
    official = OfficialFactory(name="张三")
    user = user_with_role("official", official=official, username="zhang")
    assignment = AssignmentFactory(
        year=timezone.localdate().year, responsible=official, department=official.department
    )
    assignment.team.add(official)
    client.force_login(user)
    return assignment


def _form(assignment, key, **overrides):
    return {
        "idempotency_key": key,
        "visited_on": timezone.localdate().isoformat(),
        "participants": [assignment.responsible.pk],
        "kind": "routine",
        "notes": "了解生产经营情况",
        "problems-TOTAL_FORMS": "1",
        "problems-INITIAL_FORMS": "0",
        "problems-0-category": "land",
        "problems-0-description": "用地手续未办结",
        "problems-0-severity": "ordinary",
        **overrides,
    }


def _post(client, assignment, key, **overrides):
    url = reverse("enterprises:visit_new", args=[assignment.enterprise_id])
    return client.post(url, {**_form(assignment, key, **overrides), "photos": jpeg()})


def _record(assignment, user, key):
    now = timezone.now()
    return record_visit(
        enterprise=assignment.enterprise,
        visited_on=timezone.localdate(),
        participants=[assignment.responsible],
        acting_user=user,
        today=timezone.localdate(),
        now=now,
        idempotency_key=key,
    )


def test_a_replayed_form_records_nothing_and_lands_where_the_first_did(client, responsible):
    key = str(uuid.uuid4())
    first = _post(client, responsible, key)
    assert first.status_code == 302 and first.url == reverse("enterprises:my_enterprises")
    replay = _post(client, responsible, key, notes="另一次发送")
    assert replay.status_code == 302 and replay.url == first.url
    visit = Visit.objects.get()
    assert visit.idempotency_key == key and visit.notes == "了解生产经营情况"
    assert VisitPhoto.objects.count() == 1 and Problem.objects.count() == 1
    page = client.get(replay.url).content.decode()
    assert "记录过" in page and "不会重复记录" in page


def test_a_replay_is_answered_even_when_the_form_would_now_be_refused(client, responsible):
    key = str(uuid.uuid4())
    _post(client, responsible, key)
    replay = _post(client, responsible, key, participants=[])
    assert replay.status_code == 302
    assert Visit.objects.count() == 1


def test_visits_without_a_key_are_each_recorded(client, responsible):
    _post(client, responsible, "")
    _post(client, responsible, "")
    assert Visit.objects.count() == 2
    assert set(Visit.objects.values_list("idempotency_key", flat=True)) == {None}


def test_a_malformed_key_is_refused_with_a_message_and_writes_nothing(client, responsible):
    response = _post(client, responsible, "bad key!")
    assert response.status_code == 200
    assert "幂等键" in response.content.decode()
    assert not Visit.objects.exists() and not Problem.objects.exists()


def test_another_users_key_neither_collides_nor_leaks(responsible):
    key = str(uuid.uuid4())
    author = responsible.responsible.user
    mate = OfficialFactory(department=responsible.department)
    responsible.team.add(mate)
    teammate = user_with_role("official", official=mate, username="mate")
    mine = _record(responsible, author, key)
    theirs = _record(responsible, teammate, key)
    assert mine.pk != theirs.pk
    assert Visit.objects.filter(idempotency_key=key).count() == 2
    # Through the API the teammate's replay answers with their own visit, never the author's.
    response = client_of(teammate).post(
        "/api/v1/visits/",
        {
            "enterprise": responsible.enterprise_id,
            "visited_on": timezone.localdate().isoformat(),
            "participants": [mate.pk],
        },
        format="json",
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 200 and response.json()["id"] == theirs.pk


def test_the_service_refuses_a_known_key_with_the_first_visit(responsible):
    key = str(uuid.uuid4())
    user = responsible.responsible.user
    first = _record(responsible, user, key)
    with pytest.raises(VisitAlreadyRecorded) as replay:
        _record(responsible, user, key)
    assert replay.value.visit == first
    assert Visit.objects.count() == 1


def test_the_service_refuses_a_malformed_key(responsible):
    with pytest.raises(ValidationError) as error:
        _record(responsible, responsible.responsible.user, "x" * 65)
    assert "idempotency_key" in error.value.message_dict
    assert not Visit.objects.exists()


def test_a_request_that_lost_the_race_answers_with_the_winner(responsible):
    # Both requests found no visit with the key; the second's insert meets the first's row in
    # the unique constraint and answers with it, with nothing of its own written.
    key = str(uuid.uuid4())
    user = responsible.responsible.user
    first = _record(responsible, user, key)
    with (
        mock.patch("enterprises.services.visits.find_recorded_visit", side_effect=[None, first]),
        pytest.raises(VisitAlreadyRecorded) as replay,
    ):
        _record(responsible, user, key)
    assert replay.value.visit == first
    assert Visit.objects.count() == 1


def test_the_api_records_once_per_idempotency_key(responsible):
    user = responsible.responsible.user
    body = {
        "enterprise": responsible.enterprise_id,
        "visited_on": timezone.localdate().isoformat(),
        "participants": [responsible.responsible.pk],
        "notes": "了解订单情况",
    }
    key = str(uuid.uuid4())
    first = client_of(user).post(
        "/api/v1/visits/", body, format="json", headers={"Idempotency-Key": key}
    )
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first.headers
    replay = client_of(user).post(
        "/api/v1/visits/",
        {**body, "notes": "改了"},
        format="json",
        headers={"Idempotency-Key": key},
    )
    assert replay.status_code == 200, replay.content
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["notes"] == "了解订单情况"
    assert Visit.objects.count() == 1


def test_the_api_refuses_a_malformed_key_with_a_400(responsible):
    user = responsible.responsible.user
    response = client_of(user).post(
        "/api/v1/visits/",
        {
            "enterprise": responsible.enterprise_id,
            "visited_on": timezone.localdate().isoformat(),
            "participants": [responsible.responsible.pk],
        },
        format="json",
        headers={"Idempotency-Key": "short"},
    )
    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_posts_with_one_key_record_one_visit():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL.")
    official = OfficialFactory()
    user = user_with_role("official", official=official, username="racer")
    assignment = AssignmentFactory(
        year=timezone.localdate().year, responsible=official, department=official.department
    )
    key = str(uuid.uuid4())
    barrier = threading.Barrier(2, timeout=60)
    answers = []

    def post():
        try:
            barrier.wait()
            response = client_of(user).post(
                "/api/v1/visits/",
                {
                    "enterprise": assignment.enterprise_id,
                    "visited_on": timezone.localdate().isoformat(),
                    "participants": [official.pk],
                },
                format="json",
                headers={"Idempotency-Key": key},
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200, 201]
    assert len({pk for _, pk in answers}) == 1
    assert Visit.objects.filter(created_by=user).count() == 1
