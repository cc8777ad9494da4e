"""Correcting and deleting a visit through API v1: its author, within the window, open months."""

import datetime

import pytest
from django.utils import timezone

from enterprises.models import Visit, VisitPhoto
from tests.factories import AssignmentFactory, ProblemFactory, VisitPhotoFactory

from .visit_world import NOV_10, client_of, close, files_in, visit_world

pytestmark = pytest.mark.django_db


def url(visit):
    return f"/api/v1/visits/{visit.pk}/"


def snapshot(visit):
    visit = Visit.objects.get(pk=visit.pk)
    participants = sorted(visit.participants.values_list("pk", flat=True))
    return (visit.enterprise_id, visit.visited_on, visit.kind, visit.notes, participants)


def history_count(visit):
    return Visit.history.filter(id=visit.pk).count()


def test_the_author_corrects_a_visit_and_the_history_names_them():
    world = visit_world()
    mate = world.teammate.official
    response = client_of(world.author).patch(
        url(world.visit),
        {"visited_on": "2021-11-09", "notes": "了解订单和用工情况", "participants": [mate.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["visited_on"], body["notes"], body["participants"]) == (
        "2021-11-09",
        "了解订单和用工情况",
        [mate.pk],
    )
    visit = Visit.objects.get()
    assert visit.visited_on == datetime.date(2021, 11, 9)
    assert list(visit.participants.all()) == [mate]
    last = Visit.history.filter(id=visit.pk).latest("history_date", "history_id")
    assert last.history_type == "~"
    assert last.history_user == world.author
    assert last.notes == "了解订单和用工情况"


def test_visit_duties_follow_a_correction():
    world = visit_world()
    official = world.assignment.responsible

    def met(period):
        rows = client_of(world.author).get("/api/v1/visit-compliance/", {"period": period})
        assert rows.status_code == 200, rows.content
        return sum(
            row["met"]
            for row in rows.json()["results"]
            if row["official"] == official.pk and row["duty"] == "responsible_weekly"
        )

    assert met("2021-11") == 1
    response = client_of(world.author).patch(
        url(world.visit), {"visited_on": "2021-10-20"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert met("2021-11") == 0
    assert met("2021-10") == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"visited_on": "2999-01-01"}, "visited_on"),
        ({"participants": []}, "participants"),
        ({"participants": [999999]}, "participants"),
        ({"kind": "leisure"}, "kind"),
        ({"visited_on": "2020-11-10"}, "visited_on"),  # before its first sponsored year
    ],
)
def test_a_correction_is_checked_as_a_new_visit_is(body, field):
    world = visit_world()
    before, histories = snapshot(world.visit), history_count(world.visit)
    response = client_of(world.author).patch(url(world.visit), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot(world.visit) == before
    assert history_count(world.visit) == histories


def test_a_correction_into_a_year_the_author_had_no_assignment_is_refused_on_enterprise():
    world = visit_world()
    AssignmentFactory(year=2020, enterprise=world.assignment.enterprise)  # someone else's
    before = snapshot(world.visit)
    response = client_of(world.author).patch(
        url(world.visit), {"visited_on": "2020-11-10"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["enterprise"]
    assert snapshot(world.visit) == before


def test_a_correction_names_an_enterprise_of_its_scope():
    world = visit_world()
    other = world.stranger.official
    before = snapshot(world.visit)
    response = client_of(world.author).patch(
        url(world.visit),
        {"enterprise": other.responsible_assignments.get().enterprise_id},
        format="json",
    )
    assert response.status_code == 400
    assert "enterprise" in response.json()
    assert snapshot(world.visit) == before


def _refused_both(world, user, status, field, words):
    before, histories = snapshot(world.visit), history_count(world.visit)
    client = client_of(user)
    for response in (
        client.patch(url(world.visit), {"notes": "改"}, format="json"),
        client.delete(url(world.visit)),
    ):
        assert response.status_code == status, response.content
        if field:
            text = response.json()[field]
            text = text if isinstance(text, str) else " ".join(text)
            assert all(word in text for word in words), text
    assert snapshot(world.visit) == before
    assert history_count(world.visit) == histories


def test_only_the_author_corrects_or_deletes():
    world = visit_world()
    _refused_both(world, world.teammate, 403, "detail", [])
    _refused_both(world, world.colleague, 403, "detail", [])
    _refused_both(world, world.stranger, 404, None, [])


def test_after_the_correction_window_the_visit_stays(settings):
    world = visit_world()
    Visit.objects.filter(pk=world.visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=7, minutes=1)
    )
    _refused_both(world, world.author, 403, "detail", ["7"])
    settings.HENGKOU_VISIT_CORRECTION_DAYS = 8
    response = client_of(world.author).patch(url(world.visit), {"notes": "改"}, format="json")
    assert response.status_code == 200


def test_a_visit_of_a_closed_month_is_not_corrected():
    world = visit_world()
    close(datetime.date(2021, 11, 1))
    _refused_both(world, world.author, 409, "visited_on", ["2021-11"])


def test_a_visit_is_not_moved_into_a_closed_month():
    world = visit_world()
    close(datetime.date(2021, 10, 1))
    before = snapshot(world.visit)
    response = client_of(world.author).patch(
        url(world.visit), {"visited_on": "2021-10-20"}, format="json"
    )
    assert response.status_code == 409
    assert "2021-10" in response.json()["visited_on"][0]
    assert snapshot(world.visit) == before


def test_the_author_deletes_a_visit_with_its_photos(media, django_capture_on_commit_callbacks):
    world = visit_world()
    VisitPhotoFactory(visit=world.visit, uploaded_by=world.teammate)
    problem = ProblemFactory(enterprise=world.visit.enterprise, visit=world.visit, raised_on=NOV_10)
    assert len(files_in(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(world.author).delete(url(world.visit))
    assert response.status_code == 204
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert files_in(media) == []
    problem.refresh_from_db()
    assert problem.visit is None
    last = Visit.history.filter(id=world.visit.pk).latest("history_date", "history_id")
    assert (last.history_type, last.history_user) == ("-", world.author)
