"""Timing the ranking's selectors, the menus' pages, the peer, the monthly close; the run's order.

``measure`` runs every part while the month is open (selectors, pages and endpoints, DuckDB,
the load test without and with Redis), then closes the month and times the closed ranking.
"""

from __future__ import annotations

import datetime
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
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
from ...selectors.dashboard import completeness_page
from ...services import close_month
from .common import QueryCost, Results, is_postgresql, measure_interleaved
from .load import LoadTest, own_memory
from .logins import prepare_busy_official, prepare_supervisor
from .pages import (
    NO_CACHE_SETTINGS,
    api_endpoints,
    largest_department,
    measure_pages,
    menu_pages,
    period_query,
)
from .servers import SharedCache


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


@dataclass
class Logins:
    """The run's users and their logged-in test clients."""

    superuser: object
    superuser_client: Client
    supervisor: object
    supervisor_client: Client
    official: object
    official_client: Client


def prepare_logins(results: Results, *, year: int) -> Logins:
    """Log in the superuser (wrk's cookie), the supervisor and the busiest leader."""
    superuser = get_user_model().objects.create_superuser(username="bench", email="", password=None)
    official, results.my_assignments = prepare_busy_official(year=year, today=timezone.localdate())
    supervisor = prepare_supervisor()
    clients = []
    for user in (superuser, supervisor, official):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return Logins(superuser, clients[0], supervisor, clients[1], official, clients[2])


def selector_steps(*, period: datetime.date, metric: str) -> list[tuple[str, str, Callable]]:
    """Return the selectors the ranking and the dashboard read, and the re-sums, to time."""
    sql, params = naive_sql(year=period.year, month=period.month, metric=metric)

    def naive():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    today = timezone.localdate()
    return [
        ("resum", "re-sum selector",
         lambda: list_department_totals(period=period, metric=metric, from_reports=True)),
        ("naive", "hand-written re-sum SQL", naive),
        ("rollup", "rollup selector", lambda: list_department_totals(period=period, metric=metric)),
        ("ranking", "ranking selector", lambda: get_period_ranking(period=period, metric=metric)),
        ("zone_stats", "dashboard part: zone statistics", lambda: get_zone_stats(period=period)),
        ("trend", "dashboard part: monthly trend",
         lambda: list_monthly_trend(year=period.year, metric=metric)),
        ("completeness", "dashboard part: completeness board (first page, names)",
         lambda: completeness_page(get_completeness_board(period=period, today=today))),
    ]  # fmt: skip


def check_rollup(results: Results, *, period: datetime.date, metric: str) -> None:
    """Record whether the rollup's totals and ranking equal the re-sum's."""
    key = lambda totals: totals.department_id  # noqa: E731
    resum = sorted(list_department_totals(period=period, metric=metric, from_reports=True), key=key)
    rollup = sorted(list_department_totals(period=period, metric=metric), key=key)
    ranking = get_period_ranking(period=period, metric=metric).rows
    results.rollup_equals_resum = (
        resum == rollup and rank_departments(resum, month=period.month) == ranking
    )
    results.departments_ranked = len(resum)


def time_selectors(results: Results, *, log: Callable[[str], None]) -> None:
    """Time the selectors without a cache, and keep the plans of the rollup and the re-sum."""
    period, metric = results.period, results.metric
    with override_settings(**NO_CACHE_SETTINGS):
        results.timings = measure_interleaved(
            selector_steps(period=period, metric=metric), repeat=results.repeat
        )
        for timing in results.timings.values():
            log(f"{timing.name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms")
        results.rollup_queries = _queries_of(
            lambda: list_department_totals(period=period, metric=metric)
        )
        results.rollup_pages = _table_pages(MonthlyYtd)
        results.resum_queries = _queries_of(
            lambda: list_department_totals(period=period, metric=metric, from_reports=True)
        )


def time_pages(
    results: Results,
    logins: Logins,
    *,
    repeat: int,
    shared_cache: SharedCache | None,
    log: Callable[[str], None],
) -> None:
    """Time every page of both menus and the API endpoints, without a cache and with Redis."""
    period, metric = results.period, results.metric
    query = period_query(period=period, metric=metric)
    pages = [
        (page, logins.supervisor_client)
        for page in menu_pages(logins.supervisor, audience="supervisor", query=query)
    ]
    pages += [
        (page, logins.official_client)
        for page in menu_pages(logins.official, audience="official", query=query)
    ]
    with override_settings(**NO_CACHE_SETTINGS):
        endpoints = api_endpoints(
            logins.supervisor_client,
            period=period,
            metric=metric,
            department_id=largest_department(period.year),
        )
    pages += [(page, logins.supervisor_client) for page in endpoints]
    results.pages, results.pages_note = measure_pages(
        pages, repeat=repeat, shared_cache=shared_cache, log=log
    )


def time_peer(results: Results, *, log: Callable[[str], None]) -> None:
    """Time DuckDB's re-sum beside the same SQL (peer.py), unless duckdb is missing."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        results.peer_note = "not measured: duckdb is not installed (pip install -e '.[dev]')"
        log(f"DuckDB: {results.peer_note}")
        return
    from .peer import measure_peer

    log("DuckDB peer …")
    results.peer = measure_peer(
        period=results.period, metric=results.metric, repeat=results.repeat, log=log
    )


def time_close(results: Results, *, acting_user, shared_cache: SharedCache | None, log) -> None:
    """Close the month once, counting its queries and their time."""
    counted = {"queries": 0, "seconds": 0.0}

    def count(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            counted["queries"] += 1
            counted["seconds"] += time.perf_counter() - started

    log("monthly close …")
    # The close must drop the figures gunicorn cached in Redis, as it would in production.
    overrides = shared_cache.settings() if shared_cache else NO_CACHE_SETTINGS
    with override_settings(**overrides), connection.execute_wrapper(count):
        started = time.perf_counter()
        close_month(
            period=results.period,
            acting_user=acting_user,
            now=timezone.now(),
            confirm_unexplained=True,
        )
        results.close_seconds = time.perf_counter() - started
    results.close_queries, results.close_sql_seconds = counted["queries"], counted["seconds"]
    log(
        f"monthly close: {results.close_seconds:.2f} s, {results.close_queries:,} queries "
        f"({results.close_sql_seconds:.2f} s in SQL)"
    )


def measure(
    *,
    period: datetime.date,
    metric: str = Metric.OUTPUT_VALUE,
    repeat: int = 15,
    page_repeat: int | None = None,
    load_seconds: int = 0,
    load_connections: int = 4,
    peer: bool = True,
    label: str = "scale",
    log: Callable[[str], None] = print,
) -> Results:
    """Time the reads at ``period`` while the month is open, then its close; return the results.

    In process, through the whole Django stack with ``django.test.Client``: the ranking's
    selectors and re-sums; every page of the supervisor's and the busiest leader's menus and
    the API endpoints, without a cache and with Redis warm (pages.py); DuckDB's re-sum beside
    the same SQL (peer.py, ``peer``). With ``load_seconds``, ``wrk`` loads a gunicorn without
    Redis and one with it (when one is reachable), before and after the close (load.py).
    """
    results = Results(
        period=period, metric=metric, repeat=repeat, label=label, database=connection.vendor
    )
    logins = prepare_logins(results, year=period.year)
    shared_cache = SharedCache.find()
    check_rollup(results, period=period, metric=metric)
    load = LoadTest.start(
        results, seconds=load_seconds, connections=load_connections, shared_cache=shared_cache
    )
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        results.load_before = os.getloadavg()[0]
        time_selectors(results, log=log)
        time_pages(
            results, logins, repeat=page_repeat or repeat, shared_cache=shared_cache, log=log
        )
        if peer:
            time_peer(results, log=log)
        else:
            results.peer_note = "not measured in this run"
        cookie = load.cookie(logins.superuser_client)
        load.before_close(results, cookie=cookie, log=log)
        time_close(results, acting_user=logins.superuser, shared_cache=shared_cache, log=log)
        query = urllib.parse.urlencode({"period": f"{period:%Y-%m}", "metric": metric})
        api_url = f"{reverse('api:rankings')}?{query}"
        with override_settings(**NO_CACHE_SETTINGS):
            closed = [("api_closed", "ranking API, closed month",
                       lambda: _get(logins.supervisor_client, api_url))]  # fmt: skip
            results.timings.update(measure_interleaved(closed, repeat=repeat))
        results.load_after = os.getloadavg()[0]
        timing = results.timings["api_closed"]
        log(f"{timing.name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms")
        load.after_close(results, cookie=cookie, log=log)
    if shared_cache is not None:
        shared_cache.clear()
    results.memory = own_memory() + load.memory
    return results
