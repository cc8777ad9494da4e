"""What the site does when a service behind it is away: 503 pages, readiness, replica fallback.

The same faults against real servers (Redis, a PostgreSQL primary and its streaming replica,
each killed during a run of requests) are in test_fault_servers.py, marked slow.
"""

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from hengkou import db_router
from hengkou.errors import server_error
from hengkou.middleware import PrimaryAfterWriteMiddleware
from hengkou.urls import handler500
from tests.factories import UserFactory


def _away(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def supervisor_client():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="so", is_superuser=True))
    return client


@pytest.mark.django_db
def test_a_database_that_drops_out_gives_a_503_page_not_a_traceback(supervisor_client, monkeypatch):
    from hengkou.api import views as api_views
    from hengkou.views import dashboard as views

    monkeypatch.setattr(views, "get_dashboard", _away)
    response = supervisor_client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "暂时无法连接数据库" in html and "Traceback" not in html
    monkeypatch.setattr(api_views, "get_zone_stats", _away)
    api = supervisor_client.get("/api/v1/zone-stats/", {"period": "2021-11"})
    assert api.status_code == 503 and "detail" in api.json()


def test_any_other_error_is_a_plain_500_page():
    request = RequestFactory().get("/dashboard/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500 and "系统出现错误" in response.content.decode()
    assert handler500 == "hengkou.errors.server_error"


@pytest.mark.django_db
def test_readyz_reports_each_service(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"state": "ok"}
    assert body["checks"]["replica"] == {"state": "not configured"}
    assert body["checks"]["redis"] == {"state": "not configured"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_primary_is_away(client, monkeypatch):
    from hengkou import health

    monkeypatch.setattr(health, "_database", lambda: {"state": "unreachable"})
    response = client.get("/readyz/")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_an_unreachable_or_lagging_replica_is_not_read(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    seen = []

    def view(request):
        seen.append(db_router.reads_replica())
        return HttpResponse("ok")

    middleware = PrimaryAfterWriteMiddleware(view)
    for state in (
        db_router.ReplicaState(usable=False, reachable=False, error="refused"),
        db_router.ReplicaState(usable=False, reachable=True, lag=120.0),
        db_router.ReplicaState(usable=True, reachable=True, lag=0.5),
    ):
        monkeypatch.setattr(db_router, "replica_state", lambda state=state, **kwargs: state)
        middleware(RequestFactory().get("/"))
    assert seen == [False, False, True]


def test_the_replica_is_measured_at_most_every_few_seconds(monkeypatch):
    measured = []

    def measure():
        measured.append(1)
        return db_router.ReplicaState(usable=True, reachable=True, lag=0.0)

    monkeypatch.setattr(db_router, "_measure_replica", measure)
    monkeypatch.setattr(db_router, "_checked", {"at": -1e9, "state": None})
    for _ in range(5):
        db_router.replica_state()
    assert len(measured) == 1
    db_router.replica_state(fresh=True)
    assert len(measured) == 2


def test_a_get_that_the_replica_fails_under_is_answered_from_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    states = iter(
        [
            db_router.ReplicaState(usable=True, reachable=True, lag=0.0),  # before the request
            db_router.ReplicaState(usable=False, reachable=False, error="gone"),  # re-measured
        ]
    )
    monkeypatch.setattr(db_router, "replica_state", lambda **kwargs: next(states))
    seen = []

    def view(request):
        on_replica = db_router.reads_replica()
        seen.append(on_replica)
        return HttpResponse("away", status=503) if on_replica else HttpResponse("ok")

    response = PrimaryAfterWriteMiddleware(view)(RequestFactory().get("/"))
    assert response.status_code == 200 and seen == [True, False]


@pytest.mark.django_db
def test_readyz_tells_no_error_text(client, monkeypatch):
    from django.db import DatabaseError

    from hengkou import health

    class Broken:
        def __enter__(self):
            raise DatabaseError('password authentication failed for user "hengkou" at db1:5432')

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(health.connections["default"], "cursor", lambda: Broken())
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert "db1" not in response.content.decode() and "password" not in response.content.decode()
