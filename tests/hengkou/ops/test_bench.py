"""The benchmark's generator, measurements and report work at a tiny scale (no timings asserted)."""

import datetime
import json

import pytest

from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    MonthlyYtd,
    Official,
    Period,
    Target,
)
from enterprises.services.figures import rebuild_monthly_ytd
from enterprises.validators import validate_credit_code
from hengkou.ops import bench
from hengkou.ops.bench.common import SEASON
from hengkou.ranking import rank_departments
from hengkou.selectors import list_department_totals

pytestmark = pytest.mark.django_db

TINY = bench.Scale(
    departments=3,
    enterprises=30,
    first_month=datetime.date(2020, 11, 1),
    months=13,
    county_leaders=2,
)
NOV = datetime.date(2021, 11, 1)


def quiet(message):
    pass


@pytest.fixture
def phases():
    return bench.generate(scale=TINY, log=quiet)


def test_generate_fills_every_table_with_valid_rows(phases):
    # The sponsors, the leaders' office and the supervision office.
    assert Department.objects.count() == 3 + 2
    assert Official.objects.count() == 2 + 3 * TINY.staff_per_department + 1
    assert Enterprise.objects.count() == 30
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    assert Assignment.objects.filter(year=2020).count() == 30
    assert Assignment.objects.filter(year=2021).count() == 30
    assert 0 < Target.objects.count() <= 60
    reports = MonthlyReport.objects.count()
    assert 0.9 * 30 * 13 < reports <= 30 * 13
    assert MonthlyReport.objects.filter(period__lt=TINY.first_month).count() == 0
    assert {phase.name for phase in phases} >= {"monthly reports", "year-to-date rollup"}
    assert next(phase.rows for phase in phases if phase.name == "monthly reports") == reports


def test_generated_rollup_equals_the_python_refresh(phases):
    years = MonthlyReport.objects.values_list("enterprise_id", "period__year").distinct()
    assert MonthlyYtd.objects.count() == 12 * years.count()
    assert rebuild_monthly_ytd() == 0


def test_rollup_ranking_equals_the_resum_ranking_on_generated_data(phases):
    for month in (1, 6, 11, 12):
        for metric in ("output_value", "employees", "profit"):
            rollup = list_department_totals(period=datetime.date(2021, month, 1), metric=metric)
            resum = list_department_totals(
                period=datetime.date(2021, month, 1), metric=metric, from_reports=True
            )
            key = lambda totals: totals.department_id  # noqa: E731
            assert sorted(rollup, key=key) == sorted(resum, key=key), (month, metric)
            assert rank_departments(rollup, month=month) == rank_departments(resum, month=month)


def test_measure_times_pages_selectors_peer_and_close_then_renders_and_records(
    phases, tmp_path, monkeypatch
):
    # Without Redis here (the next test covers it): every page is timed once, in one mode.
    monkeypatch.setattr(bench.SharedCache, "find", classmethod(lambda cls: None))
    results = bench.measure(period=NOV, repeat=1, page_repeat=1, log=quiet)

    assert results.rollup_equals_resum is True
    assert results.departments_ranked == 3
    assert {"resum", "naive", "rollup", "ranking", "trend", "api_closed"} <= set(results.timings)
    assert all(len(timing.samples) == 1 for timing in results.timings.values())
    assert results.rollup_queries and results.resum_queries
    # Both menus, from the navigation, and the API: every URL answered and was timed.
    assert results.pages_note == "with Redis: not measured, no Redis reachable (BENCH_REDIS_URL)"
    idents = {read.ident for read in results.pages}
    assert {"supervisor:home", "supervisor:dashboard", "supervisor:notices"} <= idents
    assert {"official:my_enterprises", "api:rankings", "api:ping", "api:enterprises"} <= idents
    my = results.page("official", "my_enterprises")
    assert results.my_assignments > 0 and my.queries[bench.NO_CACHE] > 0
    assert all(list(read.timings) == [bench.NO_CACHE] for read in results.pages)
    # The peer re-summed the same totals, and the month closed with its queries counted.
    assert results.peer is not None and results.peer.equal, results.peer
    assert results.peer.departments == 3
    assert Period.objects.get(period=NOV).status == "closed"
    assert results.close_seconds > 0 and results.close_queries > 0
    assert results.throughput == [] and results.throughput_note == "not measured in this run"
    assert results.memory[0].process == "benchmark process"

    section = bench.render_section(
        results=results,
        phases=phases,
        scale=TINY,
        sizes=bench.table_sizes(),
        host=bench.machine(),
        peak_mib=bench.peak_memory_mib(),
        total_seconds=1.0,
        today=datetime.date(2021, 12, 3),
    )
    assert section.startswith(bench.START_MARKER) and section.rstrip().endswith(bench.END_MARKER)
    assert "| API (as the supervisor) | ranking API (`/api/v1/rankings/?" in section
    assert "| official (busiest leader) | My enterprises (`/my/?" in section
    assert "DuckDB's totals equal the app's" in section and "money to the cent): yes." in section
    path = tmp_path / "performance.md"
    bench.write_section(path, section)
    assert path.read_text().startswith("# Performance\n")

    data = bench.record(
        results=results, scale=TINY, phases=phases, host={"database": "x"},
        today=datetime.date(2021, 12, 3), total_seconds=1.0,
    )  # fmt: skip
    written = bench.write_record(tmp_path / "bench", data)
    assert written.name == "scale-30.json"
    stored = json.loads(written.read_text())
    assert stored["enterprises"] == 30 and stored["departments"] == 3
    assert stored["reads"]["api:rankings:nocache"]["queries"] > 0
    assert stored["reads"]["selector:ranking"]["p50_ms"] > 0
    assert stored["close_seconds"] > 0 and stored["peer"]["equal"] is True
    assert [row["met"] for row in stored["targets"]][-1] is None  # no import in this run


def test_pages_are_timed_without_a_cache_then_with_redis_warm(phases):
    from hengkou.ops.bench.pages import Page, measure_pages
    from hengkou.ops.bench.timing import prepare_logins

    shared = bench.SharedCache.find()
    if shared is None:
        pytest.skip("no Redis at BENCH_REDIS_URL (CI starts one)")
    logins = prepare_logins(bench.Results(period=NOV, metric="output_value", repeat=1), year=2021)
    query = "period=2021-11&metric=output_value"
    pages = [
        (
            Page("api", "rankings", "ranking API", f"/api/v1/rankings/?{query}"),
            logins.supervisor_client,
        ),
        (Page("api", "missing", "no such page", "/api/v1/nothing/"), logins.supervisor_client),
        (Page("official", "my", "my enterprises", "/my/"), logins.official_client),
    ]
    reads, note = measure_pages(pages, repeat=2, shared_cache=shared, log=quiet)

    assert [read.ident for read in reads] == ["api:rankings", "official:my"]
    assert note == "api no such page (/api/v1/nothing/) answered 404"
    ranking = reads[0]
    assert set(ranking.timings) == {bench.NO_CACHE, bench.REDIS}
    assert all(len(timing.samples) == 2 for timing in ranking.timings.values())
    # Warm, the ranking comes out of the figures cache: fewer queries than computed live.
    assert ranking.queries[bench.REDIS] < ranking.queries[bench.NO_CACHE]
    import redis

    client = redis.Redis.from_url(shared.url)
    assert not list(client.scan_iter(f"{shared.prefix}:*"))  # the run's keys are removed


def test_write_section_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "performance.md"
    path.write_text(
        "# Performance\n\nIntro.\n\n"
        f"{bench.START_MARKER}\nold figures\n{bench.END_MARKER}\n\n## Other\n\nKept.\n"
    )
    bench.write_section(path, f"{bench.START_MARKER}\nnew figures\n{bench.END_MARKER}\n")

    assert path.read_text() == (
        "# Performance\n\nIntro.\n\n"
        f"{bench.START_MARKER}\nnew figures\n{bench.END_MARKER}\n\n## Other\n\nKept.\n"
    )


def test_generate_refuses_a_database_that_holds_enterprises(phases):
    with pytest.raises(RuntimeError, match="empty"):
        bench.generate(scale=TINY, log=quiet)
    assert Enterprise.objects.count() == 30


def test_heap_blocks_count_only_the_named_tables_bitmap_scans():
    plan = "\n".join(
        [
            "HashAggregate",
            "  ->  Bitmap Heap Scan on enterprises_monthlyytd  (cost=1.00..2.00 rows=10 width=8)",
            "        Recheck Cond: (period = '2021-11-01'::date)",
            "        Heap Blocks: exact=120 lossy=30",
            "  ->  Bitmap Heap Scan on enterprises_assignment  (cost=1.00..2.00 rows=10 width=8)",
            "        Heap Blocks: exact=7",
        ]
    )
    assert bench._heap_blocks(plan, "enterprises_monthlyytd") == 150
    assert bench._heap_blocks(plan, "enterprises_target") == 0


WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:40000/api/v1/ping/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    46.80ms   10.00ms 105.00ms   70.00%
    Req/Sec    40.00      5.00    50.00     80.00%
  Latency Distribution
     50%   46.80ms
     75%   50.00ms
     90%   60.00ms
     99%    1.05s
  799 requests in 10.01s, 200.00KB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:     79.85
Transfer/sec:     19.98KB
"""


def test_parse_wrk_reads_rate_latencies_and_errors():
    result = bench.parse_wrk(WRK_OUTPUT, key="ping", name="trivial DRF view")
    assert result.requests == 799
    assert result.seconds == pytest.approx(10.01)
    assert result.requests_per_s == pytest.approx(79.85)
    assert result.p50_ms == pytest.approx(46.8)
    assert result.p99_ms == pytest.approx(1050.0)
    assert result.errors == 4 + 3
    with pytest.raises(ValueError, match="unexpected wrk output"):
        bench.parse_wrk("connection refused", key="ping", name="x")


def test_shared_cache_settings_point_this_process_at_the_gunicorns_redis():
    shared = bench.SharedCache(url="redis://127.0.0.1:6379/5", prefix="hengkou-bench-1")
    config = shared.settings()
    assert config["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/5"
    assert config["CACHES"]["default"]["KEY_PREFIX"] == "hengkou-bench-1"
    assert config["HENGKOU_FIGURES_CACHE_SECONDS"] > 0
    server = bench.BenchServer(shared_cache=shared)
    environment = server.environment()
    assert environment["REDIS_URL"] == "redis://127.0.0.1:6379/5"
    assert environment["DJANGO_CACHE_PREFIX"] == "hengkou-bench-1"
    assert environment["WEB_CONCURRENCY"] == "2" and environment["DJANGO_DEBUG"] == "0"
    assert "REDIS_URL" not in bench.BenchServer().environment()


def test_the_menus_pages_come_from_the_navigation(phases, monkeypatch):
    from hengkou import navigation
    from hengkou.ops.bench.logins import prepare_busy_official, prepare_supervisor
    from hengkou.ops.bench.pages import menu_pages

    supervisor = prepare_supervisor()
    official, listed = prepare_busy_official(year=2021, today=datetime.date(2021, 12, 3))
    query = "period=2021-11&year=2021&metric=output_value"
    keys = [page.key for page in menu_pages(supervisor, audience="supervisor", query=query)]
    expected = ["home"] + [
        a.key for item in navigation.navigation_for(supervisor) for a in item.areas
    ]
    assert keys == expected
    assert {"dashboard", "notices", "bulletin", "compliance", "inspections"} <= set(keys)
    official_pages = menu_pages(official, audience="official", query=query)
    assert "my_enterprises" in [page.key for page in official_pages] and listed > 0
    assert all(page.url.endswith(f"?{query}") for page in official_pages)

    # A page added to the menu is measured without being listed anywhere else.
    extra = navigation.Area(
        key="bench_extra", label="Extra", description="", url_name="notification_list", icon=""
    )
    monkeypatch.setattr(navigation, "AREAS", [*navigation.AREAS, extra])
    pages = menu_pages(supervisor, audience="supervisor", query=query)
    assert pages[-1].key == "bench_extra" and pages[-1].url.startswith("/notifications/")
    assert "bench_extra" in [
        page.key for page in menu_pages(official, audience="official", query=query)
    ]


def test_duckdb_resums_the_apps_ranking_totals(phases):
    pytest.importorskip("duckdb")
    from hengkou.ops.bench.peer import app_totals, compare, measure_peer

    result = measure_peer(period=NOV, metric="output_value", repeat=1, log=quiet)
    assert result.equal, result.differences
    assert result.departments == 3 and result.rows["enterprises_monthlyreport"] > 0
    assert result.duckdb.p50 > 0 and result.database.p50 > 0 and result.copy_seconds > 0
    for period, metric in ((datetime.date(2021, 1, 1), "employees"), (NOV, "profit")):
        assert measure_peer(period=period, metric=metric, repeat=1, log=quiet).equal
    # A wrong total is reported, not hidden.
    app = app_totals(period=NOV, metric="output_value")
    changed = [app[0][:7] + (app[0][7] + 1,) + app[0][8:], *app[1:]]
    assert compare(changed, app) == [f"department {app[0][0]}: ytd {app[0][7] + 1} ≠ {app[0][7]}"]


def test_write_section_puts_a_new_section_after_the_last_generated_one(tmp_path):
    path = tmp_path / "performance.md"
    path.write_text(
        f"# Performance\n\n{bench.START_MARKER}\ncity\n{bench.END_MARKER}\n\n## Findings\n"
    )
    bench.write_section(path, f"{bench.TOWN_START_MARKER}\ntown\n{bench.TOWN_END_MARKER}\n")
    bench.write_section(path, f"{bench.START_MARKER}\ncity 2\n{bench.END_MARKER}\n")
    assert path.read_text() == (
        f"# Performance\n\n{bench.START_MARKER}\ncity 2\n{bench.END_MARKER}\n\n"
        f"{bench.TOWN_START_MARKER}\ntown\n{bench.TOWN_END_MARKER}\n\n## Findings\n"
    )


def test_generated_output_follows_the_documented_seasonal_pattern():
    """A Spring-Festival dip in January–February and a year-end peak, as common.SEASON says."""
    scale = bench.Scale(
        departments=2,
        enterprises=200,
        first_month=datetime.date(2021, 1, 1),
        months=12,
        county_leaders=1,
        staff_per_department=1,
    )
    bench.generate(scale=scale, log=quiet)
    by_enterprise = {}
    for enterprise_id, period, output in MonthlyReport.objects.values_list(
        "enterprise_id", "period", "output_value"
    ):
        by_enterprise.setdefault(enterprise_id, {})[period.month] = float(output)
    full = [months for months in by_enterprise.values() if len(months) == 12]
    assert len(full) > 150
    # Each enterprise's month over its own average month, averaged over enterprises.
    shape = [
        sum(months[month] * 12 / sum(months.values()) for months in full) / len(full)
        for month in range(1, 13)
    ]
    for month, (measured, factor) in enumerate(zip(shape, SEASON, strict=True), 1):
        assert abs(measured - factor) < 0.05, (month, measured, factor)
    assert max(shape[0], shape[1]) < min(shape[2:])
    assert shape[11] == max(shape)
    assert sum(SEASON) == pytest.approx(12)
