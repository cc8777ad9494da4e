"""The load test: wrk against a gunicorn without Redis, then one with it, around the close.

Without Redis is the embedded default and any deployment without a shared cache: the figures
cache is off and sessions live in the database. Each of its rows is compared with the trivial
DRF view of the same gunicorn. With Redis (when one is reachable) is docs/deploy.md's setup.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from .common import PeakMemory, Results, is_postgresql
from .servers import SHARED, BenchServer, SharedCache, peak_memory_mib, run_wrk, vm_hwm_mib


def _urls(results: Results) -> dict[str, str]:
    query = urllib.parse.urlencode({"period": f"{results.period:%Y-%m}", "metric": results.metric})
    return {
        "healthz": reverse("healthz"),
        "ping": reverse("api:ping"),
        "api": f"{reverse('api:rankings')}?{query}",
        "dashboard": f"{reverse('dashboard')}?{query}",
    }


@dataclass
class LoadTest:
    """wrk's runs of one benchmark, or why there are none."""

    seconds: int
    connections: int
    shared_cache: SharedCache | None
    enabled: bool
    memory: list[PeakMemory] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        results: Results,
        *,
        seconds: int,
        connections: int,
        shared_cache: SharedCache | None,
    ) -> LoadTest:
        """Decide whether the load test runs, and say in the results why not."""
        enabled = False
        if not seconds:
            results.throughput_note = "not measured in this run"
        elif shutil.which("wrk") is None:
            results.throughput_note = "not measured: wrk is not installed (apt-get install wrk)"
        else:
            enabled = True
            if shared_cache is None:
                results.throughput_note = "with Redis: not measured, no Redis reachable"
        return cls(seconds, connections, shared_cache, enabled)

    def cookie(self, client: Client) -> str:
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    def _run(self, server: BenchServer, targets, *, cookie: str, log) -> list:
        return run_wrk(
            server, targets, cookie=cookie, seconds=self.seconds,
            connections=self.connections, log=log,
        )  # fmt: skip

    def before_close(self, results: Results, *, cookie: str, log: Callable[[str], None]) -> None:
        """Load the open month's URLs: first without Redis, then with it."""
        if not self.enabled:
            return
        if connection.in_atomic_block:
            # The session must be visible to gunicorn's own connections.
            raise RuntimeError("the load test needs committed data (not inside a test)")
        urls = _urls(results)
        plain_targets = [
            ("ping_nocache", "trivial DRF view, without Redis", urls["ping"]),
            ("api_nocache", "ranking API, month open, without Redis", urls["api"]),
            ("dashboard_nocache", "dashboard page, month open, without Redis", urls["dashboard"]),
        ]
        with BenchServer() as plain:
            log(f"load test without Redis: gunicorn on {plain.url}, {self.seconds} s per URL …")
            results.throughput += self._run(plain, plain_targets, cookie=cookie, log=log)
            self.memory = _labelled(plain.memory(), "without Redis")
        if self.shared_cache is None:
            return
        cached_targets = [
            ("healthz", "trivial Django view (/healthz/)", urls["healthz"]),
            ("ping", "trivial DRF view (/api/v1/ping/)", urls["ping"]),
            ("api", "ranking API, month open", urls["api"]),
            ("dashboard", "dashboard page, month open", urls["dashboard"]),
        ]
        with BenchServer(shared_cache=self.shared_cache) as cached:
            log(f"load test with Redis: gunicorn on {cached.url} …")
            results.throughput += self._run(cached, cached_targets, cookie=cookie, log=log)

    def after_close(self, results: Results, *, cookie: str, log: Callable[[str], None]) -> None:
        """Load the closed month's ranking, on the gunicorn with Redis when there is one."""
        if not self.enabled:
            return
        api = _urls(results)["api"]
        try:
            if self.shared_cache is None:
                target = ("api_closed_nocache", "ranking API, month closed, without Redis", api)
                server = BenchServer()
            else:
                target = ("api_closed", "ranking API, month closed", api)
                server = BenchServer(shared_cache=self.shared_cache)
            with server:
                results.throughput += self._run(server, [target], cookie=cookie, log=log)
                if self.shared_cache is not None:
                    self.memory += _labelled(server.memory(), "with Redis")
        finally:
            if self.shared_cache is not None:
                self.shared_cache.clear()


def _labelled(rows: list[PeakMemory], label: str) -> list[PeakMemory]:
    return [PeakMemory(f"{row.process} ({label})", row.mib, row.note) for row in rows]


def own_memory() -> list[PeakMemory]:
    """Peak memory of the benchmark process and, on PostgreSQL, of its database backend."""
    rows = [PeakMemory("benchmark process", vm_hwm_mib(os.getpid()) or peak_memory_mib(),
                       "generation, in-process reads, DuckDB, the close")]  # fmt: skip
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        rows.append(PeakMemory("PostgreSQL backend of the benchmark", vm_hwm_mib(pid), SHARED))
    return rows
