"""What the benchmark's parts share: its targets, the city's scale, the results and their timing."""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.db import connection

START_MARKER = "<!-- bench:ranking:start -->"
END_MARKER = "<!-- bench:ranking:end -->"
TOWN_START_MARKER = "<!-- bench:town:start -->"
TOWN_END_MARKER = "<!-- bench:town:end -->"
# The targets of issue 19, live and without any cache (hengkou/ops/bench/targets.py).
API_FLOOR_RATIO_TARGET = 2.0  # p50(ranking API) ≤ 2 × p50(trivial DRF view), in process
THROUGHPUT_TARGET = 0.5  # ranking API requests/s ≥ 50% of the trivial DRF view's, without Redis
DASHBOARD_TARGET_MS = 60.0
MY_TARGET_MS = 60.0
CLOSE_TARGET_SECONDS = 5.0
TOWN_PAGE_TARGET_MS = 50.0  # town scale on SQLite: every page
IMPORT_TARGET_ROWS_PER_S = 20_000
CREDIT_SERIAL_BASE = 30_000_000
# The bench data's seasonal pattern, fixed before any projection method was written (issue 21)
# and documented in docs/performance.md: each month's factor multiplies an enterprise's average
# monthly flow (output, and through it value added, revenue, profit, tax, electricity). A
# Spring-Festival dip in January and February (0.78, 0.72), a flat spring and summer around 1,
# and a year-end peak (1.10 in November, 1.34 in December, when enterprises push to meet the
# year's plan). The twelve factors sum to exactly 12, so a year's total is 12 × the average month
# and the annual targets (12 × the average month × 0.9–1.25) carry no seasonal bias.
SEASON = (0.78, 0.72, 0.98, 1.0, 1.02, 1.04, 0.97, 0.97, 1.03, 1.05, 1.1, 1.34)
assert abs(sum(SEASON) - 12) < 1e-9
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
# The embedded default's scale: a town on SQLite (make bench-town).
TOWN = Scale(departments=30, enterprises=500, county_leaders=10)
SCALE_NAMES = {"city": CITY, "town": TOWN}


def parse_scale(text: str) -> tuple[str, Scale]:
    """Return the label and the scale that ``make bench SCALE=…`` names.

    ``town`` is the embedded default's scale (500 enterprises, 30 departments, on SQLite);
    ``city`` or a whole number of enterprises keeps the city's 500 departments and 5 years.
    Anything else is refused with a message saying what is accepted.
    """
    value = str(text).strip().lower()
    if value == "town":
        return "town", TOWN
    if value == "city":
        return "scale", CITY
    digits = value.replace("_", "").replace(",", "")
    if not digits.isdigit() or int(digits) < 1:
        raise ValueError(
            f"SCALE must be a whole number of enterprises (e.g. 2000, 20000, 200000), "
            f"'city' (20000) or 'town' (500 enterprises, 30 departments, SQLite); got {text!r}."
        )
    return "scale", replace(CITY, enterprises=int(digits))


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


NO_CACHE = "nocache"
REDIS = "redis"
CACHE_MODES = {NO_CACHE: "no cache", REDIS: "Redis, warm"}


@dataclass
class PageRead:
    """One page of a menu, or one API endpoint, timed in each cache mode with its queries."""

    audience: str  # "supervisor", "official" or "api"
    key: str
    name: str
    url: str
    timings: dict[str, Timing] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        return f"{self.audience}:{self.key}"

    def p50_ms(self, mode: str = NO_CACHE) -> float | None:
        timing = self.timings.get(mode)
        return None if timing is None else timing.p50 * 1000


@dataclass
class PeerResult:
    """DuckDB's brute-force re-sum of the ranking beside the same SQL on the app's database."""

    version: str
    export_seconds: float
    load_seconds: float
    rows: dict[str, int]
    duckdb: Timing
    database: Timing
    sql: str
    departments: int
    equal: bool
    differences: list[str] = field(default_factory=list)

    @property
    def copy_seconds(self) -> float:
        return self.export_seconds + self.load_seconds


@dataclass
class Results:
    """Everything a run measured, ready to render."""

    period: datetime.date
    metric: str
    repeat: int
    label: str = "scale"
    database: str = "postgresql"  # connection.vendor of the run
    pages: list[PageRead] = field(default_factory=list)
    pages_note: str = ""
    peer: PeerResult | None = None
    peer_note: str = ""
    close_queries: int = 0
    close_sql_seconds: float = 0.0
    timings: dict[str, Timing] = field(default_factory=dict)
    close_seconds: float = 0.0
    rollup_equals_resum: bool = False
    departments_ranked: int = 0
    rollup_queries: list[QueryCost] = field(default_factory=list)
    resum_queries: list[QueryCost] = field(default_factory=list)
    rollup_pages: int = 0
    load_before: float = 0.0
    load_after: float = 0.0
    my_assignments: int = 0
    throughput: list[Throughput] = field(default_factory=list)
    throughput_note: str = ""
    memory: list[PeakMemory] = field(default_factory=list)

    def page(self, audience: str, key: str) -> PageRead | None:
        return next((p for p in self.pages if (p.audience, p.key) == (audience, key)), None)

    def requests_per_s(self, key: str) -> float | None:
        return next((t.requests_per_s for t in self.throughput if t.key == key), None)

    @property
    def throughput_ratio(self) -> float | None:
        """Requests/s of the ranking API (open month) over the trivial DRF view's, no Redis."""
        ranking, ping = self.requests_per_s("api_nocache"), self.requests_per_s("ping_nocache")
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


def measure_interleaved(
    steps: list[tuple[str, str, Callable[[], object]]], *, repeat: int, warmup: int = 1
) -> dict[str, Timing]:
    """Time each ``(key, name, operation)`` ``repeat`` times, after ``warmup`` untimed rounds.

    The operations take turns, one run each per round, so a load spike from another process
    slows all of them alike and their ratios stay fair.
    """
    for _ in range(warmup):
        for _key, _name, operation in steps:
            operation()
    samples: dict[str, list[float]] = {key: [] for key, _name, _operation in steps}
    for _ in range(repeat):
        for key, _name, operation in steps:
            started = time.perf_counter()
            operation()
            samples[key].append(time.perf_counter() - started)
    return {key: Timing(name=name, samples=tuple(samples[key])) for key, name, _op in steps}


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
