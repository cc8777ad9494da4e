"""Requests the API will not read or route answer in its JSON shape, never Django's HTML page:
a form over Django's limits on files or fields (400), a path under /api/ with no route (404)."""

import pytest

from enterprises.models import VisitPhoto
from tests.enterprises.api.visit_world import client_of, files_in, jpeg, visit_world

pytestmark = pytest.mark.django_db


def _photos_url(world):
    return f"/api/v1/visits/{world.visit.pk}/photos/"


def test_a_form_with_more_files_than_django_reads_is_a_json_400(media, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    world = visit_world()
    response = client_of(world.author).post(
        _photos_url(world), {"image": [jpeg(f"{i}.jpg") for i in range(4)]}, format="multipart"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "3" in response.json()["detail"]
    assert not VisitPhoto.objects.exists() and files_in(media) == []


def test_a_form_with_more_fields_than_django_reads_is_a_json_400(media, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    world = visit_world()
    fields = {f"f{i}": "x" for i in range(30)}
    response = client_of(world.author).post(
        _photos_url(world), {**fields, "image": jpeg()}, format="multipart"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "20" in response.json()["detail"]
    assert not VisitPhoto.objects.exists() and files_in(media) == []


@pytest.mark.parametrize(
    "path",
    ["/api/v1/problems/1/zzz/", "/api/v1/zzz/", "/api/zzz/", "/api/v1/problems/abc/"],
)
def test_an_api_path_with_no_route_is_a_json_404(admin_api, path):
    response = admin_api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_a_page_with_no_route_keeps_the_html_404(client):
    response = client.get("/zzz-no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
