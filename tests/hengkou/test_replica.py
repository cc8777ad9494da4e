"""The read replica: the router's rule, the pinning cookie, and a real streaming replica.

Three levels: the router and the middleware alone; the whole site on SQLite with a second
alias holding a snapshot of the primary (a replica that lags forever); and the whole site on a
throwaway PostgreSQL primary with a streaming replica started on loopback (slow).
"""

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from enterprises.models import Department
from hengkou import db_router
from hengkou.db_router import PRIMARY, REPLICA, PrimaryReplicaRouter
from hengkou.middleware import PrimaryAfterWriteMiddleware
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
COOKIE = settings.HENGKOU_REPLICA_PIN_COOKIE
router = PrimaryReplicaRouter()


# --- the router and the middleware alone ------------------------------------------------------


def test_outside_a_request_every_read_goes_to_the_primary():
    # Management commands, scheduled jobs, the shell: they read, decide and write.
    assert router.db_for_read(Department) == PRIMARY
    assert router.db_for_write(Department) == PRIMARY


def test_a_replica_safe_request_reads_the_replica_until_it_writes():
    with db_router.request_reads(replica_allowed=True) as reads:
        assert router.db_for_read(Department) == REPLICA
        assert router.db_for_read(Department) == REPLICA
        assert router.db_for_write(Department) == PRIMARY
        assert reads.wrote is True
        # Right after the write, for the rest of the request.
        assert router.db_for_read(Department) == PRIMARY
    assert router.db_for_read(Department) == PRIMARY


def test_a_request_not_allowed_the_replica_reads_the_primary():
    with db_router.request_reads(replica_allowed=False) as reads:
        assert router.db_for_read(Department) == PRIMARY
    assert reads.wrote is False


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(PRIMARY, "enterprises", model_name="department") is True
    assert router.allow_migrate(REPLICA, "enterprises", model_name="department") is False
    assert router.allow_relation(object(), object()) is True


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there():
    # The test itself runs in a transaction: it may be about to write.
    with db_router.request_reads(replica_allowed=True):
        assert router.db_for_read(Department) == PRIMARY


def _middleware(view):
    return PrimaryAfterWriteMiddleware(view)


@pytest.fixture
def replica_on(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    healthy = db_router.ReplicaState(usable=True, reachable=True, lag=0.0)
    monkeypatch.setattr(db_router, "replica_state", lambda **kwargs: healthy)


def _seen_by(seen):
    def view(request):
        seen.append(db_router.reads_replica())
        return HttpResponse("ok")

    return view


def test_middleware_lets_a_plain_get_read_the_replica_and_sets_no_cookie(replica_on):
    seen = []
    response = _middleware(_seen_by(seen))(RequestFactory().get("/"))
    assert seen == [True]
    assert COOKIE not in response.cookies


def test_middleware_pins_an_unsafe_request_and_the_clients_next_requests(replica_on):
    seen = []
    middleware = _middleware(_seen_by(seen))
    response = middleware(RequestFactory().post("/"))
    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == settings.HENGKOU_REPLICA_PIN_SECONDS
    assert cookie["httponly"] is True
    following = RequestFactory().get("/")
    following.COOKIES[COOKIE] = cookie.value
    middleware(following)
    assert seen == [False, False]


def test_middleware_pins_after_a_get_that_wrote(replica_on):
    def writing_view(request):
        router.db_for_write(Department)
        return HttpResponse("ok")

    response = _middleware(writing_view)(RequestFactory().get("/"))
    assert COOKIE in response.cookies


def test_without_a_replica_the_middleware_does_nothing():
    seen = []
    response = _middleware(_seen_by(seen))(RequestFactory().post("/"))
    assert seen == [False]
    assert COOKIE not in response.cookies


# --- the site on SQLite, with a replica that is a snapshot of the primary ---------------------


def _run_scenario(kind, environ):
    """Run ``scenario(kind)`` in a fresh process whose settings read ``environ``; return it."""
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "hengkou.test_settings", **environ}
    environ.pop("REDIS_URL", None)
    code = (
        "import django; django.setup(); "
        f"from tests.hengkou.test_replica import scenario; scenario({kind!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_pinned_after_write(seen):
    assert seen["before_write"] == [["OLD"], REPLICA]
    assert seen["create_status"] == 201
    assert seen["pin_cookie_seconds"] == 5
    # Right after the write the same client reads the primary and sees its department …
    assert seen["right_after_write"] == [["NEW", "OLD"], PRIMARY]
    # … while a client that has not written reads the replica, which has not caught up.
    assert seen["plain_read_while_replica_lags"] == [["OLD"], REPLICA]
    assert seen["plain_read_after_catch_up"] == [["NEW", "OLD"], REPLICA]


def test_two_sqlite_aliases_a_write_is_read_back_from_the_primary(tmp_path):
    # The replica is a copy of the primary's file taken before the write: a replica that lags.
    seen = _run_scenario(
        "sqlite",
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
            "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
            "HENGKOU_REPLICA_PIN_SECONDS": "5",
        },
    )
    assert seen["replica_test_mirror"] == PRIMARY
    _assert_pinned_after_write(seen)


# --- a real streaming replica on loopback -----------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Clusters:
    """A throwaway primary and a streaming replica in a temporary directory, on loopback.

    Both are made here rather than a replica of the machine's cluster on 5432: that one has
    ``wal_level = replica`` but no ``replication`` line in its pg_hba.conf (nor has CI's fresh
    cluster), and reconfiguring a shared server is not a test's business.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_postgres = []
        self.directory = Path(tempfile.mkdtemp(prefix="hengkou-replica-"))
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: run it as the postgres user.
            postgres = pwd.getpwnam("postgres")
            os.chown(self.directory, postgres.pw_uid, postgres.pw_gid)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.primary_port = _free_port()
        self.replica_port = _free_port()
        while self.replica_port == self.primary_port:
            self.replica_port = _free_port()
        self.started = []

    def run(self, *command):
        subprocess.run(
            [*self.as_postgres, *command],
            check=True,
            capture_output=True,
            text=True,
            cwd=self.directory,
            timeout=180,  # pg_ctl -w waits 60 s at most; a stuck pg_basebackup must not stall CI
        )

    def start(self):
        primary, replica = self.directory / "primary", self.directory / "replica"
        self.run(self.bindir / "initdb", "-D", primary, "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory} "
            "-c wal_level=replica -c max_wal_senders=4 -c fsync=off -c shared_buffers=32MB"
        )
        self.run(self.bindir / "pg_ctl", "-D", primary, "-l", self.directory / "primary.log",
                 "-o", f"-p {self.primary_port} {options}", "-w", "start")  # fmt: skip
        self.started.append(primary)
        self.run(self.bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port),
                 "-U", "postgres", "-D", replica, "-R", "-X", "stream", "--no-sync")  # fmt: skip
        self.run(self.bindir / "pg_ctl", "-D", replica, "-l", self.directory / "replica.log",
                 "-o", f"-p {self.replica_port} {options}", "-w", "start")  # fmt: skip
        self.started.append(replica)
        self.run(self.bindir / "psql", "-h", "127.0.0.1", "-p", str(self.primary_port),
                 "-U", "postgres", "-Xqc", "CREATE DATABASE app")  # fmt: skip
        for _ in range(100):  # until the replica has replayed the new database
            try:
                self.run(self.bindir / "psql", "-h", "127.0.0.1", "-p", str(self.replica_port),
                         "-U", "postgres", "-d", "app", "-Xqc", "SELECT 1")  # fmt: skip
                return
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        raise TimeoutError("the replica never showed the new database")

    def stop(self):
        for data in reversed(self.started):
            with contextlib.suppress(subprocess.CalledProcessError):
                self.run(self.bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, port):
        return f"postgres://postgres@127.0.0.1:{port}/app"


@pytest.fixture
def streaming_replica():
    bindir = _postgres_bin()
    if bindir is None or not (bindir / "pg_basebackup").exists():
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user to run PostgreSQL as")
    clusters = Clusters(bindir)
    try:
        clusters.start()
        yield clusters
    finally:
        clusters.stop()


@pytest.mark.slow
def test_against_a_real_streaming_replica(streaming_replica):
    seen = _run_scenario(
        "postgresql",
        {
            "DATABASE_URL": streaming_replica.url(streaming_replica.primary_port),
            "DATABASE_REPLICA_URL": streaming_replica.url(streaming_replica.replica_port),
            "HENGKOU_REPLICA_PIN_SECONDS": "5",
        },
    )
    assert seen["replica_is_in_recovery"] is True
    assert seen["replica_refuses_writes"] is True
    assert seen["migrate_on_replica_wrote_nothing"] is True
    _assert_pinned_after_write(seen)


def _wait_for_replay(timeout=30.0):
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise TimeoutError("the replica did not catch up")


def _department_codes(client):
    """GET the departments; return their codes and the database that served the read."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get("/api/v1/departments/", {"page_size": 1000})
    assert response.status_code == 200, response.content

    def read_departments(captured):
        return any("enterprises_department" in q["sql"] for q in captured.captured_queries)

    assert not (read_departments(on_primary) and read_departments(on_replica))
    codes = {row["code"] for row in response.json()["results"]}
    return codes, (REPLICA if read_departments(on_replica) else PRIMARY)


class _Lag:
    """Make the replica lag and catch up: pause WAL replay, or re-copy a SQLite file."""

    def __init__(self, kind):
        self.kind = kind

    def catch_up(self):
        if self.kind == "postgresql":
            _wait_for_replay()
            return
        connections[REPLICA].close()
        source = sqlite3.connect(connections[PRIMARY].settings_dict["NAME"])
        target = sqlite3.connect(connections[REPLICA].settings_dict["NAME"])
        source.backup(target)
        source.close()
        target.close()

    def pause(self):
        if self.kind == "postgresql":
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_pause()")

    def resume(self):
        if self.kind == "postgresql":
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")
        self.catch_up()


def scenario(kind):
    """Run in a subprocess against a primary and a replica; print what was observed as JSON."""
    from django.core.management import call_command
    from django.db import DatabaseError
    from django.test.utils import setup_test_environment

    setup_test_environment()
    seen = {"replica_test_mirror": settings.DATABASES[REPLICA]["TEST"]["MIRROR"]}
    lag = _Lag(kind)
    call_command("migrate", verbosity=0)
    if kind == "postgresql":
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            seen["replica_is_in_recovery"] = cursor.fetchone()[0]
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("CREATE TABLE should_fail (id int)")
            seen["replica_refuses_writes"] = False
        except DatabaseError:
            seen["replica_refuses_writes"] = True
        # The router allows no migration there; the replica got the schema by replication.
        call_command("migrate", database=REPLICA, verbosity=0)
        seen["migrate_on_replica_wrote_nothing"] = True

    Department.objects.create(code="OLD", name="旧部门", kind="sponsor")
    user = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(user)
    lag.catch_up()
    lag.pause()  # the replica lags from now on

    def read():
        codes, source = _department_codes(client)
        return [sorted(codes), source]

    seen["before_write"] = read()
    created = client.post(
        "/api/v1/departments/",
        {"code": "NEW", "name": "新部门", "kind": "sponsor"},
        content_type="application/json",
    )
    seen["create_status"] = created.status_code
    seen["pin_cookie_seconds"] = created.cookies[COOKIE]["max-age"]
    seen["right_after_write"] = read()
    del client.cookies[COOKIE]
    seen["plain_read_while_replica_lags"] = read()
    lag.resume()
    seen["plain_read_after_catch_up"] = read()
    print(json.dumps(seen, ensure_ascii=False))
