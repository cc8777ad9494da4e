"""The Redis cache degrades to a miss while Redis is down: nobody is locked out of signing in."""

import logging
import socket

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from core import cache as degrading
from tests.roles import user_with_role


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.HENGKOU_FIGURES_CACHE_SECONDS = 300
    # Changing CACHES makes Django drop its cache handlers: this is a fresh DegradingRedisCache.
    yield caches["default"]


def test_calls_answer_as_a_miss_and_warn_once(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="hengkou.cache"):
        assert redis_down.get("k") is None
        assert redis_down.get("k", "fallback") == "fallback"
        assert redis_down.set("k", 1) is None
        assert redis_down.add("k", 1) is False
        assert redis_down.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            redis_down.incr("k")
        assert redis_down.reachable() is False
    warnings = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.django_db
def test_sign_in_works_with_redis_down(redis_down):
    user_with_role("official", username="wang")
    client = Client()
    response = client.post(
        reverse("login"), {"username": "wang", "password": "pass-word-123"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
    # The session is read from the database: the official lands on their page.
    landed = client.get(reverse("home"), follow=True)
    assert landed.status_code == 200 and landed.redirect_chain == [("/my/", 302)]


@pytest.mark.django_db
def test_figures_are_computed_live_with_redis_down(redis_down):
    from core.figures_cache import cached_figures

    calls = []
    assert cached_figures("probe", lambda: calls.append(1) or 42) == 42
    assert cached_figures("probe", lambda: calls.append(1) or 42) == 42
    assert len(calls) == 2


def test_the_figures_generation_moves_on_when_redis_answers_again(monkeypatch):
    # A write made during an outage could not drop the figures cached before it.
    bumps = []
    monkeypatch.setattr(degrading, "AFTER_OUTAGE", [lambda: bumps.append(1)])
    breaker = degrading._Breaker()
    breaker.trip(OSError("refused"), "redis://x")
    assert breaker.recovered() is True and breaker.recovered() is False


@override_settings(HENGKOU_FIGURES_CACHE_SECONDS=300)
def test_the_figures_cache_registers_its_bump_after_an_outage():
    from core import figures_cache

    assert figures_cache._bump in degrading.AFTER_OUTAGE
