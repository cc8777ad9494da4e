"""Photos of a visit through API v1: added with the pages' checks, removed by their author."""

import datetime

import pytest

from enterprises.models import VisitPhoto
from tests.factories import VisitPhotoFactory

from .visit_world import client_of, close, files_in, jpeg, text_file, visit_world

pytestmark = pytest.mark.django_db


def url(visit, photo=None):
    base = f"/api/v1/visits/{visit.pk}/photos/"
    return base if photo is None else f"{base}{photo.pk}/"


def test_an_involved_official_adds_photos_and_the_visit_lists_them(media):
    world = visit_world()
    client = client_of(world.teammate)
    response = client.post(url(world.visit), {"image": [jpeg(), jpeg("b.png")]}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == world.visit.pk
    photos = list(VisitPhoto.objects.order_by("pk"))
    assert [p["id"] for p in body["photos"]] == [p.pk for p in photos]
    for listed, photo in zip(body["photos"], photos, strict=True):
        assert listed["url"] == f"http://testserver{photo.image.url}"
        assert listed["url"].endswith(".jpg")
        assert listed["thumbnail_url"] is None
        assert photo.uploaded_by == world.teammate
    assert len(files_in(media)) == 2
    assert client.get(f"/api/v1/visits/{world.visit.pk}/").json()["photos"] == body["photos"]
    listed = client.get("/api/v1/visits/").json()["results"]
    assert listed[0]["photos"] == body["photos"]


def _refused(world, client, media, data, status, field, words):
    response = client.post(url(world.visit), data, format="multipart")
    assert response.status_code == status, response.content
    messages = response.json()[field]
    text = messages if isinstance(messages, str) else " ".join(messages)
    assert all(word in text for word in words), text
    assert not VisitPhoto.objects.exists()
    assert files_in(media) == []


def test_a_file_that_is_not_a_photo_is_400_and_stores_nothing(media):
    world = visit_world()
    client = client_of(world.author)
    data = {"image": [jpeg(), text_file()]}
    _refused(world, client, media, data, 400, "image", ["JPEG", "PNG"])


def test_a_photo_over_the_size_limit_is_400(media, settings):
    settings.HENGKOU_PHOTO_MAX_BYTES = 300
    world = visit_world()
    _refused(world, client_of(world.author), media, {"image": jpeg()}, 400, "image", ["MB"])


def test_a_photo_of_too_many_pixels_or_too_small_is_400(media, settings):
    world = visit_world()
    client = client_of(world.author)
    _refused(world, client, media, {"image": jpeg(size=(20, 20))}, 400, "image", ["32"])
    settings.HENGKOU_PHOTO_MAX_PIXELS = 1_000_000
    _refused(world, client, media, {"image": jpeg(size=(1200, 1000))}, 400, "image", ["1"])


def test_more_photos_than_a_visit_holds_are_400(media, settings):
    settings.HENGKOU_PHOTOS_PER_RECORD = 2
    world = visit_world()
    data = {"image": [jpeg(), jpeg(), jpeg()]}
    _refused(world, client_of(world.author), media, data, 400, "image", ["2", "3"])
    VisitPhotoFactory.create_batch(2, visit=world.visit)
    before = files_in(media)
    response = client_of(world.author).post(url(world.visit), {"image": jpeg()})
    assert response.status_code == 400
    assert VisitPhoto.objects.count() == 2
    assert files_in(media) == before


def test_no_image_is_400(media):
    world = visit_world()
    response = client_of(world.author).post(url(world.visit), {}, format="multipart")
    assert response.status_code == 400
    assert "image" in response.json()
    response = client_of(world.author).post(url(world.visit), {"image": "x"}, format="multipart")
    assert response.status_code == 400
    assert not VisitPhoto.objects.exists()


def test_a_json_body_is_refused_without_writing(media):
    world = visit_world()
    response = client_of(world.author).post(url(world.visit), {"image": "x"}, format="json")
    assert response.status_code == 400
    assert "image" in response.json()
    assert not VisitPhoto.objects.exists()


def test_who_is_not_on_the_assignment_adds_no_photo(media):
    world = visit_world()
    response = client_of(world.colleague).post(url(world.visit), {"image": jpeg()})
    assert response.status_code == 403
    assert "包抓" in response.json()["detail"] or "assignment" in response.json()["detail"]
    assert not VisitPhoto.objects.exists() and files_in(media) == []


def test_another_departments_visit_is_404(media):
    world = visit_world()
    assert client_of(world.stranger).post(url(world.visit), {"image": jpeg()}).status_code == 404
    photo = VisitPhotoFactory(visit=world.visit, uploaded_by=world.author)
    assert client_of(world.stranger).delete(url(world.visit, photo)).status_code == 404
    assert VisitPhoto.objects.count() == 1


def test_a_closed_month_takes_no_photo_and_keeps_its_photos(media):
    world = visit_world()
    photo = VisitPhotoFactory(visit=world.visit, uploaded_by=world.author)
    close(datetime.date(2021, 11, 1))
    before = files_in(media)
    response = client_of(world.author).post(url(world.visit), {"image": jpeg()})
    assert response.status_code == 409
    assert "2021-11" in response.json()["visited_on"][0]
    response = client_of(world.author).delete(url(world.visit, photo))
    assert response.status_code == 409
    assert "2021-11" in response.json()["visited_on"][0]
    assert list(VisitPhoto.objects.all()) == [photo]
    assert files_in(media) == before


def test_only_the_author_removes_a_photo_and_its_file_goes(
    media, django_capture_on_commit_callbacks
):
    world = visit_world()
    response = client_of(world.teammate).post(url(world.visit), {"image": jpeg()})
    photo = VisitPhoto.objects.get(pk=response.json()["photos"][0]["id"])
    assert len(files_in(media)) == 1
    for other in (world.author, world.colleague):
        response = client_of(other).delete(url(world.visit, photo))
        assert response.status_code == 403, other
        assert response.json()["detail"]
    assert VisitPhoto.objects.count() == 1 and len(files_in(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(world.teammate).delete(url(world.visit, photo))
    assert response.status_code == 204
    assert not VisitPhoto.objects.exists()
    assert files_in(media) == []


def test_an_older_photo_is_the_visit_authors(media):
    world = visit_world()
    photo = VisitPhotoFactory(visit=world.visit)  # from before uploaded_by: no uploader
    assert client_of(world.teammate).delete(url(world.visit, photo)).status_code == 403
    assert client_of(world.author).delete(url(world.visit, photo)).status_code == 204
    assert not VisitPhoto.objects.exists()


def test_a_photo_of_another_visit_is_404(media):
    world = visit_world()
    other = VisitPhotoFactory(uploaded_by=world.author)
    assert client_of(world.author).delete(url(world.visit, other)).status_code == 404
    assert client_of(world.author).delete(f"{url(world.visit)}999999/").status_code == 404
    assert VisitPhoto.objects.count() == 1


def test_the_schema_documents_the_photo_operations(admin_api):
    schema = admin_api.get("/api/v1/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    for parent in ("visits", "project-reports"):
        upload = paths[f"/api/v1/{parent}/{{id}}/photos/"]["post"]
        assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
        assert {"201", "400", "403", "404", "409"} <= set(upload["responses"])
        remove = paths[f"/api/v1/{parent}/{{id}}/photos/{{photo_id}}/"]["delete"]
        assert {"204", "403", "404", "409"} <= set(remove["responses"])
        assert {p["name"] for p in remove["parameters"]} == {"id", "photo_id"}
    upload = components["PhotoUploadRequest"]["properties"]["image"]
    assert upload["format"] == "binary"
    photo = components["Photo"]["properties"]
    assert set(photo) == {"id", "url", "thumbnail_url"}
    assert photo["thumbnail_url"]["nullable"] is True
    for name in ("Visit", "ProjectReport"):
        assert components[name]["properties"]["photos"]["readOnly"] is True
    assert {"patch", "delete"} <= set(paths["/api/v1/visits/{id}/"])
