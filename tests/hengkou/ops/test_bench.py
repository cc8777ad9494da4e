"""The benchmark's generator, measurements and report work at a tiny scale (no timings asserted)."""

import datetime

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
    assert Department.objects.count() == 3 + 1  # the sponsors and the leaders' office
    assert Official.objects.count() == 2 + 3 * TINY.staff_per_department
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


def test_measure_times_every_read_then_closes_the_month_and_renders(phases, tmp_path):
    results = bench.measure(period=NOV, repeat=2, log=quiet)

    assert results.rollup_equals_resum is True
    assert results.departments_ranked == 3
    assert {"resum", "naive", "rollup", "ranking", "api", "dashboard", "api_closed"} <= set(
        results.timings
    )
    assert all(len(timing.samples) == 2 for timing in results.timings.values())
    assert results.api_queries > 0 and results.dashboard_queries > 0
    assert results.rollup_queries and results.resum_queries
    assert Period.objects.get(period=NOV).status == "closed"

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
    assert "| ranking API |" in section and "dashboard queries ≤ 15" in section
    path = tmp_path / "performance.md"
    bench.write_section(path, section)
    assert path.read_text().startswith("# Performance\n")


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


def test_measure_gives_the_busiest_leader_a_login_and_todays_assignments(phases):
    results = bench.measure(period=NOV, repeat=1, log=quiet)
    assert results.my_assignments > 0
    assert results.my_queries > 0 and results.ping_queries > 0
    assert {"ping", "healthz", "my"} <= set(results.timings)
    assert results.throughput == [] and results.throughput_note == "not measured in this run"
    assert results.memory[0].process == "benchmark process"


def _throughput(key, rate):
    return bench.Throughput(
        key=key, name=key, requests=100, seconds=10.0, requests_per_s=rate, p50_ms=1, p99_ms=2
    )


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


def test_render_shows_throughput_memory_and_imports_with_their_targets(phases):
    results = bench.measure(period=NOV, repeat=1, log=quiet)
    results.throughput = [
        _throughput("ping", 100.0),
        _throughput("api", 30.0),
        _throughput("api_closed", 90.0),
    ]
    results.memory.append(bench.PeakMemory("gunicorn worker 1", 100.4))
    results.close_seconds = 31.0
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
    target = "| ranking API requests/s ≥ 60% of the trivial DRF view's | 30% (30.0 / 100.0) | no |"
    assert target in section
    assert "a closed month, read from its snapshot, reaches 90 requests/s (90% of" in section
    assert "| monthly close ≤ 30 s | 31.00 s | no |" in section
    assert "| gunicorn worker 1 | 100 |" in section
    assert "| ours | 100,000 | 50.0 | 2,000 | 1,800, 2,000, 2,500 | 88 |" in section
    assert "| django-import-export | 5,000 | 70.0 | 71 |  |  |" in section
    assert "| import ≥ 20,000 rows/s | 2,000 rows/s | no | reading and checking" in section


def test_render_says_what_was_not_measured(phases):
    results = bench.measure(period=NOV, repeat=1, log=quiet)
    section = _render(
        results, imports_note="not measured (hengkou.ops.import_bench does not exist)"
    )
    assert "Throughput not measured in this run." in section
    assert "Import speed: not measured (hengkou.ops.import_bench does not exist)." in section


def test_render_compares_the_rows_without_redis_with_the_trivial_view_without_redis(phases):
    results = bench.measure(period=NOV, repeat=1, log=quiet)
    results.throughput = [
        _throughput("ping_nocache", 200.0),
        _throughput("api_nocache", 20.0),
        _throughput("ping", 400.0),
        _throughput("api", 300.0),
    ]
    section = _render(results)
    assert "| api_nocache | 20.0 | 10% |" in section
    assert "| api | 300.0 | 75% |" in section
    assert "requests/s ≥ 60% of the trivial DRF view's | 75% (300.0 / 400.0) | yes | — |" in section
    assert "| the same without Redis (no figures cache) | 10% (20.0 / 200.0) | no |" in section
    results.throughput[3] = _throughput("api", 40.0)
    missed = _render(results)
    assert "the figures cache spares the ranking's computation (20.0 requests/s" in missed
    assert "about 50 ms of a worker's time per request against 5 ms" in missed
    assert 'unless the row says "without Redis"' in section


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
