"""The benchmark's report at given figures: the targets judged, the sections rendered, the
scaling step's slopes, table and plot, and SCALE read or refused (no database, no timings)."""

import datetime
import json

import pytest

from hengkou.ops import bench

TINY = bench.Scale(departments=3, enterprises=30)
NOV = datetime.date(2021, 11, 1)


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
    assert "| 2,000 rows/s | no | reading and checking the cells (Python, one CPU" in text
    results.database = "sqlite"
    sqlite = "\n".join(_target_lines(_render(results, imports={"ours": {"rows_per_s": 900.0}})))
    assert "| 900 rows/s | no | on SQLite the checked rows and their history rows are " in sqlite


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
