"""The suite's watchdog (tests/conftest.py): a test stuck where pytest-timeout cannot reach it."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

STUCK = """
import sqlite3
import threading

import pytest


@pytest.mark.timeout(timeout=1)
def test_two_threads_on_one_sqlite_connection():
    # Deadlocks inside C: one thread fetches rows while the other's query calls Python.
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.create_function("plus_one", 1, lambda x: x + 1)
    connection.execute("CREATE TABLE t (x)")
    connection.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(2000)])

    def call_python():
        while True:
            connection.execute("SELECT plus_one(x) FROM t").fetchall()

    threading.Thread(target=call_python, daemon=True).start()
    while True:
        connection.execute("SELECT x FROM t").fetchall()


def test_the_next_test_still_runs():
    assert True
"""


@pytest.mark.slow
def test_a_test_stuck_beyond_its_timeout_ends_its_worker_and_the_summary_shows_its_stacks(
    tmp_path,
):
    root = Path(__file__).resolve().parents[1]
    # Under tests/, so that the suite's conftest (and its watchdog) applies; the outer run has
    # collected its tests already.
    folder = root / "tests" / f"watchdog_case_{os.getpid()}"
    folder.mkdir()
    (folder / "test_stuck.py").write_text(STUCK)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-n", "2", str(folder)],
        cwd=root,
        env={
            **os.environ,
            "HENGKOU_TEST_WATCHDOG_MARGIN": "2",
            "HENGKOU_TEST_WATCHDOG_DIR": str(tmp_path / "watchdog"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its workers too are ended below if it never finishes
    )
    try:
        output, _ = run.communicate(timeout=240)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        shutil.rmtree(folder)
    assert run.returncode == 1, output
    assert "crashed while running 'tests/watchdog_case_" in output
    assert "test_stuck.py::test_two_threads_on_one_sqlite_connection" in output
    assert "1 failed, 1 passed" in output
    # The summary shows both stuck threads where they are stuck.
    assert "=== watchdog (" in output
    assert "in call_python" in output and "in test_two_threads_on_one_sqlite_connection" in output
