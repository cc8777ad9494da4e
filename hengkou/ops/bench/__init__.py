"""The benchmark of the ranking, the menus' pages and the close (``make bench``).

Parts, each usable on its own: ``generate`` fills an empty database with deterministic data of
a scale (``parse_scale``: a number of enterprises at the city's 500 departments, or the town)
with a documented seasonal pattern (``common.SEASON``: a Spring-Festival dip in January and
February, a year-end peak in November and December),
``measure`` times the selectors, every page of the supervisor's and the busiest leader's menus
and the API endpoints (without a cache and with Redis warm), DuckDB's re-sum, the load under
wrk and the monthly close, ``render_section``/``write_section`` put the results into
``docs/performance.md``, ``record``/``write_record`` keep them as ``docs/bench/*.json``, and
``python -m hengkou.ops.bench.scaling docs/`` draws how cost grows with the data.
Bulk inserts use PostgreSQL's COPY and a set-based rollup build; on any other database they fall
back to ``bulk_create`` and ``rebuild_monthly_ytd`` (SQLite: the town, and the tests).

``common`` holds the targets, the scale and the results; ``data`` generates, ``logins`` makes
the supervisor and the busiest leader, ``pages`` times the menus and the API, ``peer`` runs
DuckDB, ``load`` and ``servers`` run gunicorn and wrk, ``timing`` runs the whole measurement,
``targets`` judges, ``report`` and ``sections`` render, ``record`` and ``scaling`` keep and
compare the runs.

Names are imported on first use, so ``python -m hengkou.ops.bench.scaling`` runs without Django.
"""

from importlib import import_module

_NAMES = {
    "common": (
        "CITY", "TOWN", "END_MARKER", "START_MARKER", "TOWN_END_MARKER", "TOWN_START_MARKER",
        "NO_CACHE", "REDIS", "PageRead", "PeakMemory", "PeerResult", "Results", "Scale",
        "Throughput", "Timing", "TOWN_PAGE_TARGET_MS", "measure_interleaved", "parse_scale",
    ),
    "data": ("generate",),
    "report": ("markers", "render_section", "write_section"),
    "record": ("record", "write_record"),
    "servers": (
        "BenchServer", "SharedCache", "machine", "parse_wrk", "peak_memory_mib", "table_sizes",
    ),
    "timing": ("_heap_blocks", "measure"),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
