"""Hardening: login lockout, CSRF, security headers and the deployment check."""

import datetime
import os
import secrets
import subprocess
import sys

import pytest
import time_machine
from axes.models import AccessAttempt
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from hengkou.lockout import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(client, password, ip="10.0.0.1", username="wang", **headers):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **headers,
    )


def test_five_failures_lock_the_username_from_every_address(client):
    UserFactory(username="wang")
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200
    assert _login(client, "wrong").status_code == 429  # the fifth failure locks
    locked = _login(client, "pass-word-123")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Another address does not get round it: the username itself is locked.
    assert _login(Client(), "pass-word-123", ip="10.0.0.2").status_code == 429


def test_failures_spread_over_addresses_still_lock_the_username(client):
    UserFactory(username="wang")
    for index in range(4):
        assert _login(Client(), "wrong", ip=f"10.0.1.{index}").status_code == 200
    assert _login(Client(), "wrong", ip="10.0.1.9").status_code == 429
    assert _login(Client(), "pass-word-123", ip="10.0.2.1").status_code == 429


def test_a_forged_forwarded_for_header_changes_nothing(client):
    UserFactory(username="wang")
    for index in range(30):
        response = _login(client, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")
        if response.status_code == 429:
            break
    assert index == 4  # locked on the fifth failure, whatever each request claimed
    # A locked account stays locked with a new header.
    assert _login(client, "pass-word-123", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert AccessAttempt.objects.filter(ip_address__startswith="203.").count() == 0


def test_an_address_is_locked_after_twenty_failures_on_any_usernames(client):
    UserFactory(username="zhao")
    for index in range(19):
        assert _login(client, "wrong", username=f"guess{index}").status_code == 200
    assert _login(client, "wrong", username="guess-last").status_code == 429
    # Even a right password, for a user with no failures of their own, waits from that address.
    assert _login(client, "pass-word-123", username="zhao").status_code == 429
    assert _login(Client(), "pass-word-123", ip="10.0.0.9", username="zhao").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings):
    settings.HENGKOU_TRUSTED_PROXIES = ["127.0.0.1"]
    UserFactory(username="zhao")
    nginx = {"ip": "127.0.0.1"}
    for index in range(19):
        _login(
            Client(), "wrong", username=f"guess{index}", HTTP_X_FORWARDED_FOR="203.0.113.5", **nginx
        )
    assert (
        _login(
            Client(), "wrong", username="guess", HTTP_X_FORWARDED_FOR="203.0.113.5", **nginx
        ).status_code
        == 429
    )
    # Another client behind the same nginx is not that address.
    response = _login(
        Client(), "pass-word-123", username="zhao", HTTP_X_FORWARDED_FOR="203.0.113.6", **nginx
    )
    assert response.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # A client cannot pass as forwarded by sending the header to the app directly.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.3"


def test_lockouts_are_timed_and_grow_with_each_lockout_of_the_day(client):
    UserFactory(username="wang")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            _login(client, "wrong")
        assert _login(client, "pass-word-123").status_code == 429
        clock.shift(datetime.timedelta(minutes=14))
        assert _login(client, "pass-word-123").status_code == 429  # failures do not extend it
        clock.shift(datetime.timedelta(minutes=2))
        for _ in range(5):  # fifteen minutes later: free again, and locked again
            _login(client, "wrong")
        clock.shift(datetime.timedelta(minutes=20))
        assert _login(client, "pass-word-123").status_code == 429  # the second lock lasts 30
        clock.shift(datetime.timedelta(minutes=11))
        assert _login(client, "pass-word-123").status_code == 302


def test_csrf_is_enforced_on_forms_and_session_api_writes():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(reverse("dashboard_close"), {"period": "2021-11", "metric": "tax"})
    assert response.status_code == 403
    response = client.post("/api/v1/periods/2021-11/close/")
    assert response.status_code == 403
    from enterprises.models import Period

    assert Period.objects.count() == 0


def test_security_headers(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    session = settings.SESSION_COOKIE_AGE
    assert session <= 8 * 3600


def test_no_template_holds_an_inline_script():
    """The Content-Security-Policy forbids inline scripts: every script is a static file."""
    import re
    from pathlib import Path

    offenders = [
        str(path)
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", path.read_text())
    ]
    assert offenders == []


def test_deployment_check_is_clean_with_production_settings():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "hengkou.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "hk.example.org",
        "DJANGO_DEBUG": "0",
        "HENGKOU_SECRETS_KEYS": Fernet.generate_key().decode(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
