"""Progress photos of a project report through API v1: the page's checks, its author removes."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.models import ProjectPhoto
from tests.enterprises.api.visit_world import client_of, close, files_in, jpeg, text_file
from tests.factories import (
    OfficialFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    UserFactory,
    VisitPhotoFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def world():
    plan = ProjectPlanFactory(project__stage="started")
    report = ProjectReportFactory(project=plan.project, period=datetime.date(2021, 11, 1))
    people = {
        name: user_with_role(
            "department_user",
            official=OfficialFactory(department=plan.department),
            username=name,
        )
        for name in ("author", "colleague")
    }
    people["bureau"] = user_with_role("economic_bureau", username="bureau")
    other = ProjectPlanFactory(project__stage="started")
    people["stranger"] = user_with_role(
        "department_user", official=OfficialFactory(department=other.department), username="x"
    )
    return report, people


def add_url(report):
    return reverse("api:projectreport-photos", args=[report.pk])


def photo_url(report, photo_id):
    return reverse("api:projectreport-photo", args=[report.pk, photo_id])


def test_the_sponsoring_department_adds_photos_with_thumbnails(media):
    report, people = world()
    client = client_of(people["author"])
    response = client.post(
        add_url(report), {"image": [jpeg("site.png"), jpeg()]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    photos = list(ProjectPhoto.objects.order_by("pk"))
    assert [(p["id"], p["url"], p["thumbnail_url"]) for p in body["photos"]] == [
        (p.pk, f"http://testserver{p.image.url}", f"http://testserver{p.thumbnail.url}")
        for p in photos
    ]
    assert all(p.uploaded_by == people["author"] for p in photos)
    assert len(files_in(media)) == 4  # each photo and its thumbnail
    reader = client_of(people["bureau"])
    assert reader.get(f"/api/v1/project-reports/{report.pk}/").json()["photos"] == body["photos"]


@pytest.mark.parametrize(
    "data, limits, words",
    [
        ({"image": [jpeg(), text_file()]}, {}, ["JPEG"]),
        ({"image": jpeg()}, {"HENGKOU_PHOTO_MAX_BYTES": 300}, ["MB"]),
        ({"image": jpeg(size=(20, 20))}, {}, ["32"]),
        ({"image": [jpeg(), jpeg(), jpeg()]}, {"HENGKOU_PHOTOS_PER_RECORD": 2}, ["2", "3"]),
        ({}, {}, []),
    ],
)
def test_a_bad_upload_is_400_and_stores_nothing(media, settings, data, limits, words):
    for name, value in limits.items():
        setattr(settings, name, value)
    report, people = world()
    response = client_of(people["author"]).post(add_url(report), data, format="multipart")
    assert response.status_code == 400, response.content
    text = " ".join(response.json()["image"])
    assert all(word in text for word in words), text
    assert not ProjectPhoto.objects.exists()
    assert files_in(media) == []


def test_who_may_not_report_on_the_project_adds_no_photo(media):
    report, people = world()
    response = client_of(people["bureau"]).post(add_url(report), {"image": jpeg()})
    assert response.status_code == 403
    assert response.json()["detail"]
    assert client_of(people["stranger"]).post(add_url(report), {"image": jpeg()}).status_code == 404
    assert not ProjectPhoto.objects.exists() and files_in(media) == []


def test_only_the_author_removes_a_photo_with_its_thumbnail(
    media, django_capture_on_commit_callbacks
):
    report, people = world()
    client_of(people["author"]).post(add_url(report), {"image": jpeg()})
    photo = ProjectPhoto.objects.get()
    for other, status in (("colleague", 403), ("bureau", 403), ("stranger", 404)):
        response = client_of(people[other]).delete(photo_url(report, photo.pk))
        assert response.status_code == status, other
    assert ProjectPhoto.objects.count() == 1 and len(files_in(media)) == 2
    assert (
        client_of(people["author"]).delete(photo_url(ProjectReportFactory(), photo.pk)).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(people["author"]).delete(photo_url(report, photo.pk))
    assert response.status_code == 204
    assert not ProjectPhoto.objects.exists()
    assert files_in(media) == []


def test_a_closed_month_takes_and_loses_no_photo(media):
    report, people = world()
    client_of(people["author"]).post(add_url(report), {"image": jpeg()})
    photo = ProjectPhoto.objects.get()
    close(datetime.date(2021, 11, 1))
    before = files_in(media)
    client = client_of(people["author"])
    for response in (
        client.post(add_url(report), {"image": jpeg()}),
        client.delete(photo_url(report, photo.pk)),
    ):
        assert response.status_code == 409
        assert "2021-11" in response.json()["period"][0]
    assert list(ProjectPhoto.objects.all()) == [photo]
    assert files_in(media) == before


def test_a_deleted_report_or_visit_takes_its_photo_files_with_it(
    media, django_capture_on_commit_callbacks
):
    report, people = world()
    client_of(people["author"]).post(add_url(report), {"image": jpeg()})
    assert len(files_in(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(UserFactory(is_superuser=True)).delete(
            f"/api/v1/project-reports/{report.pk}/"
        )
    assert response.status_code == 204
    assert not ProjectPhoto.objects.exists() and files_in(media) == []
    # A visit's photos likewise (here deleted by a cascade from the visit, as the admin does).
    photo = VisitPhotoFactory()
    assert files_in(media) != []
    with django_capture_on_commit_callbacks(execute=True):
        photo.visit.delete()
    assert files_in(media) == []


def truncated_png():
    """A PNG whose header reads well but whose pixel data is cut off half-way."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 64).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    return SimpleUploadedFile("cut.png", data[: len(data) // 2], content_type="image/png")


def test_a_cut_off_photo_refuses_the_good_one_beside_it_and_writes_no_file(media):
    report, people = world()
    response = client_of(people["author"]).post(
        add_url(report), {"image": [jpeg(), truncated_png()]}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert "JPEG" in " ".join(response.json()["image"])
    assert not ProjectPhoto.objects.exists()
    assert files_in(media) == []
