"""The parts of the benchmark's section: pages, peer, throughput, memory and imports."""

from __future__ import annotations

from .common import NO_CACHE, REDIS, PeerResult, Results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _mib(value: float | None) -> str:
    return "unreadable" if value is None else f"{value:,.0f}"


AUDIENCES = {
    "supervisor": "supervisor (supervision office)",
    "official": "official (busiest leader)",
    "api": "API (as the supervisor)",
}


def render_pages(results: Results) -> list[str]:
    """Return the table of every menu page and API endpoint in both cache modes."""
    lines = ["### Pages and endpoints, month open", ""]
    if not results.pages:
        return lines + [
            f"Not measured{': ' + results.pages_note if results.pages_note else ''}.",
            "",
        ]
    timed = results.pages[0].timings.get(NO_CACHE)
    rounds = len(timed.samples) if timed else 0
    lines += [
        "Every page the navigation offers the supervisor (the supervision office's head: roles "
        "official and supervision_office) and the busiest leader (a county leader; their "
        f"{results.my_assignments:,} assignments copied to this year for *my enterprises*), "
        "with the home page, and the API endpoints: the trivial views, the figures endpoints at "
        "the month and the first page of every list the API root names. Each URL carries "
        f"`period={results.period:%Y-%m}&year={results.period.year}&metric={results.metric}` "
        "(pages that take none ignore them). In process through the whole stack (test client, "
        f"HTTPS), one untimed round of each mode then {rounds} timed rounds in which the modes "
        "alternate and, within a mode, the URLs take turns (a load spike slows both alike); "
        "*no cache*: the embedded default (per-process memory cache, figures cache off, "
        "database sessions); *Redis, warm*: what `REDIS_URL` sets up, after the untimed round "
        "filled the figures cache. Queries: one request of each, counted.",
        "",
        "| whose | page or endpoint | no cache p50 (ms) | p95 | queries "
        "| Redis p50 (ms) | p95 | queries |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for read in results.pages:
        cells = []
        for mode in (NO_CACHE, REDIS):
            timing = read.timings.get(mode)
            if timing is None:
                cells += ["—", "—", "—"]
            else:
                cells += [_ms(timing.p50), _ms(timing.p95), str(read.queries.get(mode, ""))]
        lines.append(
            f"| {AUDIENCES.get(read.audience, read.audience)} | {read.name} (`{read.url}`) | "
            + " | ".join(cells)
            + " |"
        )
    if results.pages_note:
        lines += ["", f"Not timed: {results.pages_note}."]
    return lines + [""]


def render_peer(peer: PeerResult | None, note: str, *, database: str) -> list[str]:
    """Return the section of DuckDB's brute-force re-sum beside the same SQL."""
    lines = ["### The peer: DuckDB re-sums the ranking from the raw rows", ""]
    if peer is None:
        return lines + [f"DuckDB: {note or 'not measured'}.", ""]
    rows = ", ".join(f"`{table}` {count:,}" for table, count in peer.rows.items())
    lines += [
        f"DuckDB {peer.version}, in memory, in the benchmark process. The raw rows ({rows}) "
        f"were copied out of {database} into CSV in {peer.export_seconds:.1f} s and loaded "
        f"into DuckDB in {peer.load_seconds:.1f} s ({peer.copy_seconds:.1f} s in all, once). "
        "Then the one statement below, per department for the year's members: the sum of "
        "targets, how many have one, the year to date, the year to date of the targeted "
        "members, last year's year to date at the same month of the same members, and how "
        "many reported this month; timed in DuckDB and, the same text, on "
        f"{database}, taking turns.",
        "",
        "| run | p50 (ms) | p95 (ms) |",
        "|---|---:|---:|",
        f"| DuckDB re-sum | {_ms(peer.duckdb.p50)} | {_ms(peer.duckdb.p95)} |",
        f"| the same SQL on {database} | {_ms(peer.database.p50)} | {_ms(peer.database.p95)} |",
        "",
        f"DuckDB's totals equal the app's (`list_department_totals`, {peer.departments} "
        f"departments, money to the cent): {'yes' if peer.equal else 'NO'}."
        + ("" if peer.equal else " " + "; ".join(peer.differences)),
        "",
        "<details><summary>the re-sum SQL</summary>",
        "",
        "```sql",
        peer.sql,
        "```",
        "",
        "</details>",
        "",
    ]
    return lines


def render_throughput(results: Results) -> list[str]:
    """Return the throughput section: wrk's rows, each against the trivial view of its node."""
    sections = ["### Throughput under load (wrk)", ""]
    if not results.throughput:
        return sections + [f"Throughput {results.throughput_note or 'not measured'}.", ""]
    first = results.throughput[0]
    sections += [
        "gunicorn with DEBUG off and 2 sync workers, started by the benchmark on loopback on "
        "the same database: first one *without Redis* (the embedded default and any deployment "
        "without a shared cache: no figures cache, database sessions), then one with "
        "`REDIS_URL` (sessions and the figures cache in Redis, as in docs/deploy.md); "
        f"`wrk` with {first.seconds:.0f} s per URL, one URL after the other, as the logged-in "
        "superuser (session cookie); the machine's CPUs are shared by wrk, gunicorn and the "
        "database. Each row is compared with the trivial DRF view on the same gunicorn."
        + (f" {results.throughput_note[0].upper()}{results.throughput_note[1:]}."
           if results.throughput_note else ""),
        "",
        "| URL | requests/s | vs trivial DRF view | p50 (ms) | p99 (ms) | requests | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for row in results.throughput:
        base = results.requests_per_s("ping_nocache" if "nocache" in row.key else "ping")
        share = f"{row.requests_per_s / base:.0%}" if base else ""
        sections.append(
            f"| {row.name} | {row.requests_per_s:,.1f} | {share} | {row.p50_ms:.1f} | "
            f"{row.p99_ms:.1f} | {row.requests:,} | {row.errors} |"
        )
    return sections + [""]


def render_memory(results: Results) -> list[str]:
    sections = ["### Peak memory", ""]
    if not results.memory:
        return sections + ["Not measured.", ""]
    return sections + [
        "Peak resident memory (`VmHWM`) of each process at the end of its part of the run.",
        "",
        "| process | peak RSS (MiB) | note |",
        "|---|---:|---|",
        *[f"| {row.process} | {_mib(row.mib)} | {row.note} |" for row in results.memory],
        "",
    ]


def render_imports(imports: dict | None, note: str) -> list[str]:
    sections = ["### Import speed", ""]
    if not imports:
        return sections + [f"Import speed: {note or 'not measured'}.", ""]
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
    return sections + [""]
