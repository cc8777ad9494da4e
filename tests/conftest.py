"""Fixtures shared by the whole suite.

A test module that needs a fixture of the same name but another body defines its own, which
pytest prefers to these.
"""

import faulthandler
import os
import shutil
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Record every migration as applied in the test databases, as ``migrate`` leaves them.

    The suite runs with ``--no-migrations`` (pyproject.toml): the test databases are built
    straight from the models, and the roles' groups come from the post_migrate signal
    (``hengkou.apps``), not from the data migration. The migrations themselves are checked by
    tests/hengkou/test_project.py (they match the models and build a fresh database) and
    test_relight_migration.py. Recording them here makes the database look migrated to the
    backups' manifest and to a test that moves between migrations (``real_migrations``).
    """
    with django_db_blocker.unblock(), override_settings(MIGRATION_MODULES={}):
        for connection in connections.all():
            if connection.settings_dict.get("TEST", {}).get("MIRROR"):
                continue
            recorder = MigrationRecorder(connection)
            recorder.ensure_schema()
            applied = recorder.applied_migrations()
            loader = MigrationLoader(None, ignore_no_migrations=True)
            for key in sorted(loader.graph.nodes):
                if key not in applied:
                    recorder.record_applied(*key)
    yield


@pytest.fixture
def real_migrations(settings):
    """Let a test load the migration files, which ``--no-migrations`` hides for the session."""
    settings.MIGRATION_MODULES = {}


@pytest.fixture
def admin(client):
    """Return the test client signed in as a superuser."""
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.fixture
def admin_api():
    """Return an API client authenticated as the staff superuser ``admin``."""
    client = APIClient()
    client.force_authenticate(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def media(settings, tmp_path):
    """Point MEDIA_ROOT at a folder of the test's own and return it (created on first write).

    The folder sits inside ``tmp_path``, so workbooks a test writes there stay out of it.
    """
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo data and its zone records once; each test runs in a savepoint inside it."""
    from hengkou.demo.seed import seed_demo
    from hengkou.demo.zone import seed_zone_demo

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        seed_zone_demo()
        yield
        transaction.set_rollback(True)


# What the watchdog adds to a test's pytest-timeout before it ends the process (seconds; the
# watchdog's own test, tests/test_watchdog.py, sets a shorter one and a folder of its own).
WATCHDOG_MARGIN = float(os.environ.get("HENGKOU_TEST_WATCHDOG_MARGIN", 180))


def _watchdog_folder(config) -> Path:
    folder = os.environ.get("HENGKOU_TEST_WATCHDOG_DIR")
    return Path(folder) if folder else config.rootpath / "var" / "watchdog"


def pytest_configure(config):
    """Open this process's watchdog file (the run's first process empties the folder first)."""
    folder = _watchdog_folder(config)
    if not hasattr(config, "workerinput"):
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    config.watchdog_file = open(folder / f"{worker}-{os.getpid()}.txt", "w")  # noqa: SIM115


def pytest_unconfigure(config):
    config.watchdog_file.close()
    _remove_sqlite_leftovers()


def _remove_sqlite_leftovers():
    """Delete the test database's -wal and -shm files (Django deletes the database file only)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME")
    if database["ENGINE"] != "django.db.backends.sqlite3" or not name:
        return
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """End the process, with every thread's stack, when a test outlives its timeout by minutes.

    pytest-timeout's alarm is a signal, and Python runs a signal's handler only between its own
    instructions: threads deadlocked in C (two threads on one SQLite connection did) never get
    there. faulthandler's watchdog is a C thread that needs no Python lock; it writes the stacks
    to var/watchdog/ and exits, so pytest-xdist reports the worker crashed in this test and
    starts another, the summary prints the stacks, and the run ends instead of waiting out CI.
    """
    timeout = _timeout_of(item)
    if not timeout:  # no timeout (0): no watchdog either
        yield
        return
    watchdog = item.config.watchdog_file
    watchdog.write(
        f"{item.nodeid} outlived its timeout of {timeout:.0f} s by {WATCHDOG_MARGIN:.0f} s:\n"
    )
    watchdog.flush()
    faulthandler.dump_traceback_later(timeout + WATCHDOG_MARGIN, exit=True, file=watchdog)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        watchdog.seek(0)
        watchdog.truncate()


def _timeout_of(item) -> float:
    """The test's pytest-timeout in seconds: its marker's (``timeout(1200)`` or
    ``timeout(timeout=1200)``), else the ini's."""
    marker = item.get_closest_marker("timeout")
    if marker and marker.args:
        return float(marker.args[0])
    if marker and "timeout" in marker.kwargs:
        return float(marker.kwargs["timeout"])
    return float(item.config.getini("timeout") or 0)


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput"):
        return
    for path in sorted(_watchdog_folder(config).glob("*.txt")):
        text = path.read_text(errors="replace")
        if "Thread 0x" in text or "Current thread" in text:
            terminalreporter.write_sep("=", f"watchdog ({path.name})")
            terminalreporter.write_line(text)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On PostgreSQL, a failed test reports what every session of its test database was doing.

    A statement that waits (a lock held elsewhere, a plan gone wrong) shows here with what it
    waits on and who blocks it, also after pytest-timeout stopped a test that hung.
    """
    outcome = yield
    report = outcome.get_result()
    if report.passed or call.when == "collect":
        return
    sessions = _database_sessions()
    if sessions:
        report.sections.append(("PostgreSQL sessions of the test database", sessions))


def _database_sessions() -> str:
    settings_dict = connections["default"].settings_dict
    if "postgresql" not in settings_dict["ENGINE"]:
        return ""
    import psycopg

    try:
        with psycopg.connect(
            host=settings_dict.get("HOST") or None,
            port=settings_dict.get("PORT") or None,
            user=settings_dict.get("USER") or None,
            password=settings_dict.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=5,
        ) as probe:
            rows = probe.execute(
                "SELECT pid, pg_blocking_pids(pid), state, wait_event_type, wait_event,"
                " now() - query_start, left(query, 400) FROM pg_stat_activity"
                " WHERE datname = %s ORDER BY pid",
                [connections["default"].settings_dict["NAME"]],
            ).fetchall()
    except Exception as error:  # noqa: BLE001 - a report, never a second failure
        return f"(not read: {error})"
    return "\n".join(
        f"pid {pid} blocked by {blockers} {state} {kind}/{event} for {age}: {query}"
        for pid, blockers, state, kind, event, age, query in rows
    )
