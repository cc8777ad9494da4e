"""A shared cache of computed figures (rankings, zone statistics, trends), dropped on any write.

At city scale a live ranking of an open month costs a few hundred milliseconds; at month end a
hundred departments refresh it at once. Figures are kept in the cache under a *generation*
number, and every write that can change them moves the generation on, so the next read computes
afresh and nothing stale is ever served past a write:

- the rollup refresh (every path that writes monthly reports: forms, admin, API, imports, the
  seed) bumps it itself;
- saves and deletes of the other inputs (targets, assignments, departments, titles, projects,
  their plans and reports, months closed or reopened) bump it through signals (hengkou/apps.py);
- bulk writes that send no signals (imports) bump it when they commit.

The cache is used only when ``HENGKOU_FIGURES_CACHE_SECONDS`` is above 0, which is the default
when ``REDIS_URL`` gives a cache that every process shares; with the per-process local memory
cache a write in one process could not drop another process's copy. The timeout is a safety
net for writes that bypass the ORM.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core.cache import after_outage

GENERATION_KEY = "figures:generation"
T = TypeVar("T")


def cache_seconds() -> int:
    return int(getattr(settings, "HENGKOU_FIGURES_CACHE_SECONDS", 0) or 0)


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A fresh number after the cache was emptied, so no older entry is taken for current.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


@after_outage
def _bump() -> None:
    # Also run when Redis answers again after an outage: a write made while it was down could
    # not drop the figures cached before it.
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def figures_changed() -> None:
    """Drop every cached figure: now, and again when the current transaction commits.

    The second bump covers a read that ran between the write and its commit and cached what it
    saw before the commit.
    """
    if not cache_seconds():
        return
    _bump()
    transaction.on_commit(_bump)


def cached_figures(name: str, compute: Callable[[], T]) -> T:
    """Return ``compute()``, kept in the shared cache under ``name`` until the next write."""
    seconds = cache_seconds()
    if not seconds:
        return compute()
    key = f"figures:{_generation()}:{name}"
    missing = object()
    value = cache.get(key, missing)
    if value is missing:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value
