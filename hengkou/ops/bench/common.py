"""What the benchmark's parts share: its targets, the city's scale, the results and their timing."""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

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
