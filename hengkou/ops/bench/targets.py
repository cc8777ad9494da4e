"""The targets of issue 19 (and the import's), judged from a run's figures.

``TargetFigures`` holds plain numbers, so the table can be rendered from any figures (the
tests give their own); ``figures_of`` takes them from a run's results, ``judge`` says for each
target what was measured, whether it is met and, when not, why, from the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .common import (
    API_FLOOR_RATIO_TARGET,
    CLOSE_TARGET_SECONDS,
    DASHBOARD_TARGET_MS,
    IMPORT_TARGET_ROWS_PER_S,
    MY_TARGET_MS,
    NO_CACHE,
    REDIS,
    THROUGHPUT_TARGET,
    Results,
)

NOT_MEASURED = "not measured"


@dataclass
class TargetFigures:
    """The figures the targets are judged on; milliseconds by cache mode, None: not measured."""

    api_ms: dict[str, float] = field(default_factory=dict)
    ping_ms: dict[str, float] = field(default_factory=dict)
    dashboard_ms: dict[str, float] = field(default_factory=dict)
    my_ms: dict[str, float] = field(default_factory=dict)
    my_assignments: int = 0
    my_queries: int | None = None
    dashboard_queries: int | None = None
    api_rps: float | None = None
    ping_rps: float | None = None
    close_seconds: float | None = None
    close_queries: int | None = None
    close_sql_seconds: float | None = None
    duckdb_ms: float | None = None
    duckdb_copy_seconds: float | None = None
    import_rows_per_s: float | None = None
    # In-process parts, for the reasons: ranking selector, rollup selector, dashboard parts.
    parts_ms: dict[str, float] = field(default_factory=dict)
    # Every page and endpoint without a cache (the town's target), name → p50 in ms.
    pages_ms: dict[str, float] = field(default_factory=dict)
    page_target_ms: float | None = None
    database: str = "postgresql"  # the vendor, for the reasons that depend on it


@dataclass(frozen=True)
class TargetRow:
    target: str
    measured: str
    met: bool | None  # None: not measured
    why: str = ""

    @property
    def verdict(self) -> str:
        return "—" if self.met is None else ("yes" if self.met else "no")


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def _redis_note(values: dict[str, float]) -> str:
    redis = values.get(REDIS)
    return "" if redis is None else f"; with Redis warm {_ms(redis)}"


def _parts(figures: TargetFigures, *names: str) -> str:
    found = [f"{name} {_ms(figures.parts_ms[name])}" for name in names if name in figures.parts_ms]
    return ", ".join(found)


def _api_floor(figures: TargetFigures) -> TargetRow:
    target = (
        f"ranking API p50 ≤ {API_FLOOR_RATIO_TARGET:g} × trivial DRF view p50 (in process, "
        "month open, no cache)"
    )
    api, ping = figures.api_ms.get(NO_CACHE), figures.ping_ms.get(NO_CACHE)
    if api is None or not ping:
        return TargetRow(target, NOT_MEASURED, None)
    ratio = api / ping
    measured = f"{ratio:.1f} × ({_ms(api)} / {_ms(ping)})"
    redis_api, redis_ping = figures.api_ms.get(REDIS), figures.ping_ms.get(REDIS)
    if redis_api is not None and redis_ping:
        measured += f"; with Redis warm {redis_api / redis_ping:.1f} ×"
    met = ratio <= API_FLOOR_RATIO_TARGET
    why = ""
    if not met:
        why = (
            f"the ranking of an open month is computed on every request: {_ms(api - ping)} "
            "more than the trivial view"
        )
        parts = _parts(figures, "ranking selector", "rollup selector")
        why += f" (in process: {parts})" if parts else ""
    return TargetRow(target, measured, met, why)


def _throughput(figures: TargetFigures) -> TargetRow:
    target = (
        f"ranking API requests/s under wrk without Redis ≥ {THROUGHPUT_TARGET:.0%} of the "
        "trivial DRF view's (same gunicorn)"
    )
    if figures.api_rps is None or not figures.ping_rps:
        return TargetRow(target, NOT_MEASURED, None)
    share = figures.api_rps / figures.ping_rps
    measured = f"{share:.0%} ({figures.api_rps:,.1f} / {figures.ping_rps:,.1f} requests/s)"
    met = share >= THROUGHPUT_TARGET
    why = ""
    if not met:
        api = figures.api_ms.get(NO_CACHE)
        why = "without Redis every request ranks the month live"
        if api is not None:
            why += (
                f" ({_ms(api)} in process), so two sync workers sharing the CPUs with the "
                f"database and wrk serve at most about {2000 / api:,.0f} requests/s"
            )
    return TargetRow(target, measured, met, why)


def _page(
    target: str, values: dict[str, float], limit: float, why_parts: str, queries: int | None
) -> TargetRow:
    value = values.get(NO_CACHE)
    if value is None:
        return TargetRow(target, NOT_MEASURED, None)
    redis = values.get(REDIS)
    met = value <= limit and (redis is None or redis <= limit)
    why = ""
    if not met:
        why = f"{_ms(value)} without a cache" + (f", {_ms(redis)} with Redis" if redis else "")
        why += f", {queries} queries" if queries is not None else ""
        why += f"; {why_parts}" if why_parts else ""
    return TargetRow(target, f"{_ms(value)}{_redis_note(values)}", met, why)


def _close(figures: TargetFigures) -> TargetRow:
    target = f"monthly close ≤ {CLOSE_TARGET_SECONDS:g} s"
    seconds = figures.close_seconds
    if seconds is None:
        return TargetRow(target, NOT_MEASURED, None)
    met = seconds <= CLOSE_TARGET_SECONDS
    why = ""
    if not met:
        why = "the close ranks every metric of the month and stores the bulletin"
        if figures.close_queries is not None and figures.close_sql_seconds is not None:
            why += (
                f": {figures.close_queries:,} queries, {figures.close_sql_seconds:.2f} s of "
                "the close in SQL"
            )
    return TargetRow(target, f"{seconds:.2f} s", met, why)


def _peer(figures: TargetFigures) -> TargetRow:
    target = "ranking API p50 (live, no cache) < DuckDB's brute-force re-sum p50"
    api, duck = figures.api_ms.get(NO_CACHE), figures.duckdb_ms
    if api is None or duck is None:
        return TargetRow(target, NOT_MEASURED, None)
    met = api < duck
    why = ""
    if not met:
        why = (
            f"DuckDB sums every raw row of the two years in {_ms(duck)} (after a copy of "
            f"{figures.duckdb_copy_seconds or 0:.1f} s); the live API takes {_ms(api)}"
        )
    return TargetRow(target, f"{_ms(api)} vs {_ms(duck)}", met, why)


def _import(figures: TargetFigures) -> TargetRow:
    target = f"import ≥ {IMPORT_TARGET_ROWS_PER_S:,} rows/s"
    rate = figures.import_rows_per_s
    if rate is None:
        return TargetRow(target, NOT_MEASURED, None)
    met = rate >= IMPORT_TARGET_ROWS_PER_S
    why = ""
    if not met and figures.database == "sqlite":
        why = (
            "on SQLite the checked rows and their history rows are written with bulk_create in "
            "the importing thread, taking turns with the reading (the writer thread and COPY "
            "are PostgreSQL's)"
        )
    elif not met:
        why = (
            "reading and checking the cells (Python, one CPU because of the GIL) and writing "
            "the rows, their history rows and the rollup (the database) overlap, so the import "
            "lasts as long as the slower of the two; see the findings below"
        )
    return TargetRow(target, f"{rate:,.0f} rows/s", met, why)


def _every_page(figures: TargetFigures) -> TargetRow:
    limit = figures.page_target_ms or 0
    target = f"every page and endpoint p50 ≤ {limit:g} ms (no cache)"
    if not figures.pages_ms:
        return TargetRow(target, NOT_MEASURED, None)
    slowest = max(figures.pages_ms, key=figures.pages_ms.get)
    over = sorted(
        (name for name, value in figures.pages_ms.items() if value > limit),
        key=figures.pages_ms.get,
        reverse=True,
    )
    measured = f"slowest {_ms(figures.pages_ms[slowest])} ({slowest}); {len(figures.pages_ms)} URLs"
    why = ""
    if over:
        shown = ", ".join(f"{name} {_ms(figures.pages_ms[name])}" for name in over[:6])
        why = f"{len(over)} over {limit:g} ms: {shown}" + (" …" if len(over) > 6 else "")
    return TargetRow(target, measured, not over, why)


def _dashboard_parts(figures: TargetFigures) -> str:
    parts = _parts(figures, "zone statistics", "monthly trend", "completeness board")
    return f"its parts in process: {parts}" if parts else ""


def _per_card(figures: TargetFigures) -> str:
    value = figures.my_ms.get(NO_CACHE)
    if value is None or not figures.my_assignments:
        return ""
    return f"{value / figures.my_assignments:.2f} ms per card"


def judge(figures: TargetFigures) -> list[TargetRow]:
    """Return the target rows, in the order of the issue, with the import's last."""
    rows = [
        _api_floor(figures),
        _throughput(figures),
        _page(
            f"dashboard page p50 ≤ {DASHBOARD_TARGET_MS:g} ms (month open)",
            figures.dashboard_ms,
            DASHBOARD_TARGET_MS,
            _dashboard_parts(figures),
            figures.dashboard_queries,
        ),
        _page(
            f"my enterprises (/my/), busiest leader ({figures.my_assignments:,} assignments), "
            f"p50 ≤ {MY_TARGET_MS:g} ms",
            figures.my_ms,
            MY_TARGET_MS,
            _per_card(figures),
            figures.my_queries,
        ),
        _close(figures),
        _peer(figures),
    ]
    if figures.page_target_ms is not None:
        rows.append(_every_page(figures))
    rows.append(_import(figures))
    return rows


def render_targets(rows: list[TargetRow]) -> list[str]:
    """Return the Markdown lines of the targets table."""
    lines = ["| target | measured | met | why not |", "|---|---|---|---|"]
    for row in rows:
        why = row.why if row.met is False else "—"
        lines.append(f"| {row.target} | {row.measured} | {row.verdict} | {why} |")
    return lines


def _p50s(read) -> dict[str, float]:
    return {mode: read.p50_ms(mode) for mode in read.timings} if read is not None else {}


def figures_of(
    results: Results, *, imports: dict | None = None, page_target_ms: float | None = None
) -> TargetFigures:
    """Take the targets' figures from a run's results."""
    api, ping = results.page("api", "rankings"), results.page("api", "ping")
    dashboard = results.page("supervisor", "dashboard")
    my = results.page("official", "my_enterprises")
    parts = {
        name: results.timings[key].p50 * 1000
        for key, name in (
            ("ranking", "ranking selector"),
            ("rollup", "rollup selector"),
            ("zone_stats", "zone statistics"),
            ("trend", "monthly trend"),
            ("completeness", "completeness board"),
        )
        if key in results.timings
    }
    ours = imports.get("ours") if imports else None
    return TargetFigures(
        api_ms=_p50s(api),
        ping_ms=_p50s(ping),
        dashboard_ms=_p50s(dashboard),
        my_ms=_p50s(my),
        my_assignments=results.my_assignments,
        my_queries=my.queries.get(NO_CACHE) if my else None,
        dashboard_queries=dashboard.queries.get(NO_CACHE) if dashboard else None,
        api_rps=results.requests_per_s("api_nocache"),
        ping_rps=results.requests_per_s("ping_nocache"),
        close_seconds=results.close_seconds if results.close_seconds else None,
        close_queries=results.close_queries or None,
        close_sql_seconds=results.close_sql_seconds or None,
        duckdb_ms=results.peer.duckdb.p50 * 1000 if results.peer else None,
        duckdb_copy_seconds=results.peer.copy_seconds if results.peer else None,
        import_rows_per_s=ours.get("rows_per_s") if isinstance(ours, dict) else None,
        parts_ms=parts,
        pages_ms={
            f"{read.audience}: {read.name}": read.p50_ms(NO_CACHE)
            for read in results.pages
            if NO_CACHE in read.timings
        },
        page_target_ms=page_target_ms,
        database=results.database,
    )
