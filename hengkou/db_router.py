"""Reads from a streaming replica, writes to the primary, and reads pinned after a write.

Active only when ``DATABASE_REPLICA_URL`` configures a ``replica`` database (settings.py adds
this router then). The rule:

- Writes always go to the primary (``default``); so do migrations (``allow_migrate``).
- Reads go to the replica only inside a request that ``PrimaryAfterWriteMiddleware`` marked as
  replica-safe: a GET/HEAD/OPTIONS from a client that has not written in the last
  ``HENGKOU_REPLICA_PIN_SECONDS`` seconds (the middleware's cookie says so).
- Once a request writes, its later reads go to the primary for the rest of the request, and the
  middleware sets the cookie so that the same client's next requests read the primary too while
  the replica catches up.
- Everything outside a marked request (management commands, scheduled jobs, the shell, tests)
  reads the primary: a job that reads, decides and writes must not decide on stale rows. So do
  reads inside a transaction on the primary, which may be about to write.
- A replica that cannot be reached, or that lags the primary by more than
  ``HENGKOU_REPLICA_MAX_LAG_SECONDS``, is not read: ``replica_state()`` checks it at most every
  ``CHECK_SECONDS`` per process, and the middleware sends every read to the primary meanwhile.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger("hengkou.db")
CHECK_SECONDS = 5

PRIMARY = "default"
REPLICA = "replica"


@dataclass
class _Reads:
    """The state of one request: may it read the replica, and has it written yet."""

    replica_allowed: bool
    wrote: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "hengkou_replica_reads", default=None
)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@dataclass(frozen=True)
class ReplicaState:
    """Whether the replica may be read, and why not: unreachable, or lagging by ``lag`` s."""

    usable: bool
    reachable: bool
    lag: float | None = None
    error: str = ""


_checked: dict = {"at": -1e9, "state": None}
_check_lock = threading.Lock()


def _measure_replica() -> ReplicaState:
    limit = getattr(settings, "HENGKOU_REPLICA_MAX_LAG_SECONDS", 30)
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Zero when nothing is left to replay: an idle primary is not a lag.
                cursor.execute(
                    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                    "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) "
                    "END"
                )
                row = cursor.fetchone()
                lag = float(row[0]) if row and row[0] is not None else 0.0
            else:
                cursor.execute("SELECT 1")
                lag = 0.0
    except DatabaseError as error:
        connection.close_if_unusable_or_obsolete()
        return ReplicaState(usable=False, reachable=False, error=str(error).strip()[:200])
    return ReplicaState(usable=lag <= limit, reachable=True, lag=lag)


def replica_state(*, fresh: bool = False) -> ReplicaState:
    """Return the replica's state, measured at most every CHECK_SECONDS in this process."""
    now = time.monotonic()
    with _check_lock:
        state = _checked["state"]
        if fresh or state is None or now - _checked["at"] >= CHECK_SECONDS:
            previous = state
            state = _measure_replica()
            _checked.update(at=now, state=state)
            if previous is None or previous.usable != state.usable:
                log = logger.info if state.usable else logger.warning
                log("Read replica %s: %s", "in use" if state.usable else "skipped", state)
    return state


@contextmanager
def request_reads(*, replica_allowed: bool):
    """Route the reads of the block (one request) by the rule above; yield its state."""
    state = _Reads(replica_allowed=replica_allowed)
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


def pin_to_primary() -> None:
    """Send the rest of the current request's reads to the primary (done after any write)."""
    state = _reads.get()
    if state is not None:
        state.wrote = True


def reads_replica() -> bool:
    """Would a read right now go to the replica?"""
    state = _reads.get()
    if state is None or not state.replica_allowed or state.wrote:
        return False
    return not connections[PRIMARY].in_atomic_block


class PrimaryReplicaRouter:
    """The database router of a primary (``default``) and one streaming replica (``replica``)."""

    def db_for_read(self, model, **hints):
        return REPLICA if reads_replica() else PRIMARY

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows (the replica is a copy of the primary).
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the schema through replication; it is read-only.
        return db == PRIMARY
