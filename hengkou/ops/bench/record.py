"""A run's machine-readable results: ``docs/bench/<label>-<enterprises>.json``.

``scale-<N>.json`` (PostgreSQL, 500 departments, N enterprises) are what the scaling step
(scaling.py) reads; the town run writes ``town-500.json`` beside them.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from .common import CACHE_MODES, Phase, Results, Scale
from .sections import AUDIENCES
from .targets import figures_of, judge


def _timing(name: str, timing, queries: int | None = None) -> dict:
    return {
        "name": name,
        "p50_ms": round(timing.p50 * 1000, 3),
        "p95_ms": round(timing.p95 * 1000, 3),
        "queries": queries,
    }


def reads_of(results: Results) -> dict[str, dict]:
    """Return every timed read by a stable key: ``selector:…``, ``<whose>:<page>:<mode>``,
    ``peer:…``."""
    reads = {
        f"selector:{key}": _timing(timing.name, timing) for key, timing in results.timings.items()
    }
    for read in results.pages:
        whose = AUDIENCES.get(read.audience, read.audience).split(" (")[0]
        for mode, timing in read.timings.items():
            name = f"{whose}: {read.name}, {CACHE_MODES[mode]}"
            reads[f"{read.ident}:{mode}"] = _timing(name, timing, read.queries.get(mode))
    if results.peer is not None:
        reads["peer:duckdb"] = _timing("DuckDB re-sum", results.peer.duckdb)
        reads["peer:database"] = _timing("the same SQL on the database", results.peer.database)
    return reads


def record(
    *,
    results: Results,
    scale: Scale,
    phases: list[Phase],
    host: dict[str, str],
    today: datetime.date,
    total_seconds: float,
    imports: dict | None = None,
    page_target_ms: float | None = None,
) -> dict:
    """Return the run's results as plain data."""
    ours = imports.get("ours") if imports else None
    targets = judge(figures_of(results, imports=imports, page_target_ms=page_target_ms))
    return {
        "label": results.label,
        "enterprises": scale.enterprises,
        "departments": scale.departments,
        "months": scale.months,
        "database": host.get("database", ""),
        "date": today.isoformat(),
        "period": f"{results.period:%Y-%m}",
        "metric": results.metric,
        "total_seconds": round(total_seconds, 1),
        "phases": {phase.name: round(phase.seconds, 3) for phase in phases},
        "reads": reads_of(results),
        "close_seconds": round(results.close_seconds, 3),
        "close_queries": results.close_queries,
        "import": (
            {key: ours.get(key) for key in ("rows", "seconds", "rows_per_s")}
            if isinstance(ours, dict)
            else None
        ),
        "throughput": {row.key: row.requests_per_s for row in results.throughput},
        "peer": (
            {
                "copy_seconds": round(results.peer.copy_seconds, 3),
                "rows": results.peer.rows,
                "equal": results.peer.equal,
            }
            if results.peer
            else None
        ),
        "targets": [
            {"target": row.target, "measured": row.measured, "met": row.met, "why": row.why}
            for row in targets
        ],
    }


def write_record(folder: Path, data: dict) -> Path:
    """Write the run's results as ``<label>-<enterprises>.json`` in ``folder``; return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['label']}-{data['enterprises']}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path
