"""Cache and sessions: Redis when REDIS_URL is set (shared by every node), memory otherwise."""

import runpy
import secrets
import socket
from pathlib import Path

import pytest
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from tests.factories import UserFactory
from tests.roles import user_with_role

SETTINGS_FILE = Path(settings.BASE_DIR) / "hengkou" / "settings.py"
REDIS = "redis://127.0.0.1:6379/0"


def load_settings(monkeypatch, **environ):
    """Evaluate settings.py afresh under ``environ`` (other deployment variables unset)."""
    for name in ("REDIS_URL", "DATABASE_REPLICA_URL", "DJANGO_CACHE_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "settings-test-key")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_without_redis_the_cache_is_per_process_and_sessions_in_the_database(monkeypatch):
    loaded = load_settings(monkeypatch)
    assert loaded["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert "replica" not in loaded["DATABASES"]
    assert "DATABASE_ROUTERS" not in loaded


def test_with_redis_the_cache_and_the_sessions_are_shared(monkeypatch):
    loaded = load_settings(monkeypatch, REDIS_URL="redis://cache.internal:6379/3")
    cache = loaded["CACHES"]["default"]
    assert cache["BACKEND"] == "core.cache.DegradingRedisCache"
    assert cache["LOCATION"] == "redis://cache.internal:6379/3"
    assert cache["KEY_PREFIX"] == "hengkou"
    # Read from Redis, written through to the database: a Redis restart logs no one out.
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_login_lockout_counts_in_the_database_whichever_the_cache(monkeypatch):
    for environ in ({}, {"REDIS_URL": REDIS}):
        loaded = load_settings(monkeypatch, **environ)
        handler = import_string(loaded["AXES_HANDLER"])
        assert issubclass(handler, AxesDatabaseHandler)  # hengkou.lockout.LockoutHandler


def test_a_replica_url_adds_the_replica_and_the_router(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        DATABASE_URL="postgres://app@db1:5432/hengkou",
        DATABASE_REPLICA_URL="postgres://app@db2:5432/hengkou",
        HENGKOU_REPLICA_PIN_SECONDS="9",
    )
    replica = loaded["DATABASES"]["replica"]
    assert replica["HOST"] == "db2" and replica["NAME"] == "hengkou"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert loaded["DATABASE_ROUTERS"] == ["hengkou.db_router.PrimaryReplicaRouter"]
    assert loaded["HENGKOU_REPLICA_PIN_SECONDS"] == 9


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_settings():
    """The Redis cache and cached_db sessions, under a key prefix of this test's own."""
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379 (apt-get install redis-server)")
    prefix = f"hengkou-test-{secrets.token_hex(4)}"
    config = {
        "default": {
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(
        CACHES=config, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        yield caches["default"]
        caches["default"].delete_many(
            [key.split(":", 2)[2] for key in _keys(caches["default"], prefix)]
        )


def _keys(cache, prefix):
    client = cache._cache.get_client()
    return [key.decode() for key in client.scan_iter(f"{prefix}:*")]


@pytest.mark.django_db
def test_a_session_made_on_one_node_is_read_on_another_through_redis(redis_settings):
    user = user_with_role("economic_bureau")
    node_a, node_b = Client(), Client()
    node_a.force_login(user)
    node_b.cookies = node_a.cookies
    response = node_b.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == user


@pytest.mark.django_db
def test_a_session_survives_losing_its_redis_copy(redis_settings):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cache_key = SessionStore(session_key=key).cache_key
    assert redis_settings.get(cache_key) is not None
    redis_settings.delete(cache_key)  # what a Redis restart without persistence does

    assert client.get(reverse("home")).wsgi_request.user == user
    assert redis_settings.get(cache_key) is not None  # read back from the database


@pytest.mark.django_db
def test_login_lockout_works_with_redis_sessions(redis_settings):
    UserFactory(username="wang")
    for _ in range(4):
        response = Client().post(
            reverse("login"), {"username": "wang", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 200
    # The fifth failure, on "another node" (a fresh client), still counts and locks.
    locked = Client().post(
        reverse("login"), {"username": "wang", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
    )
    assert locked.status_code == 429
