"""The trivial views for load balancers and the benchmark: /healthz/ and /api/v1/ping/."""

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.roles import user_with_role


@pytest.mark.django_db
def test_healthz_answers_ok_without_login_or_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_healthz_is_probed_over_plain_http_even_when_https_is_enforced(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz/").status_code == 200
        assert client.get("/dashboard/").status_code == 301


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz/").status_code == 405


@pytest.mark.django_db
def test_ping_needs_authentication():
    assert APIClient().get("/api/v1/ping/").status_code in (401, 403)


@pytest.mark.django_db
def test_ping_answers_a_logged_in_user_without_reading_data(client, django_assert_max_num_queries):
    client.force_login(user_with_role("economic_bureau"))
    # The session, the user and their roles, as every API request; nothing else.
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/ping/")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_ping_is_refused_like_every_api_endpoint_to_a_login_without_a_role(client):
    client.force_login(UserFactory())
    assert client.get("/api/v1/ping/").status_code == 403


@pytest.mark.django_db
def test_ping_accepts_a_token_like_every_api_endpoint():
    token = Token.objects.create(user=user_with_role("official"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/ping/").json() == {"ok": True}
