"""The site under gunicorn, with Redis, a PostgreSQL primary and its streaming replica of its own,
each killed during a run of requests (slow; run by ``make test`` and CI).

Everything runs on ports of the test's own on loopback, never the shared server on 5432. The
run asserts: no 5xx but the documented 503s (requests in flight while the primary restarts),
signing in works with Redis down, reads move off a replica that is gone, no write answered 201 is
lost, and everything recovers without restarting the app.
"""

import contextlib
import http.cookiejar
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.hengkou.test_replica import Clusters, _free_port, _postgres_bin

ROOT = Path(settings.BASE_DIR)
PASSWORD = "fault-Test-8!pass"
pytestmark = pytest.mark.slow


class Redis:
    """A throwaway redis-server on a port of its own, without persistence."""

    def __init__(self, binary: str):
        self.binary, self.port, self.process = binary, _free_port(), None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _wait_for_port(port, timeout=30.0):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing answers on port {port}")


class Site:
    """The app under gunicorn, with a session (cookie jar) and an API token."""

    def __init__(self, environ, port):
        self.environ, self.port, self.process = environ, port, None
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def manage(self, *args):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "hengkou.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "2",
             "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT,
            env=self.environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def call(self, method, path, *, data=None, api=False, opener=None):
        """Return (status, body) of one request; never raises for an HTTP status."""
        headers = {}
        body = None
        if api:
            headers["Authorization"] = f"Token {self.token}"
            if data is not None:
                body = json.dumps(data).encode()
                headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url(path), data=body, method=method, headers=headers)
        opener = opener or (urllib.request.build_opener() if api else self.browser)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def sign_in(self):
        """Sign in through the login page (CSRF cookie and all); return the final status."""
        self.jar.clear()
        self.call("GET", "/accounts/login/")
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        no_redirect = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        status, _ = self.call(
            "POST",
            "/accounts/login/",
            data={"username": "fault-admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
            opener=no_redirect,
        )
        return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def services():
    bindir = _postgres_bin()
    redis_binary = shutil.which("redis-server")
    if bindir is None or not (bindir / "pg_basebackup").exists() or redis_binary is None:
        pytest.skip("PostgreSQL server binaries or redis-server not found")
    clusters, redis = Clusters(bindir), Redis(redis_binary)
    try:
        clusters.start()
        redis.start()
        yield clusters, redis
    finally:
        redis.stop()
        clusters.stop()


def test_the_site_survives_redis_the_replica_and_a_primary_restart(services, tmp_path):
    clusters, redis = services
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hengkou.settings",
        "DATABASE_URL": clusters.url(clusters.primary_port),
        "DATABASE_REPLICA_URL": clusters.url(clusters.replica_port),
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_LOG_LEVEL": "CRITICAL",
        "HENGKOU_REPLICA_PIN_SECONDS": "0",
    }
    site = Site(environ, _free_port())
    site.manage("migrate", "--noinput")
    site.token = (
        site.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            "from rest_framework.authtoken.models import Token; "
            f"u = get_user_model().objects.create_superuser('fault-admin', '', {PASSWORD!r}); "
            "print(Token.objects.create(user=u).key)",
        )
        .strip()
        .splitlines()[-1]
    )
    site.start()
    statuses: list[tuple[str, str, int]] = []
    created: list[str] = []
    counter = iter(range(10_000))

    def round_of_requests(phase, *, expect_ok=True):
        code = f"F{next(counter):04d}"
        results = {
            "sign in": site.sign_in(),
            "page": site.call("GET", "/dashboard/")[0],
            "api read": site.call("GET", "/api/v1/departments/", api=True)[0],
        }
        status, _body = site.call(
            "POST",
            "/api/v1/departments/",
            data={"code": code, "name": f"部门{code}", "kind": "sponsor"},
            api=True,
        )
        results["api write"] = status
        if status == 201:
            created.append(code)
        statuses.extend((phase, name, value) for name, value in results.items())
        if expect_ok:
            assert results == {"sign in": 302, "page": 200, "api read": 200, "api write": 201}, (
                phase,
                results,
            )
        return results

    def readiness():
        status, body = site.call("GET", "/readyz/")
        return status, json.loads(body)

    try:
        round_of_requests("all up")
        assert readiness() == (200, readiness()[1]) and readiness()[1]["status"] == "ok"

        redis.stop()  # Redis away: sign in, pages and the API go on without the cache
        for _ in range(3):
            round_of_requests("redis down")
        status, ready = readiness()
        assert (status, ready["status"], ready["checks"]["redis"]["state"]) == (
            200,
            "degraded",
            "unreachable",
        )
        redis.start()
        time.sleep(11)  # the cache tries Redis again after RETRY_SECONDS
        round_of_requests("redis back")
        assert readiness()[1]["checks"]["redis"]["state"] == "ok"

        replica_dir = clusters.directory / "replica"
        clusters.run(clusters.bindir / "pg_ctl", "-D", replica_dir, "-m", "immediate", "-w", "stop")
        for _ in range(3):
            round_of_requests("replica down")  # reads fall back to the primary
        status, ready = readiness()
        assert (status, ready["checks"]["replica"]["state"]) == (200, "unreachable")
        clusters.run(clusters.bindir / "pg_ctl", "-D", replica_dir, "-l",
                     clusters.directory / "replica2.log", "-o",
                     f"-p {clusters.replica_port} -c listen_addresses=127.0.0.1 "
                     f"-c unix_socket_directories={clusters.directory}", "-w", "start")  # fmt: skip
        time.sleep(6)  # the replica is measured again after CHECK_SECONDS
        round_of_requests("replica back")

        primary_dir = clusters.directory / "primary"
        restart = subprocess.Popen(
            [*clusters.as_postgres, clusters.bindir / "pg_ctl", "-D", primary_dir, "-m", "fast",
             "-w", "restart"],
            cwd=clusters.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while restart.poll() is None:  # requests in flight during the restart
            round_of_requests("primary restarting", expect_ok=False)
        assert restart.returncode == 0
        for _ in range(3):  # no app restart needed
            round_of_requests("primary back")
        assert readiness()[0] == 200
    finally:
        site.stop()

    server_errors = [entry for entry in statuses if entry[2] >= 500 and entry[2] != 503]
    assert server_errors == []
    assert all(entry[0] == "primary restarting" for entry in statuses if entry[2] == 503)
    listed = site.manage(
        "shell", "-c",
        "from enterprises.models import Department; "
        "print(','.join(Department.objects.values_list('code', flat=True)))",
    )  # fmt: skip
    assert set(created) <= set(
        listed.strip().splitlines()[-1].split(",")
    )  # no write answered 201 was lost
    assert len(created) >= 12  # every round outside the restart wrote
