"""How cost grows with the number of enterprises: a table and a log-log plot of every run.

``python -m hengkou.ops.bench.scaling docs/`` (the last step of ``make bench``) reads every
``docs/bench/scale-*.json`` that a PostgreSQL run wrote, writes the scaling section of
``docs/performance.md`` (its own markers) and ``docs/bench/scaling.png``. A read's growth is
the slope of log p50 against log N between the smallest and the largest scale that measured
it: below ``FLAT_SLOPE`` it stays flat, from ``LINEAR_SLOPE`` it grows about as fast as the
data. Needs no database and no Django settings.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

START_MARKER = "<!-- bench:scaling:start -->"
END_MARKER = "<!-- bench:scaling:end -->"
FLAT_SLOPE = 0.2
LINEAR_SLOPE = 0.8
# The reads of issue 19's table, shown first and drawn in the plot's first panel.
KEY_READS = (
    "api:rankings:nocache",
    "api:ping:nocache",
    "supervisor:dashboard:nocache",
    "official:my_enterprises:nocache",
    "selector:ranking",
    "selector:trend",
    "selector:completeness",
    "peer:duckdb",
    "peer:database",
)


@dataclass(frozen=True)
class Series:
    """One read (or the close, or the import) across the runs: N → value, and queries."""

    key: str
    name: str
    unit: str  # "ms" or "s"
    values: dict[int, float]
    queries: dict[int, int | None]

    @property
    def slope(self) -> float | None:
        """Return d log(value) / d log(N) between the smallest and largest N measured."""
        points = {n: v for n, v in self.values.items() if v and v > 0}
        if len(points) < 2:
            return None
        low, high = min(points), max(points)
        return math.log(points[high] / points[low]) / math.log(high / low)

    @property
    def verdict(self) -> str:
        slope = self.slope
        if slope is None:
            return "—"
        if slope < FLAT_SLOPE:
            return "flat"
        return "grows about linearly" if slope >= LINEAR_SLOPE else "grows"

    @property
    def is_page(self) -> bool:
        return self.key.split(":")[0] in ("supervisor", "official", "api")


def load_runs(folder: Path) -> list[dict]:
    """Return the runs of ``folder/scale-*.json``, by number of enterprises."""
    runs = [json.loads(path.read_text()) for path in sorted(folder.glob("scale-*.json"))]
    return sorted(runs, key=lambda run: run["enterprises"])


def series_of(runs: list[dict]) -> list[Series]:
    """Return every read's series, then the close's and the import's."""
    names: dict[str, str] = {}
    for run in runs:
        for key, read in run["reads"].items():
            names.setdefault(key, read["name"])
    series = [
        Series(
            key,
            name,
            "ms",
            {r["enterprises"]: r["reads"][key]["p50_ms"] for r in runs if key in r["reads"]},
            {r["enterprises"]: r["reads"][key].get("queries") for r in runs if key in r["reads"]},
        )
        for key, name in names.items()
    ]
    series.append(
        Series("close", "monthly close", "s",
               {r["enterprises"]: r["close_seconds"] for r in runs if r.get("close_seconds")},
               {r["enterprises"]: r.get("close_queries") for r in runs})
    )  # fmt: skip
    imports = {r["enterprises"]: r["import"] for r in runs if r.get("import")}
    rows = {i.get("rows") for i in imports.values()}
    label = f"import of {rows.pop():,} monthly reports" if len(rows) == 1 else "import"
    series.append(
        Series("import", label, "s",
               {n: i["seconds"] for n, i in imports.items() if i.get("seconds")}, {})
    )  # fmt: skip
    return series


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if unit == "ms" else f"{value:,.2f}"


def _row(item: Series, scales: list[int]) -> str:
    slope = item.slope
    cells = [_value(item.values.get(n), item.unit) for n in scales]
    return (
        f"| {item.name} ({item.unit}) | " + " | ".join(cells)
        + f" | {'—' if slope is None else f'{slope:.2f}'} | {item.verdict} |"
    )  # fmt: skip


def _why(item: Series) -> str:
    """Say, from the query counts, whether a growing read runs more queries or heavier ones."""
    counts = [q for _n, q in sorted(item.queries.items()) if q is not None]
    if len(counts) < 2:
        return ""
    if counts[0] == counts[-1]:
        return f"the same {counts[0]} queries, each reading more rows"
    return f"its queries grow with the data ({counts[0]} → {counts[-1]})"


def summary(series: list[Series], scales: list[int]) -> list[str]:
    """Return the text beside the table: which reads stay flat and which grow, from the data."""
    if len(scales) < 2:
        measured = ", ".join(f"{n:,}" for n in scales) or "none"
        return [
            f"Growth needs runs at two scales at least; measured so far: {measured} "
            "enterprises. Run `make bench SCALE=2000`, `SCALE=20000` and `SCALE=200000`.",
            "",
        ]
    sloped = [item for item in series if item.slope is not None]
    flat = [item for item in sloped if item.verdict == "flat"]
    growing = sorted(
        (item for item in sloped if item.verdict != "flat"), key=lambda item: -item.slope
    )
    pages = [item for item in sloped if item.is_page]
    flat_pages = [item for item in pages if item.verdict == "flat"]
    lines = [
        f"Between {scales[0]:,} and {scales[-1]:,} enterprises ({scales[-1] / scales[0]:,.0f} "
        f"times the data), slope of log p50 against log N; flat below {FLAT_SLOPE}, about "
        f"linear from {LINEAR_SLOPE}. {len(flat)} of {len(sloped)} series stay flat, "
        f"{len(growing)} grow; of the pages and endpoints, {len(flat_pages)} of {len(pages)} "
        "stay flat.",
        "",
    ]
    if growing:
        lines += ["Growing, steepest first:", ""]
        for item in growing:
            why = _why(item)
            lines.append(
                f"- {item.name}: slope {item.slope:.2f} ({item.verdict})"
                + (f"; {why}" if why else "")
            )
        lines.append("")
    if flat:
        lines += [
            "Flat: " + ", ".join(f"{item.name} ({item.slope:.2f})" for item in flat) + ".",
            "",
        ]
    return lines


def render_scaling(runs: list[dict], *, plot: str = "bench/scaling.png") -> str:
    """Return the scaling section, markers included."""
    scales = [run["enterprises"] for run in runs]
    series = series_of(runs)
    head = " | ".join(f"{n:,}" for n in scales)
    rule = "|".join("---:" for _n in scales)
    key_rows = [item for key in KEY_READS for item in series if item.key == key]
    key_rows += [item for item in series if item.key in ("close", "import")]
    table = [f"| read | {head} | slope | growth |", f"|---|{rule}|---:|---|"]
    runs_text = ", ".join(
        f"{run['enterprises']:,} ({run['date']}, {run['departments']} departments)" for run in runs
    )
    intro = (
        "Generated by `make bench` (`python -m hengkou.ops.bench.scaling docs/`) from every "
        "`docs/bench/scale-*.json`; do not edit between the markers. Runs: "
        f"{runs_text or 'none yet'}. p50 in ms (the close and the import in s), in process, "
        "the month open."
    )
    lines = [
        START_MARKER,
        "## How cost grows with the number of enterprises",
        "",
        intro,
        "",
        *summary(series, scales),
        f"![p50 against the number of enterprises, log-log]({plot})",
        "",
        *table,
        *[_row(item, scales) for item in key_rows],
        "",
        "<details><summary>every read</summary>",
        "",
        *table,
        *[_row(item, scales) for item in series],
        "",
        "</details>",
        END_MARKER,
    ]
    return "\n".join(lines) + "\n"


def plot_scaling(runs: list[dict], path: Path) -> None:
    """Draw each read's p50, the close and the import against N on log-log axes (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = series_of(runs)
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _position: f"{value:,.10g}")
    figure, (key_axis, page_axis, work_axis) = plt.subplots(1, 3, figsize=(18, 8))
    for item in series:
        if item.key in KEY_READS:
            _draw(key_axis, item, label=item.name)
    for item in series:
        if item.is_page and item.key.endswith(":nocache"):
            grows = item.verdict not in ("flat", "—")
            _draw(page_axis, item, color="tab:red" if grows else "tab:gray",
                  label=item.name if grows else None, width=1.5 if grows else 0.8)  # fmt: skip
    for item in series:
        if item.key in ("close", "import"):
            _draw(work_axis, item, label=item.name)
    titles = (
        (key_axis, "The issue's reads (ms, no cache)"),
        (page_axis, "Every page and endpoint (ms, no cache; red: growing)"),
        (work_axis, "The close and the import (s)"),
    )
    for axis, title in titles:
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("enterprises")
        axis.grid(True, which="both", linewidth=0.3)
        axis.xaxis.set_major_formatter(plain)
        axis.yaxis.set_major_formatter(plain)
        if axis.get_legend_handles_labels()[0]:
            # Below the axes, so no point hides behind it.
            axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _draw(axis, item: Series, *, label=None, color=None, width=1.2) -> None:
    points = sorted((n, v) for n, v in item.values.items() if v and v > 0)
    if points:
        xs, ys = zip(*points, strict=True)
        axis.plot(xs, ys, marker="o", markersize=3, linewidth=width, color=color, label=label)


def write_scaling(docs: Path) -> tuple[Path, Path]:
    """Write the section into ``docs/performance.md`` and the plot; return both paths."""
    runs = load_runs(docs / "bench")
    page = docs / "performance.md"
    png = docs / "bench" / "scaling.png"
    section = render_scaling(runs, plot=png.relative_to(docs).as_posix())
    text = page.read_text() if page.exists() else "# Performance\n"
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(END_MARKER) :]
    else:
        ends = list(re.finditer(r"<!-- bench:[\w-]+:end -->", text))
        cut = ends[-1].end() if ends else len(text.rstrip("\n"))
        text = text[:cut] + "\n\n" + section.rstrip("\n") + text[cut:]
    page.write_text(text if text.endswith("\n") else text + "\n")
    plot_scaling(runs, png)
    return page, png


def main(argv: list[str]) -> None:
    docs = Path(argv[0] if argv else "docs")
    page, png = write_scaling(docs)
    print(f"Wrote the scaling section of {page} and {png}")


if __name__ == "__main__":
    main(sys.argv[1:])
