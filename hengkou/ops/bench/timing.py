"""Timing the ranking's reads, the dashboard's queries, the monthly close and the throughput."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from enterprises.choices import Metric
from enterprises.models import Assignment, MonthlyReport, MonthlyYtd

from ...ranking import rank_departments
from ...selectors import (
    get_completeness_board,
    get_period_ranking,
    get_zone_stats,
    list_department_totals,
    list_monthly_trend,
)
from ...services import close_month
from .common import PeakMemory, QueryCost, Results, Timing, is_postgresql
from .servers import (
    SHARED,
    BenchServer,
    SharedCache,
    peak_memory_mib,
    prepare_busy_official,
    run_wrk,
    vm_hwm_mib,
)


def measure_interleaved(
    steps: list[tuple[str, str, Callable[[], object]]], *, repeat: int, warmup: int = 1
) -> dict[str, Timing]:
    """Time each ``(key, name, operation)`` ``repeat`` times, after ``warmup`` untimed rounds.

    The operations take turns, one run each per round, so a load spike from another process
    slows all of them alike and their ratios stay fair.
    """
    for _ in range(warmup):
        for _key, _name, operation in steps:
            operation()
    samples: dict[str, list[float]] = {key: [] for key, _name, _operation in steps}
    for _ in range(repeat):
        for key, _name, operation in steps:
            started = time.perf_counter()
            operation()
            samples[key].append(time.perf_counter() - started)
    return {key: Timing(name=name, samples=tuple(samples[key])) for key, name, _op in steps}


def _queries_of(operation: Callable[[], object]) -> list[QueryCost]:
    with CaptureQueriesContext(connection) as captured:
        operation()
    costs = []
    for query in captured.captured_queries:
        plan = ""
        if is_postgresql() and query["sql"].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
        costs.append(QueryCost(sql=query["sql"], seconds=float(query["time"]), plan=plan))
    return costs


def _table_pages(model) -> int:
    """Return the table's size in pages as PostgreSQL last counted it (0 elsewhere)."""
    if not is_postgresql():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


def _heap_blocks(plan: str, table: str) -> int:
    """Return how many pages of ``table`` a plan's bitmap heap scans visited."""
    blocks, scanning = 0, False
    for line in plan.splitlines():
        if f"Bitmap Heap Scan on {table}" in line:
            scanning = True
        elif scanning and "Heap Blocks:" in line:
            blocks += sum(int(count) for count in re.findall(r"(?:exact|lossy)=(\d+)", line))
            scanning = False
    return blocks


def naive_sql(*, year: int, month: int, metric: str) -> tuple[str, list]:
    """Return the hand-written re-sum: one join of the year's reports with the assignments."""
    report = MonthlyReport._meta.db_table
    assignment = Assignment._meta.db_table
    column = MonthlyReport._meta.get_field(metric).column
    sql = (
        f"SELECT a.department_id, SUM(r.{column}), COUNT(*) FROM {report} r "
        f"JOIN {assignment} a ON a.enterprise_id = r.enterprise_id AND a.year = %s "
        "WHERE r.period >= %s AND r.period <= %s GROUP BY a.department_id"
    )
    return sql, [year, datetime.date(year, 1, 1), datetime.date(year, month, 1)]


def _get(client: Client, url: str):
    # Over HTTPS, as in production, so an SSL redirect does not answer instead of the view.
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def measure(
    *,
    period: datetime.date,
    metric: str = Metric.OUTPUT_VALUE,
    repeat: int = 15,
    load_seconds: int = 0,
    load_connections: int = 4,
    log: Callable[[str], None] = print,
) -> Results:
    """Time the ranking's reads at ``period`` and then its monthly close; return the results.

    The reads run before the close, while the month is open and computed live. Requests go
    through the whole Django stack with ``django.test.Client`` as a logged-in superuser; "my
    enterprises" as the busiest leader. With ``load_seconds``, ``wrk`` also loads a gunicorn
    (DEBUG off, two workers) started on the same database, before and after the close, and the
    peak memory of its processes is read (PostgreSQL only; ``wrk`` must be installed).
    """
    year, month = period.year, period.month
    results = Results(period=period, metric=metric, repeat=repeat)
    user = get_user_model().objects.create_superuser(username="bench", email="", password=None)
    client = Client()
    client.force_login(user)
    official_user, results.my_assignments = prepare_busy_official(
        year=year, today=timezone.localdate()
    )
    official_client = Client()
    official_client.force_login(official_user)
    query = f"period={period:%Y-%m}&metric={metric}"
    api_url = f"/api/v1/rankings/?{query}"
    dashboard_url = f"/dashboard/?{query}"
    my_url = "/my/"
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    load_targets = [
        ("healthz", "trivial Django view (/healthz/)", "/healthz/"),
        ("ping", "trivial DRF view (/api/v1/ping/)", "/api/v1/ping/"),
        ("api", "ranking API, month open", api_url),
        ("dashboard", "dashboard page, month open", dashboard_url),
    ]
    uncached_targets = [
        ("ping_nocache", "trivial DRF view, without Redis", "/api/v1/ping/"),
        ("api_nocache", "ranking API, month open, without Redis", api_url),
    ]
    server = None
    server_memory: list[PeakMemory] = []
    if load_seconds:
        if not is_postgresql():
            results.throughput_note = "not measured: the load test runs on PostgreSQL only"
        elif shutil.which("wrk") is None:
            results.throughput_note = "not measured: wrk is not installed (apt-get install wrk)"
        else:
            shared_cache = SharedCache.find()
            server = BenchServer(shared_cache=shared_cache)
            if shared_cache is None:
                results.throughput_note = "without Redis (none reachable): no figures cache"
    else:
        results.throughput_note = "not measured in this run"

    def resum():
        return list_department_totals(
            period=datetime.date(year, month, 1), metric=metric, from_reports=True
        )

    def rollup():
        return list_department_totals(period=datetime.date(year, month, 1), metric=metric)

    def ranking():
        return get_period_ranking(period=datetime.date(year, month, 1), metric=metric)

    def zone_stats():
        return get_zone_stats(period=datetime.date(year, month, 1))

    def trend():
        return list_monthly_trend(year=year, metric=metric)

    def completeness():
        return get_completeness_board(
            period=datetime.date(year, month, 1), today=timezone.localdate()
        )

    sql, params = naive_sql(year=year, month=month, metric=metric)

    def naive():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    by_department = sorted(resum(), key=lambda totals: totals.department_id)
    results.rollup_equals_resum = (
        by_department == sorted(rollup(), key=lambda totals: totals.department_id)
        and rank_departments(by_department, month=month) == ranking().rows
    )
    results.departments_ranked = len(by_department)

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        steps = [
            ("resum", "re-sum selector", resum),
            ("naive", "hand-written re-sum SQL", naive),
            ("rollup", "rollup selector", rollup),
            ("ranking", "ranking selector", ranking),
            ("api", "ranking API", lambda: _get(client, api_url)),
            ("ping", "trivial DRF view (/api/v1/ping/)", lambda: _get(client, "/api/v1/ping/")),
            ("healthz", "trivial Django view (/healthz/)", lambda: _get(client, "/healthz/")),
            ("dashboard", "dashboard page", lambda: _get(client, dashboard_url)),
            ("my", "my enterprises (/my/), busiest leader", lambda: _get(official_client, my_url)),
            ("zone_stats", "dashboard part: zone statistics", zone_stats),
            ("trend", "dashboard part: monthly trend", trend),
            ("completeness", "dashboard part: completeness board", completeness),
        ]
        results.load_before = os.getloadavg()[0]
        results.timings = measure_interleaved(steps, repeat=repeat)
        for timing in results.timings.values():
            log(f"{timing.name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms")
        with CaptureQueriesContext(connection) as captured:
            _get(client, api_url)
        results.api_queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            _get(client, dashboard_url)
        results.dashboard_queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            _get(client, "/api/v1/ping/")
        results.ping_queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            _get(official_client, my_url)
        results.my_queries = len(captured)
        log(
            f"queries: API {results.api_queries}, dashboard {results.dashboard_queries}, "
            f"ping {results.ping_queries}, my enterprises {results.my_queries} "
            f"({results.my_assignments} assignments)"
        )
        results.rollup_queries = _queries_of(rollup)
        results.rollup_pages = _table_pages(MonthlyYtd)
        results.resum_queries = _queries_of(resum)

        if server is not None:
            # The session must be visible to gunicorn's own connections.
            if connection.in_atomic_block:
                raise RuntimeError("the load test needs committed data (not inside a test)")
            server.__enter__()
        try:
            if server is not None:
                if server.shared_cache is not None:
                    # First the same gunicorn without Redis: no figures cache, sessions in the
                    # database (the configuration of a single machine).
                    with BenchServer() as plain:
                        log(f"load test without Redis: gunicorn on {plain.url} …")
                        results.throughput = run_wrk(
                            plain, uncached_targets, cookie=cookie, seconds=load_seconds,
                            connections=load_connections, log=log,
                        )  # fmt: skip
                log(f"load test: gunicorn on {server.url}, {load_seconds} s per URL …")
                results.throughput += run_wrk(
                    server, load_targets, cookie=cookie, seconds=load_seconds,
                    connections=load_connections, log=log,
                )  # fmt: skip

            log("monthly close …")
            # The close must drop the figures gunicorn cached in Redis, as it would in production.
            shared = server.shared_cache if server is not None else None
            with override_settings(**(shared.settings() if shared else {})):
                started = time.perf_counter()
                close_month(period=period, acting_user=user, now=timezone.now())
                results.close_seconds = time.perf_counter() - started
            log(f"monthly close: {results.close_seconds:.2f} s")
            closed = [("api_closed", "ranking API, closed month", lambda: _get(client, api_url))]
            results.timings.update(measure_interleaved(closed, repeat=repeat))
            results.load_after = os.getloadavg()[0]
            timing = results.timings["api_closed"]
            log(f"{timing.name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms")
            if server is not None:
                closed_target = [("api_closed", "ranking API, month closed", api_url)]
                results.throughput += run_wrk(
                    server, closed_target, cookie=cookie, seconds=load_seconds,
                    connections=load_connections, log=log,
                )  # fmt: skip
                server_memory = server.memory()
        finally:
            if server is not None:
                server.__exit__(None, None, None)
                if server.shared_cache is not None:
                    server.shared_cache.clear()
    results.memory = own_memory()
    if server is not None:
        results.memory += server_memory
    return results


def own_memory() -> list[PeakMemory]:
    """Peak memory of the benchmark process and, on PostgreSQL, of its database backend."""
    rows = [PeakMemory("benchmark process", vm_hwm_mib(os.getpid()) or peak_memory_mib(),
                       "generation, in-process reads, the close")]  # fmt: skip
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        rows.append(PeakMemory("PostgreSQL backend of the benchmark", vm_hwm_mib(pid), SHARED))
    return rows
