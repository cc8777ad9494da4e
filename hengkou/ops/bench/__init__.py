"""The benchmark of the department ranking at city scale (``make bench``).

Three parts, each usable on its own: ``generate`` fills an empty database with deterministic
city-scale data, ``measure`` times the ranking's reads and the monthly close, and
``render_section``/``write_section`` put the results into ``docs/performance.md``.
Bulk inserts use PostgreSQL's COPY and a set-based rollup build; on any other database they fall
back to ``bulk_create`` and ``rebuild_monthly_ytd`` (what the tests run on SQLite).

``common`` holds the targets, the scale and the results; ``data`` generates, ``timing`` measures,
``servers`` runs the web nodes and the load generator, ``report`` renders and writes the section.
"""

from .common import (
    CITY,
    DASHBOARD_QUERY_TARGET,
    END_MARKER,
    RATIO_TARGET,
    START_MARKER,
    PeakMemory,
    Results,
    Scale,
    Throughput,
)
from .data import generate
from .report import render_section, write_section
from .servers import BenchServer, SharedCache, machine, parse_wrk, peak_memory_mib, table_sizes
from .timing import _heap_blocks, measure

__all__ = [
    "CITY",
    "DASHBOARD_QUERY_TARGET",
    "END_MARKER",
    "RATIO_TARGET",
    "START_MARKER",
    "BenchServer",
    "PeakMemory",
    "Results",
    "Scale",
    "SharedCache",
    "Throughput",
    "_heap_blocks",
    "generate",
    "machine",
    "measure",
    "parse_wrk",
    "peak_memory_mib",
    "render_section",
    "table_sizes",
    "write_section",
]
