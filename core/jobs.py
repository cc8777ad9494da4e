"""One run of a scheduled job at a time across every node (cron fires on each of them).

``single_run(name)`` takes a lock named after the job for the block and yields whether it got
it; a run that does not get it should say so and stop, since another node is doing the work.
On PostgreSQL the lock is a session-level advisory lock (``pg_try_advisory_lock``), held by
the job's database connection and released at the end of the block or when the connection
drops, so a node that dies mid-job frees it. Elsewhere (SQLite: one machine by nature) it is
an exclusive ``flock`` on a file in ``HENGKOU_JOB_LOCK_DIR`` (``var/locks``).

The lock only keeps two copies from working at the same moment. Each job is also idempotent
on its own (markers of what was sent, upserts, the close's row lock), so a late second run
after the first has finished finds nothing left to do.
"""

import fcntl
import hashlib
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


def lock_key(name: str) -> int:
    """Return the signed 64-bit advisory-lock key of a job name (stable across processes)."""
    digest = hashlib.sha256(f"hengkou-job:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def single_run(name: str):
    """Hold the job's lock for the block if no one else does; yield True if this run has it."""
    if connection.vendor == "postgresql":
        key = lock_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired and connection.connection is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    directory = Path(
        getattr(settings, "HENGKOU_JOB_LOCK_DIR", None) or Path(settings.BASE_DIR) / "var" / "locks"
    )
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
