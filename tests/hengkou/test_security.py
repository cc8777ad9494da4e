"""Hardening: login lockout, CSRF, security headers and the deployment check."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(client, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": "wang", "password": password},
        REMOTE_ADDR=ip,
    )


def test_five_failures_lock_the_user_on_that_ip_for_30_minutes(client):
    UserFactory(username="wang")
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200
    assert _login(client, "wrong").status_code == 429  # the fifth failure locks
    locked = _login(client, "pass-word-123")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # The same user from another address is not locked out.
    assert _login(Client(), "pass-word-123", ip="10.0.0.2").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client):
    UserFactory(username="wang")
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "pass-word-123").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "wrong")
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
