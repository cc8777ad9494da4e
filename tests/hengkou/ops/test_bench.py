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


def _throughput(key, rate):
    return bench.Throughput(
        key=key, name=key, requests=100, seconds=10.0, requests_per_s=rate, p50_ms=1, p99_ms=2
    )


def _timing(name, ms):
    return bench.Timing(name=name, samples=(ms / 1000,))


def _read(audience, key, name, ms, redis_ms=None, queries=4):
    read = bench.PageRead(audience, key, name, f"/{key}/")
    read.timings[bench.NO_CACHE] = _timing(name, ms)
    read.queries[bench.NO_CACHE] = queries
    if redis_ms is not None:
        read.timings[bench.REDIS] = _timing(name, redis_ms)
        read.queries[bench.REDIS] = queries - 2
    return read


def _results(*, api=8.0, ping=4.0, dashboard=50.0, my=59.0, close=4.0, duckdb=15.0):
    """Return results of given figures, as a run would have measured them."""
    results = bench.Results(period=NOV, metric="output_value", repeat=1)
    results.timings = {
        key: _timing(name, ms)
        for key, name, ms in (
            ("ranking", "ranking selector", 5.0),
            ("rollup", "rollup selector", 4.0),
            ("trend", "dashboard part: monthly trend", 20.0),
            ("completeness", "dashboard part: completeness board", 25.0),
        )
    }
    results.pages = [
        _read("api", "rankings", "ranking API", api, redis_ms=api / 2),
        _read("api", "ping", "trivial DRF view", ping, redis_ms=ping),
        _read("supervisor", "dashboard", "Rankings", dashboard, redis_ms=dashboard / 2),
        _read("official", "my_enterprises", "My enterprises", my, queries=10),
    ]
    results.my_assignments = 530
    results.close_seconds, results.close_queries, results.close_sql_seconds = close, 900, 1.5
    results.peer = bench.PeerResult(
        version="1.0", export_seconds=1.0, load_seconds=0.5, rows={"t": 10},
        duckdb=_timing("DuckDB re-sum", duckdb), database=_timing("the same SQL", 400.0),
        sql="SELECT 1", departments=500, equal=True,
    )  # fmt: skip
    return results


def _render(results, **extra):
    """Render the section of ``results`` with no phases, sizes or machine (the figures only)."""
    return bench.render_section(
        results=results,
        phases=[],
        scale=TINY,
        sizes=[],
        host={},
        peak_mib=1.0,
        total_seconds=1.0,
        today=datetime.date(2021, 12, 3),
        **extra,
    )


def _target_lines(section):
    return [line for line in section.splitlines() if line.startswith("| ") and " | " in line]


def test_targets_are_judged_met_from_given_numbers():
    results = _results()
    results.throughput = [_throughput("ping_nocache", 600.0), _throughput("api_nocache", 400.0)]
    section = _render(results, imports={"ours": {"rows_per_s": 21_000.0}})
    lines = _target_lines(section)
    expected = [
        "| ranking API p50 ≤ 2 × trivial DRF view p50 (in process, month open, no cache) "
        "| 2.0 × (8.0 ms / 4.0 ms); with Redis warm 1.0 × | yes | — |",
        "| ranking API requests/s under wrk without Redis ≥ 50% of the trivial DRF view's "
        "(same gunicorn) | 67% (400.0 / 600.0 requests/s) | yes | — |",
        "| dashboard page p50 ≤ 60 ms (month open) | 50.0 ms; with Redis warm 25.0 ms | yes | — |",
        "| my enterprises (/my/), busiest leader (530 assignments), p50 ≤ 60 ms | 59.0 ms | yes "
        "| — |",
        "| monthly close ≤ 5 s | 4.00 s | yes | — |",
        "| ranking API p50 (live, no cache) < DuckDB's brute-force re-sum p50 "
        "| 8.0 ms vs 15.0 ms | yes | — |",
        "| import ≥ 20,000 rows/s | 21,000 rows/s | yes | — |",
    ]
    for line in expected:
        assert line in lines, line
    assert "every page and endpoint" not in section  # the town's target only


def test_targets_say_not_met_and_why_from_given_numbers():
    results = _results(api=110.0, ping=4.0, dashboard=600.0, my=300.0, close=5.9, duckdb=15.0)
    results.throughput = [_throughput("ping_nocache", 500.0), _throughput("api_nocache", 19.0)]
    section = _render(results, imports={"ours": {"rows_per_s": 2_000.0}})
    text = "\n".join(_target_lines(section))
    assert (
        "| 27.5 × (110.0 ms / 4.0 ms); with Redis warm 13.8 × | no | the ranking of an open "
        in text
    )
    assert "106.0 ms more than the trivial view (in process: ranking selector 5.0 ms" in text
    assert (
        "| 4% (19.0 / 500.0 requests/s) | no | without Redis every request ranks the month" in text
    )
    assert "at most about 18 requests/s" in text
    assert "| 600.0 ms; with Redis warm 300.0 ms | no | 600.0 ms without a cache, 300.0 ms " in text
    assert "monthly trend 20.0 ms, completeness board 25.0 ms" in text
    assert "| 300.0 ms | no | 300.0 ms without a cache, 10 queries; 0.57 ms per card |" in text
    assert (
        "| 5.90 s | no | the close ranks every metric of the month and stores the bulletin: "
        in text
    )
    assert "900 queries, 1.50 s of the close in SQL" in text
    assert "| 110.0 ms vs 15.0 ms | no | DuckDB sums every raw row" in text
    assert "| 2,000 rows/s | no |" in text


def test_targets_say_what_was_not_measured():
    results = bench.Results(period=NOV, metric="output_value", repeat=1)
    results.throughput_note = "not measured in this run"
    section = _render(
        results, imports_note="not measured (hengkou.ops.import_bench does not exist)"
    )
    lines = _target_lines(section)
    assert sum(line.endswith("| not measured | — | — |") for line in lines) == 7
    assert "Throughput not measured in this run." in section
    assert "Import speed: not measured (hengkou.ops.import_bench does not exist)." in section
    assert "DuckDB: not measured." in section


def test_the_town_judges_every_page_against_50_ms():
    results = _results()
    results.label = "town"
    results.pages.append(_read("supervisor", "bulletin", "Monthly bulletins", 70.0))
    section = _render(results)
    assert section.startswith(bench.TOWN_START_MARKER)
    assert section.rstrip().endswith(bench.TOWN_END_MARKER)
    assert "## Town scale on SQLite" in section
    assert (
        "| every page and endpoint p50 ≤ 50 ms (no cache) | slowest 70.0 ms (supervisor: "
        "Monthly bulletins); 5 URLs | no | 2 over 50 ms: supervisor: Monthly bulletins 70.0 ms, "
        "official: My enterprises 59.0 ms |"
    ) in section
    results.pages = [_read("api", "ping", "trivial DRF view", 4.0)]
    assert "| slowest 4.0 ms (api: trivial DRF view); 1 URLs | yes | — |" in _render(results)


def test_render_shows_throughput_memory_and_imports():
    results = _results()
    results.throughput = [
        _throughput("ping_nocache", 200.0),
        _throughput("api_nocache", 20.0),
        _throughput("ping", 400.0),
        _throughput("api", 300.0),
    ]
    results.memory.append(bench.PeakMemory("gunicorn worker 1", 100.4))
    imports = {
        "ours": {
            "rows": 100_000,
            "seconds": 50.0,
            "rows_per_s": 2000.0,
            "peak_rss_kb": 90_000,
            "runs": [1800.0, 2000.0, 2500.0],
        },
        "django_import_export": {"rows": 5000, "seconds": 70.0, "rows_per_s": 71.4},
    }
    section = _render(results, imports=imports)
    # Each row against the trivial DRF view of its own gunicorn.
    assert "| api_nocache | 20.0 | 10% |" in section
    assert "| api | 300.0 | 75% |" in section
    assert "| gunicorn worker 1 | 100 |" in section
    assert "| ours | 100,000 | 50.0 | 2,000 | 1,800, 2,000, 2,500 | 88 |" in section
    assert "| django-import-export | 5,000 | 70.0 | 71 |  |  |" in section


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


def _run(enterprises, *, api_ms, my_ms, queries, close, imported):
    return {
        "label": "scale",
        "enterprises": enterprises,
        "departments": 500,
        "date": "2026-12-01",
        "reads": {
            "api:rankings:nocache": {"name": "ranking API", "p50_ms": api_ms, "queries": 4},
            "official:my_enterprises:nocache": {
                "name": "my enterprises",
                "p50_ms": my_ms,
                "queries": queries,
            },
        },
        "close_seconds": close,
        "import": {"rows": 100_000, "seconds": imported, "rows_per_s": 100_000 / imported},
    }


def test_the_scaling_step_computes_slopes_and_writes_the_table_and_the_plot(tmp_path):
    from hengkou.ops.bench import scaling

    folder = tmp_path / "bench"
    folder.mkdir()
    runs = {
        2000: _run(2000, api_ms=10.0, my_ms=20.0, queries=10, close=1.0, imported=5.0),
        200000: _run(200000, api_ms=12.0, my_ms=2000.0, queries=10, close=100.0, imported=5.5),
    }
    for n, run in runs.items():
        (folder / f"scale-{n}.json").write_text(json.dumps(run))
    (folder / "town-500.json").write_text(json.dumps({**runs[2000], "enterprises": 500}))
    (tmp_path / "performance.md").write_text(
        f"# Performance\n\n{bench.START_MARKER}\nx\n{bench.END_MARKER}\n\n## Findings\n"
    )

    page, png = scaling.write_scaling(tmp_path)

    series = {item.key: item for item in scaling.series_of(scaling.load_runs(folder))}
    assert series["api:rankings:nocache"].slope == pytest.approx(0.0396, abs=1e-3)
    assert series["api:rankings:nocache"].verdict == "flat"
    assert series["official:my_enterprises:nocache"].slope == pytest.approx(1.0)
    assert series["official:my_enterprises:nocache"].verdict == "grows about linearly"
    assert series["close"].slope == pytest.approx(1.0) and series["import"].verdict == "flat"
    text = page.read_text()
    assert (
        text.index(bench.END_MARKER) < text.index(scaling.START_MARKER) < text.index("## Findings")
    )
    assert "| read | 2,000 | 200,000 | slope | growth |" in text
    assert "| ranking API (ms) | 10.0 | 12.0 | 0.04 | flat |" in text
    assert "| monthly close (s) | 1.00 | 100.00 | 1.00 | grows about linearly |" in text
    assert "- my enterprises: slope 1.00 (grows about linearly); the same 10 queries, each" in text
    assert "Flat: ranking API (0.04), import of 100,000 monthly reports (0.02)." in text
    assert "![p50 against the number of enterprises, log-log](bench/scaling.png)" in text
    assert png.read_bytes().startswith(b"\x89PNG")
    # Run again: the section is replaced, not added.
    scaling.write_scaling(tmp_path)
    assert page.read_text().count(scaling.START_MARKER) == 1


def test_the_scaling_step_says_when_one_scale_is_not_enough(tmp_path):
    from hengkou.ops.bench import scaling

    runs = [_run(2000, api_ms=10.0, my_ms=20.0, queries=10, close=1.0, imported=5.0)]
    section = scaling.render_scaling(runs)
    assert "Growth needs runs at two scales at least; measured so far: 2,000" in section
    assert "| ranking API (ms) | 10.0 | — | — |" in section


@pytest.mark.parametrize("text", ["", "abc", "-5", "0", "2k", "20000.5", "1e5", "town2"])
def test_parse_scale_refuses_nonsense_with_a_clear_message(text):
    with pytest.raises(ValueError, match="SCALE must be a whole number of enterprises"):
        bench.parse_scale(text)


def test_parse_scale_reads_numbers_city_and_town():
    assert bench.parse_scale("2000") == ("scale", bench.Scale(enterprises=2000))
    assert bench.parse_scale("200_000")[1].enterprises == 200_000
    assert bench.parse_scale("city") == ("scale", bench.CITY)
    label, town = bench.parse_scale("town")
    assert label == "town" and (town.enterprises, town.departments, town.months) == (500, 30, 60)


def test_the_bench_command_checks_the_scale_before_touching_anything():
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("bench", "--scale", "2000", "--check-scale", stdout=out)
    assert "2,000 enterprises, 500 departments, 60 months" in out.getvalue()
    with pytest.raises(CommandError, match="SCALE must be a whole number of enterprises.*'lots'"):
        call_command("bench", "--scale", "lots", "--check-scale")


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
