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
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections

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
