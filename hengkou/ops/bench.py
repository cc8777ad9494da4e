"""The benchmark of the department ranking at city scale (``make bench``).

Three parts, each usable on its own: ``generate`` fills an empty database with deterministic
city-scale data, ``measure`` times the ranking's reads and the monthly close, and
``render_section``/``write_section`` put the results into ``docs/performance.md``.
Bulk inserts use PostgreSQL's COPY and a set-based rollup build; on any other database they fall
back to ``bulk_create`` and ``rebuild_monthly_ytd`` (what the tests run on SQLite).
"""

from __future__ import annotations

import datetime
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from enterprises.choices import DepartmentKind, Metric, OfficialRank
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    MonthlyYtd,
    Official,
    Target,
)
from enterprises.services.figures import FLOW_METRICS, rebuild_monthly_ytd
from enterprises.validators import build_credit_code

from ..ranking import rank_departments
from ..selectors import (
    get_completeness_board,
    get_period_ranking,
    get_zone_stats,
    list_department_totals,
    list_monthly_trend,
)
from ..services import close_month

START_MARKER = "<!-- bench:ranking:start -->"
END_MARKER = "<!-- bench:ranking:end -->"
RATIO_TARGET = 0.3
DASHBOARD_QUERY_TARGET = 15
THROUGHPUT_TARGET = 0.6
IMPORT_TARGET_ROWS_PER_S = 20_000
CLOSE_TARGET_SECONDS = 30.0
CREDIT_SERIAL_BASE = 30_000_000
# Seasonal shape of monthly output: a slow January/February (Spring Festival), a strong December.
SEASON = (0.78, 0.72, 0.98, 1.0, 1.02, 1.04, 0.97, 0.97, 1.03, 1.05, 1.1, 1.34)
CHAINS = ("富硒食品", "新型材料", "装备制造", "毛绒玩具", "电子信息", "生物医药", "")
COPY_BATCH = 20_000


@dataclass(frozen=True)
class Scale:
    """How much data to generate: departments, enterprises and the months of reports."""

    departments: int = 500
    enterprises: int = 20_000
    first_month: datetime.date = datetime.date(2017, 1, 1)
    months: int = 60
    county_leaders: int = 40
    staff_per_department: int = 10
    targeted_share: float = 0.9
    seed: int = 20211130

    @property
    def periods(self) -> list[datetime.date]:
        start = self.first_month.year * 12 + self.first_month.month - 1
        return [datetime.date(n // 12, n % 12 + 1, 1) for n in range(start, start + self.months)]

    @property
    def years(self) -> list[int]:
        return sorted({period.year for period in self.periods})


CITY = Scale()


@dataclass(frozen=True)
class Phase:
    """One timed step of the run, with how many rows it wrote (if any)."""

    name: str
    seconds: float
    rows: int | None = None


@dataclass(frozen=True)
class Timing:
    """Repeated wall-clock timings of one operation, in seconds."""

    name: str
    samples: tuple[float, ...]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]


@dataclass(frozen=True)
class QueryCost:
    """One query of a selector: how long it took once, and its plan on PostgreSQL."""

    sql: str
    seconds: float
    plan: str = ""


@dataclass
class Results:
    """Everything a run measured, ready to render."""

    period: datetime.date
    metric: str
    repeat: int
    timings: dict[str, Timing] = field(default_factory=dict)
    close_seconds: float = 0.0
    dashboard_queries: int = 0
    api_queries: int = 0
    rollup_equals_resum: bool = False
    departments_ranked: int = 0
    rollup_queries: list[QueryCost] = field(default_factory=list)
    resum_queries: list[QueryCost] = field(default_factory=list)
    rollup_pages: int = 0
    load_before: float = 0.0
    load_after: float = 0.0
    ping_queries: int = 0
    my_queries: int = 0
    my_assignments: int = 0
    throughput: list[Throughput] = field(default_factory=list)
    throughput_note: str = ""
    memory: list[PeakMemory] = field(default_factory=list)

    @property
    def api_ratio(self) -> float:
        return self.timings["api"].p50 / self.timings["resum"].p50

    def requests_per_s(self, key: str) -> float | None:
        return next((t.requests_per_s for t in self.throughput if t.key == key), None)

    @property
    def throughput_ratio(self) -> float | None:
        """Requests/s of the ranking API (open month) over those of the trivial DRF view."""
        ranking, ping = self.requests_per_s("api"), self.requests_per_s("ping")
        return ranking / ping if ranking is not None and ping else None


@dataclass(frozen=True)
class Throughput:
    """What ``wrk`` measured against one URL of the benchmark's gunicorn."""

    key: str
    name: str
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int = 0


@dataclass(frozen=True)
class PeakMemory:
    """The peak resident memory (VmHWM) of one process, in MiB; None when unreadable."""

    process: str
    mib: float | None
    note: str = ""


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def progress(iterable: Iterable, *, total: int, label: str, log: Callable[[str], None]):
    """Yield from ``iterable`` with a progress bar (tqdm when installed, else a line per tenth)."""
    try:
        from tqdm import tqdm
    except ImportError:
        step = max(1, total // 10)
        for index, item in enumerate(iterable, start=1):
            yield item
            if index % step == 0 or index == total:
                log(f"  {label}: {index:,}/{total:,}")
    else:
        yield from tqdm(iterable, total=total, desc=label, unit="", leave=False)


@contextmanager
def timed(phases: list[Phase], name: str, log: Callable[[str], None]):
    """Time the block and append it to ``phases``; the block may set ``box["rows"]``."""
    log(f"{name} …")
    box: dict = {}
    started = time.perf_counter()
    yield box
    seconds = time.perf_counter() - started
    phases.append(Phase(name=name, seconds=seconds, rows=box.get("rows")))
    rows = f", {box['rows']:,} rows" if box.get("rows") is not None else ""
    log(f"{name}: {seconds:.1f} s{rows}")


def _copy_text(value) -> str:
    if type(value) is str:
        return value
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _constant_columns(model, fields: list[str]) -> dict[str, object]:
    """Return the value of every other concrete column: its default, or now for timestamps."""
    now = timezone.now()
    constants = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.attname in fields:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = now
        else:
            value = model_field.get_default()
        if value is None and not model_field.null:
            raise ValueError(f"{model.__name__}.{model_field.name} needs a value")
        constants[model_field.column] = value
    return constants


def insert_rows(model, fields: list[str], rows: Iterable[tuple]) -> int:
    """Insert rows of ``fields`` values into ``model``'s table; return how many.

    Other columns take their default (timestamps: now). PostgreSQL gets one COPY; elsewhere
    ``bulk_create`` in batches. String values must hold no tab, newline or backslash
    (generated data never does).
    """
    count = 0
    if not is_postgresql():
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(fields, row, strict=True))))
            if len(batch) == 2000:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch.clear()
        model.objects.bulk_create(batch)
        return count + len(batch)
    constants = _constant_columns(model, fields)
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in fields] + list(constants)
    tail = "".join("\t" + _copy_text(value) for value in constants.values())
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        lines = []
        for row in rows:
            lines.append("\t".join(map(_copy_text, row)) + tail)
            if len(lines) == COPY_BATCH:
                copy.write("\n".join(lines) + "\n")
                count += len(lines)
                lines.clear()
        if lines:
            copy.write("\n".join(lines) + "\n")
            count += len(lines)
    return count


@dataclass
class _Profile:
    """How one generated enterprise behaves over the years."""

    monthly_output: float
    growth: float
    employees: int
    first_year: int
    missing: float
    departments: dict[int, int] = field(default_factory=dict)


ROLLUP_SQL = """
INSERT INTO {ytd} (enterprise_id, period, has_report, employees, {flows})
SELECT years.enterprise_id, months.period, report.id IS NOT NULL,
       COALESCE(report.employees, 0), {running}
FROM (SELECT DISTINCT enterprise_id, date_trunc('year', period)::date AS year_start
      FROM {report}) AS years
CROSS JOIN LATERAL (
    SELECT (years.year_start + make_interval(months => n))::date AS period
    FROM generate_series(0, 11) AS n
) AS months
LEFT JOIN {report} AS report
       ON report.enterprise_id = years.enterprise_id AND report.period = months.period
WINDOW running AS (PARTITION BY years.enterprise_id, years.year_start ORDER BY months.period)
"""


def build_rollup() -> int:
    """Build the year-to-date rollup from the monthly reports of an empty rollup table.

    On PostgreSQL one INSERT … SELECT with a running window sum (the same rows as
    ``rebuild_monthly_ytd``, which the tests check); elsewhere ``rebuild_monthly_ytd`` itself.
    """
    if not is_postgresql():
        return rebuild_monthly_ytd()
    sql = ROLLUP_SQL.format(
        ytd=MonthlyYtd._meta.db_table,
        report=MonthlyReport._meta.db_table,
        flows=", ".join(FLOW_METRICS),
        running=", ".join(
            f"SUM(COALESCE(report.{metric}, 0)) OVER running" for metric in FLOW_METRICS
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def _money(value: float) -> str:
    return f"{value:.2f}"


def generate(*, scale: Scale, log: Callable[[str], None] = print) -> list[Phase]:
    """Fill an empty database with deterministic data of ``scale``; return the timed phases.

    Sponsoring departments each have a head and staff; county leaders sit in a leading office
    of their own. Every enterprise has an assignment in every year (about 5% change department
    from one year to the next), most have an output target each year, and reports start in a
    random year for a few and miss about 1% of months, so the rollup has gaps to bridge.
    """
    if Enterprise.objects.exists():
        raise RuntimeError("The database already holds enterprises: the bench needs an empty one.")
    rng = random.Random(scale.seed)
    phases: list[Phase] = []

    with timed(phases, "departments and officials", log) as box:
        office_code = "BLEAD"
        departments = [(office_code, "基准县领导", DepartmentKind.LEADING_OFFICE)]
        departments += [
            (f"B{n:04d}", f"基准部门{n:04d}", DepartmentKind.SPONSOR)
            for n in range(scale.departments)
        ]
        rows = insert_rows(Department, ["code", "name", "kind"], departments)
        codes = [code for code, _name, _kind in departments]
        department_ids = dict(Department.objects.filter(code__in=codes).values_list("code", "id"))
        office_id = department_ids.pop(office_code)
        sponsors = [department_ids[f"B{n:04d}"] for n in range(scale.departments)]
        officials = [
            (f"基准领导{n:03d}", office_id, OfficialRank.COUNTY_LEADER)
            for n in range(scale.county_leaders)
        ]
        for n, department_id in enumerate(sponsors):
            for k in range(scale.staff_per_department):
                rank = OfficialRank.DEPARTMENT_HEAD if k == 0 else OfficialRank.STAFF
                officials.append((f"基准干部{n:04d}-{k}", department_id, rank))
        rows += insert_rows(Official, ["name", "department_id", "rank"], officials)
        by_name = dict(Official.objects.filter(name__startswith="基准").values_list("name", "id"))
        leaders = [by_name[f"基准领导{n:03d}"] for n in range(scale.county_leaders)]
        staff = {
            department_id: [
                by_name[f"基准干部{n:04d}-{k}"] for k in range(scale.staff_per_department)
            ]
            for n, department_id in enumerate(sponsors)
        }
        box["rows"] = rows

    years = scale.years
    profiles = []
    for _n in range(scale.enterprises):
        department = rng.choice(sponsors)
        profile = _Profile(
            monthly_output=rng.lognormvariate(5.0, 1.1),
            growth=rng.uniform(-0.05, 0.15),
            employees=max(5, int(rng.lognormvariate(4.0, 0.9))),
            first_year=years[0] if rng.random() < 0.95 else rng.choice(years),
            missing=0.01,
        )
        for year in years:
            if rng.random() < 0.05:
                department = rng.choice(sponsors)
            profile.departments[year] = department
        profiles.append(profile)

    with timed(phases, "enterprises", log) as box:
        box["rows"] = insert_rows(
            Enterprise,
            ["credit_code", "name", "chain", "employees"],
            (
                (
                    build_credit_code(CREDIT_SERIAL_BASE + n),
                    f"基准企业{n:05d}有限公司",
                    CHAINS[n % len(CHAINS)],
                    profile.employees,
                )
                for n, profile in enumerate(profiles)
            ),
        )
        codes = dict(
            Enterprise.objects.filter(name__startswith="基准企业").values_list("credit_code", "id")
        )
        enterprise_ids = [
            codes[build_credit_code(CREDIT_SERIAL_BASE + n)] for n in range(scale.enterprises)
        ]

    with timed(phases, "assignments", log) as box:
        box["rows"] = insert_rows(
            Assignment,
            ["year", "enterprise_id", "leader_id", "department_id", "responsible_id"],
            (
                (
                    year,
                    enterprise_id,
                    rng.choice(leaders),
                    profile.departments[year],
                    rng.choice(staff[profile.departments[year]]),
                )
                for year in years
                for enterprise_id, profile in zip(enterprise_ids, profiles, strict=True)
            ),
        )

    with timed(phases, "targets", log) as box:
        box["rows"] = insert_rows(
            Target,
            ["enterprise_id", "year", "metric", "value"],
            (
                (
                    enterprise_id,
                    year,
                    Metric.OUTPUT_VALUE,
                    _money(
                        12
                        * profile.monthly_output
                        * (1 + profile.growth) ** (year - years[0])
                        * rng.uniform(0.9, 1.25)
                    ),
                )
                for year in years
                for enterprise_id, profile in zip(enterprise_ids, profiles, strict=True)
                if rng.random() < scale.targeted_share
            ),
        )

    def reports() -> Iterator[tuple]:
        tz = timezone.get_current_timezone()
        periods = scale.periods
        for enterprise_id, profile in progress(
            zip(enterprise_ids, profiles, strict=True),
            total=scale.enterprises,
            label="monthly reports",
            log=log,
        ):
            uniform = rng.uniform
            for period in periods:
                if period.year < profile.first_year or rng.random() < profile.missing:
                    continue
                output = (
                    profile.monthly_output
                    * (1 + profile.growth) ** (period.year - years[0])
                    * SEASON[period.month - 1]
                    * uniform(0.85, 1.15)
                )
                revenue = output * uniform(0.9, 1.05)
                employees = max(1, int(profile.employees * uniform(0.95, 1.05)))
                # Due by day 5 of the next month; a few come in a little late.
                due = datetime.date(
                    period.year + period.month // 12, period.month % 12 + 1, rng.randint(1, 8)
                )
                submitted = datetime.datetime.combine(due, datetime.time(10), tzinfo=tz)
                yield (
                    enterprise_id,
                    period,
                    _money(output),
                    _money(output * uniform(0.22, 0.32)),
                    _money(revenue),
                    _money(revenue * uniform(-0.04, 0.12)),
                    _money(revenue * uniform(0.02, 0.06)),
                    employees,
                    _money(employees * uniform(0.45, 0.65)),
                    _money(output * uniform(0.05, 0.15)),
                    submitted,
                )

    with timed(phases, "monthly reports", log) as box:
        box["rows"] = insert_rows(
            MonthlyReport,
            ["enterprise_id", "period", "output_value", "value_added", "revenue", "profit"]
            + ["tax", "employees", "wages", "electricity", "submitted_at"],
            reports(),
        )

    with timed(phases, "year-to-date rollup", log) as box:
        box["rows"] = build_rollup()

    # VACUUM sets the visibility map as autovacuum soon would after a load; it cannot run
    # inside a transaction (the tests), where ANALYZE alone refreshes the statistics.
    vacuum = is_postgresql() and not connection.in_atomic_block
    statement = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with timed(phases, statement, log), connection.cursor() as cursor:
        cursor.execute(statement)
    return phases


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
        return list_department_totals(year=year, month=month, metric=metric, from_reports=True)

    def rollup():
        return list_department_totals(year=year, month=month, metric=metric)

    def ranking():
        return get_period_ranking(year=year, month=month, metric=metric)

    def zone_stats():
        return get_zone_stats(year=year, month=month)

    def trend():
        return list_monthly_trend(year=year, metric=metric)

    def completeness():
        return get_completeness_board(year=year, month=month, today=timezone.localdate())

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


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk(output: str, *, key: str, name: str) -> Throughput:
    """Read requests, duration, requests/s, p50 and p99 and errors from ``wrk --latency``."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (done and rate and p50 and p99):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\w+ (\d+)", socket_errors.group(1)))
    return Throughput(
        key=key,
        name=name,
        requests=int(done.group(1)),
        seconds=_wrk_ms(done.group(2) + done.group(3)) / 1000,
        requests_per_s=float(rate.group(1)),
        p50_ms=_wrk_ms(p50.group(1)),
        p99_ms=_wrk_ms(p99.group(1)),
        errors=errors,
    )


def vm_hwm_mib(pid: int) -> float | None:
    """Return the peak resident memory (VmHWM) of a process in MiB, None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [int(n) for n in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WEB_APPLICATION_NAME = "hengkou-bench-web"


@dataclass(frozen=True)
class SharedCache:
    """A Redis for the load test's gunicorn (sessions, figures cache), under a key prefix of
    this run's own, removed at the end (``BENCH_REDIS_URL``, default the local Redis, db 0)."""

    url: str
    prefix: str

    @classmethod
    def find(cls) -> SharedCache | None:
        url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        parsed = urllib.parse.urlparse(url)
        try:
            socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
        except OSError:
            return None
        return cls(url=url, prefix=f"hengkou-bench-{os.getpid()}")

    def settings(self) -> dict:
        """Django settings that make this process use the same cache as the gunicorn."""
        return {
            "CACHES": {
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": self.url,
                    "KEY_PREFIX": self.prefix,
                }
            },
            "HENGKOU_FIGURES_CACHE_SECONDS": 300,
        }

    def clear(self) -> int:
        """Delete this run's keys; return how many."""
        import redis

        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(f"{self.prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        return len(keys)


class BenchServer:
    """gunicorn with DEBUG off and two sync workers on a free loopback port, on the bench's
    database (connections kept for the run and named, so their PostgreSQL backends can be found)."""

    def __init__(self, *, workers: int = 2, shared_cache: SharedCache | None = None):
        self.workers = workers
        self.shared_cache = shared_cache
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="hengkou-bench-gunicorn-", suffix=".log"
        )

    def environment(self) -> dict[str, str]:
        database = settings.DATABASES["default"]
        user = database.get("USER") or ""
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        host = f"{database.get('HOST') or ''}:{database.get('PORT') or 5432}"
        url = f"postgres://{user}{password}@{host}/{database['NAME']}"
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("REDIS_URL", "DJANGO_CACHE_PREFIX", "HENGKOU_FIGURES_CACHE_SECONDS")
        }
        if self.shared_cache is not None:
            environment["REDIS_URL"] = self.shared_cache.url
            environment["DJANGO_CACHE_PREFIX"] = self.shared_cache.prefix
        return {
            **environment,
            "DATABASE_URL": f"{url}?application_name={WEB_APPLICATION_NAME}",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_CONN_MAX_AGE": "3600",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "GUNICORN_ERROR_LOG": self.log.name,
            "GUNICORN_PROC_NAME": "hengkou-bench",
        }

    def __enter__(self):
        config = Path(settings.BASE_DIR) / "hengkou" / "deploy" / "gunicorn.conf.py"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(config)],
            env=self.environment(),
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/healthz/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        log = Path(self.log.name).read_text()[-3000:]
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not start:\n{log}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def get(self, path: str, *, cookie: str) -> int:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status

    def memory(self) -> list[PeakMemory]:
        """Peak memory of the gunicorn master, each worker and their PostgreSQL backends."""
        rows = [PeakMemory("gunicorn master", vm_hwm_mib(self.process.pid))]
        for n, pid in enumerate(_children(self.process.pid), start=1):
            rows.append(PeakMemory(f"gunicorn worker {n}", vm_hwm_mib(pid)))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s ORDER BY pid",
                [WEB_APPLICATION_NAME],
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        for n, pid in enumerate(backends, start=1):
            rows.append(PeakMemory(f"PostgreSQL backend of worker {n}", vm_hwm_mib(pid), SHARED))
        return rows


SHARED = "includes the shared buffers it touched"


def run_wrk(
    server: BenchServer,
    targets: list[tuple[str, str, str]],
    *,
    cookie: str,
    seconds: int,
    connections: int,
    log: Callable[[str], None],
) -> list[Throughput]:
    """Load each ``(key, name, path)`` with wrk for ``seconds``, one after the other."""
    results = []
    for key, name, path in targets:
        for _ in range(2):  # warm the workers' caches and connections
            server.get(path, cookie=cookie)
        command = [
            "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
            "--timeout", "30s", "--latency", "-H", f"Cookie: {cookie}", f"{server.url}{path}",
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = parse_wrk(output, key=key, name=name)
        log(
            f"wrk {name}: {result.requests_per_s:.1f} requests/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, {result.errors} errors"
        )
        results.append(result)
    return results


def prepare_busy_official(*, year: int, today: datetime.date):
    """Give the official with the most assignments in ``year`` a login and today's duties.

    "My enterprises" lists the current year's assignments; the generated years are in the past,
    so that official's assignments of ``year`` are copied to the current year (once). Returns
    the user and how many assignments the page lists.
    """
    from django.db.models import Count

    from enterprises.models import Official

    busiest = (
        Assignment.objects.filter(year=year)
        .values("leader_id")
        .annotate(n=Count("id"))
        .order_by("-n", "leader_id")
        .first()
    )
    official = Official.objects.get(pk=busiest["leader_id"])
    if year != today.year:
        taken = set(
            Assignment.objects.filter(year=today.year).values_list("enterprise_id", flat=True)
        )
        Assignment.objects.bulk_create(
            Assignment(
                year=today.year,
                enterprise_id=a.enterprise_id,
                leader_id=a.leader_id,
                department_id=a.department_id,
                responsible_id=a.responsible_id,
            )
            for a in Assignment.objects.filter(year=year, leader=official)
            if a.enterprise_id not in taken
        )
    user = official.user
    if user is None:
        user = get_user_model().objects.create_user(username="bench-official", password=None)
        Official.objects.filter(pk=official.pk).update(user=user)
    # The role a county leader's login holds (hengkou/roles.py): what the page lets through.
    role = Group.objects.filter(name="county_leader").first()
    if role is not None:
        user.groups.add(role)
    listed = Assignment.objects.filter(year=today.year, leader=official).count()
    return user, listed


def peak_memory_mib() -> float:
    """Return the process's peak resident memory in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, str]:
    """Return what the results depend on: CPUs, CPU model, PostgreSQL and software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if is_postgresql() else "SELECT sqlite_version()")
        database = cursor.fetchone()[0]
    try:
        with open("/proc/meminfo") as meminfo:
            memory = f"{int(meminfo.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model": cpu,
        "memory": memory,
        "database": database,
        "Python · Django": f"{platform.python_version()} · {django.get_version()}",
    }


def table_sizes() -> list[tuple[str, int, str]]:
    """Return each benchmarked table's row count and on-disk size (with indexes)."""
    sizes = []
    for model in (Department, Official, Enterprise, Assignment, Target, MonthlyReport, MonthlyYtd):
        size = ""
        if is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_total_relation_size(%s)", [model._meta.db_table])
                size = f"{cursor.fetchone()[0] / 1024 / 1024:.0f} MiB"
        sizes.append((model._meta.db_table, model.objects.count(), size))
    return sizes


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _execution_time(plan: str) -> str:
    for line in plan.splitlines():
        if line.startswith("Execution Time:"):
            return f" (under EXPLAIN ANALYZE: {line.split(':', 1)[1].strip()})"
    return ""


def render_section(
    *,
    results: Results,
    phases: list[Phase],
    scale: Scale,
    sizes: list[tuple[str, int, str]],
    host: dict[str, str],
    peak_mib: float,
    total_seconds: float,
    today: datetime.date,
    imports: dict | None = None,
    imports_note: str = "",
) -> str:
    """Return the Markdown of the benchmark section, markers included."""
    timings = results.timings
    extra = _render_extra(results=results, imports=imports, imports_note=imports_note)
    ratio = results.api_ratio
    ratio_met = ratio <= RATIO_TARGET
    queries_met = results.dashboard_queries <= DASHBOARD_QUERY_TARGET
    sums = max(results.rollup_queries, key=lambda cost: cost.seconds, default=None)
    fixed = timings["api"].p50 - timings["rollup"].p50
    if ratio_met:
        ratio_why = "—"
    else:
        ratio_why = (
            f"the rollup selector alone takes {_ms(timings['rollup'].p50)} ms "
            f"({timings['rollup'].p50 / timings['resum'].p50:.2f} of the re-sum), "
            f"{_ms(sums.seconds) if sums else '?'} ms of it in its sums query"
        )
        blocks = _heap_blocks(sums.plan, MonthlyYtd._meta.db_table) if sums else 0
        if blocks and results.rollup_pages:
            ratio_why += (
                f", which visits {blocks:,} of the rollup table's {results.rollup_pages:,} "
                "pages to read two rows per member: a month's rows are spread over the whole "
                "table"
            )
        ratio_why += (
            f"; the request around it (ranking rules, serialisation, middleware) adds "
            f"{_ms(fixed)} ms"
        )
    queries_why = "—" if queries_met else "more queries than the target; see the dashboard tests"
    period = f"{results.period:%Y-%m}"
    lines = [
        START_MARKER,
        "## Department ranking at city scale",
        "",
        "Generated by `make bench` (`python manage.py bench`); do not edit between the markers.",
        "",
        f"Run on {today:%Y-%m-%d}, {total_seconds / 60:.1f} min in all, peak memory of the "
        f"process {peak_mib:.0f} MiB.",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in host.items()],
        "",
        f"### Data (seed {scale.seed})",
        "",
        f"{scale.departments} sponsoring departments, {scale.enterprises:,} enterprises, "
        f"{scale.months} months of reports ({scale.periods[0]:%Y-%m} to "
        f"{scale.periods[-1]:%Y-%m}), one assignment per enterprise and year, output targets "
        f"for about {scale.targeted_share:.0%} of them each year.",
        "",
        "| table | rows | size with indexes |",
        "|---|---:|---:|",
        *[f"| `{table}` | {rows:,} | {size} |" for table, rows, size in sizes],
        "",
        "### Phases",
        "",
        "| phase | time (s) | rows written |",
        "|---|---:|---:|",
        *[
            f"| {phase.name} | {phase.seconds:.1f} | "
            f"{'' if phase.rows is None else f'{phase.rows:,}'} |"
            for phase in phases
        ],
        f"| monthly close of {period} (`close_month`, once) | {results.close_seconds:.2f} | |",
        "",
        f"### Reads at {period}, metric `{results.metric}`",
        "",
        f"One untimed warm-up round, then {results.repeat} timed rounds in which the reads take "
        "turns; wall-clock time in the benchmark process, database on the same machine; "
        f"1-minute load average {results.load_before:.2f} before the reads and "
        f"{results.load_after:.2f} after the close (other processes share the CPUs).",
        "",
        "| read | p50 (ms) | p95 (ms) |",
        "|---|---:|---:|",
        *[
            f"| {timing.name} | {_ms(timing.p50)} | {_ms(timing.p95)} |"
            for timing in timings.values()
        ],
        "",
        f"Queries per request: ranking API {results.api_queries}, dashboard "
        f"{results.dashboard_queries}, trivial DRF view {results.ping_queries} (the session "
        f"and the user), my enterprises {results.my_queries} for the busiest leader's "
        f"{results.my_assignments:,} assignments. The rollup ranking equals the re-sum ranking "
        f"on these data ({results.departments_ranked} departments): "
        f"{'yes' if results.rollup_equals_resum else 'NO'}.",
        "",
        *extra["sections"],
        "### Targets",
        "",
        "| target | measured | met | why not |",
        "|---|---|---|---|",
        f"| p50(ranking API) / p50(re-sum selector) ≤ {RATIO_TARGET} | {ratio:.2f} "
        f"({_ms(timings['api'].p50)} / {_ms(timings['resum'].p50)} ms) | "
        f"{'yes' if ratio_met else 'no'} | {ratio_why} |",
        *_plain_sql_target(results, timings),
        *extra["targets"],
        f"| dashboard queries ≤ {DASHBOARD_QUERY_TARGET} | {results.dashboard_queries} | "
        f"{'yes' if queries_met else 'no'} | {queries_why} |",
        "",
        "### What is measured",
        "",
        "- *re-sum selector*: `list_department_totals(..., from_reports=True)`, which sums every "
        "monthly report of the year to date and of the same months a year earlier (three "
        "queries); *hand-written re-sum SQL*: the bare join and `GROUP BY` a report would "
        "write, for scale.",
        "- *rollup selector*: the same totals read from `MonthlyYtd`, one row per member and "
        "month; *ranking selector*: `get_period_ranking`, the rollup plus the ranking rules.",
        "- *ranking API*: `GET /api/v1/rankings/?period=…&metric=…` end to end over HTTPS "
        "(every middleware, session authentication, serialisation), the month open; *closed "
        "month*: the same request after the close, read from the frozen snapshot.",
        "- *dashboard page*: `GET /dashboard/?period=…&metric=…`, zone figures, ranking, trend "
        "and the completeness board rendered to HTML.",
        "- *monthly close*: `close_month`, which locks the month's reports, ranks every metric "
        "and writes the snapshot and the notices.",
        "",
        "Slowest query of each selector (one run, `EXPLAIN ANALYZE`):",
        "",
    ]
    for label, costs in (
        ("rollup selector", results.rollup_queries),
        ("re-sum selector", results.resum_queries),
    ):
        if not costs:
            continue
        slowest = max(costs, key=lambda cost: cost.seconds)
        lines += [
            f"<details><summary>{label}: {len(costs)} queries, slowest "
            f"{_ms(slowest.seconds)} ms{_execution_time(slowest.plan)}</summary>",
            "",
            "```sql",
            slowest.sql,
            "```",
            "",
            *(["```", slowest.plan, "```", ""] if slowest.plan else []),
            "</details>",
            "",
        ]
    lines.append(END_MARKER)
    return "\n".join(lines) + "\n"


def _mib(value: float | None) -> str:
    return "unreadable" if value is None else f"{value:,.0f}"


def _throughput_why(results: Results) -> str:
    """Explain a missed throughput target from the run's own figures."""
    api = results.timings.get("api")
    ping = results.timings.get("ping")
    rate, ping_rate = results.requests_per_s("api"), results.requests_per_s("ping")
    closed = results.requests_per_s("api_closed")
    uncached = results.requests_per_s("api_nocache")
    workers = 2
    if uncached is None:
        why = "each ranking request of an open month ranks the month live"
        if api and ping:
            why += (
                f" ({_ms(api.p50)} ms per request in process, against {_ms(ping.p50)} ms for "
                "the trivial DRF view)"
            )
        why += (
            ", and with two sync workers on the same 2 CPUs as wrk and PostgreSQL the requests "
            "per second are bounded by that work"
        )
        if closed is not None and ping_rate:
            why += (
                f"; a closed month, read from its snapshot, reaches {closed:,.0f} requests/s "
                f"({closed / ping_rate:.0%} of the trivial view)"
            )
        return why + (
            ". Meeting it needs the figures cache, which is on with `REDIS_URL` "
            "(HENGKOU_FIGURES_CACHE_SECONDS) and was off in this run"
        )
    why = (
        f"the figures cache spares the ranking's computation ({uncached:,.1f} requests/s "
        f"without Redis, {rate:,.1f} with it), but every request still takes the cached ranking "
        f"of {results.departments_ranked} departments out of Redis and serialises it with DRF: "
        f"about {workers * 1000 / rate:.0f} ms of a worker's time per request against "
        f"{workers * 1000 / ping_rate:.0f} ms for the trivial view"
    )
    if closed is not None:
        why += f" (a closed month: {closed:,.1f} requests/s)"
    return why + (
        ". Meeting it needs the rendered response cached (the JSON bytes under the figures' "
        "generation) or an ETag on that generation answered with 304"
    )


def _render_extra(*, results: Results, imports: dict | None, imports_note: str) -> dict:
    """Return the throughput, memory and import sections and their target rows."""
    sections, targets = [], []
    ping_rate = results.requests_per_s("ping")
    sections += ["### Throughput under load (wrk)", ""]
    if results.throughput:
        first = results.throughput[0]
        redis = (
            "with `REDIS_URL` (sessions and the figures cache in Redis, as in docs/deploy.md) "
            'unless the row says "without Redis" (a second gunicorn, the single-machine '
            "configuration)"
            if results.requests_per_s("ping_nocache") is not None
            else f"({results.throughput_note})"
        )
        sections += [
            f"gunicorn with DEBUG off and 2 sync workers, started by the benchmark on loopback on "
            f"the same database, {redis}; `wrk` with {first.seconds:.0f} s per URL, one URL "
            "after the other, as the logged-in superuser (session cookie); the machine's CPUs "
            "are shared by wrk, gunicorn and PostgreSQL. Each row is compared with the trivial "
            "DRF view on the same gunicorn.",
            "",
            "| URL | requests/s | vs trivial DRF view | p50 (ms) | p99 (ms) | requests | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in results.throughput:
            base = results.requests_per_s("ping_nocache") if "nocache" in row.key else ping_rate
            share = f"{row.requests_per_s / base:.0%}" if base else ""
            sections.append(
                f"| {row.name} | {row.requests_per_s:,.1f} | {share} | {row.p50_ms:.1f} | "
                f"{row.p99_ms:.1f} | {row.requests:,} | {row.errors} |"
            )
    else:
        sections.append(f"Throughput {results.throughput_note or 'not measured'}.")
    sections.append("")
    ratio = results.throughput_ratio
    if ratio is None:
        targets.append(
            f"| ranking API requests/s ≥ {THROUGHPUT_TARGET:.0%} of the trivial DRF view's | "
            f"{results.throughput_note or 'not measured'} | — | — |"
        )
    else:
        met = ratio >= THROUGHPUT_TARGET
        targets.append(
            f"| ranking API requests/s ≥ {THROUGHPUT_TARGET:.0%} of the trivial DRF view's | "
            f"{ratio:.0%} ({results.requests_per_s('api'):,.1f} / {ping_rate:,.1f}) | "
            f"{'yes' if met else 'no'} | {'—' if met else _throughput_why(results)} |"
        )
    uncached, ping_uncached = (
        results.requests_per_s("api_nocache"),
        results.requests_per_s("ping_nocache"),
    )
    if uncached is not None and ping_uncached:
        share = uncached / ping_uncached
        met = share >= THROUGHPUT_TARGET
        targets.append(
            f"| the same without Redis (no figures cache) | {share:.0%} "
            f"({uncached:,.1f} / {ping_uncached:,.1f}) | {'yes' if met else 'no'} | "
            + (
                "—"
                if met
                else "the ranking of an open month is computed on every request: a deployment "
                "without Redis does not reach the target"
            )
            + " |"
        )
    close_met = results.close_seconds <= CLOSE_TARGET_SECONDS
    targets.append(
        f"| monthly close ≤ {CLOSE_TARGET_SECONDS:.0f} s | {results.close_seconds:.2f} s | "
        f"{'yes' if close_met else 'no'} | "
        f"{'—' if close_met else 'the close ranks every metric of the month; see its queries'} |"
    )

    sections += ["### Peak memory", ""]
    if results.memory:
        sections += [
            "Peak resident memory (`VmHWM`) of each process at the end of the run.",
            "",
            "| process | peak RSS (MiB) | note |",
            "|---|---:|---|",
            *[f"| {row.process} | {_mib(row.mib)} | {row.note} |" for row in results.memory],
        ]
    else:
        sections.append("Not measured.")
    sections.append("")

    sections += ["### Import speed", ""]
    if imports:
        sections += [
            "Monthly reports from one .xlsx (`hengkou.ops.import_bench.run`): read, check every "
            "row, write in one transaction; each import in a process of its own, into the database "
            "above. Ours runs three times: the row is the run of median speed, *runs* lists "
            "all three.",
            "",
            "| importer | rows | seconds | rows/s | runs (rows/s) | peak RSS (MiB) |",
            "|---|---:|---:|---:|---|---:|",
        ]
        names = {"ours": "ours", "django_import_export": "django-import-export"}
        for key, row in imports.items():
            if not isinstance(row, dict):
                continue
            rate = row.get("rows_per_s")
            rss = row.get("peak_rss_kb")
            runs = ", ".join(f"{run:,.0f}" for run in row.get("runs", []) if run is not None)
            sections.append(
                f"| {names.get(key, key)} | {row.get('rows', 0):,} | "
                f"{row.get('seconds', 0):.1f} | {'' if rate is None else f'{rate:,.0f}'} | "
                f"{runs} | {'' if rss is None else f'{rss / 1024:,.0f}'} |"
            )
    else:
        sections.append(f"Import speed: {imports_note or 'not measured'}.")
    sections.append("")
    ours = imports.get("ours") if imports else None
    rate = ours.get("rows_per_s") if isinstance(ours, dict) else None
    if rate is None:
        targets.append(f"| import ≥ {IMPORT_TARGET_ROWS_PER_S:,} rows/s | not measured | — | — |")
    else:
        met = rate >= IMPORT_TARGET_ROWS_PER_S
        targets.append(
            f"| import ≥ {IMPORT_TARGET_ROWS_PER_S:,} rows/s | {rate:,.0f} rows/s | "
            f"{'yes' if met else 'no'} | "
            + (
                "—"
                if met
                else "reading and checking the cells (Python, one CPU because of the GIL) and "
                "writing the rows, their history rows and the rollup (PostgreSQL, the other "
                "CPU) each take about 4 s per 100,000 rows here; they overlap, so the import "
                "lasts as long as the slower of the two, which the machine's other load tips "
                "either way around 20,000 rows/s"
            )
            + " |"
        )
    return {"sections": sections, "targets": targets}


def _plain_sql_target(results, timings) -> list[str]:
    """Return the target row of the ranking API against the hand-written re-sum SQL."""
    naive, api = timings.get("naive"), timings.get("api")
    if naive is None or api is None or not naive.p50:
        return []
    live = api.p50 / naive.p50
    loaded = next((t.p50_ms for t in results.throughput if t.key == "api"), None)
    cached = None if loaded is None else loaded / (naive.p50 * 1000)
    met = cached is not None and cached <= RATIO_TARGET
    measured = f"{live:.2f} computed live ({_ms(api.p50)} / {_ms(naive.p50)} ms)"
    if cached is not None:
        measured += f"; {cached:.2f} as deployed with Redis (p50 {loaded:.1f} ms under wrk)"
    why = (
        "—"
        if met
        else "the live ranking reads the same rows as the plain SQL plus the ranking rules; "
        "only the figures cache (Redis) makes it cheaper"
    )
    return [
        f"| p50(ranking API) / p50(hand-written re-sum SQL) ≤ {RATIO_TARGET} | {measured} | "
        f"{'yes, with Redis' if met else 'no'} | {why} |"
    ]


def write_section(path: Path, section: str) -> None:
    """Replace the benchmark section of ``path`` (between its markers), keeping the rest."""
    text = path.read_text() if path.exists() else "# Performance\n"
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(END_MARKER) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n")
