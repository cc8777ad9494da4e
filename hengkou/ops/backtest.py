"""The back-test of the year-end projection (``manage.py evaluate_projections``, issue 21).

For every complete year of a database (a year with December figures and targets), every ranked
flow metric with targets that year, and months 3, 6 and 9: each department's projected
completion rate (hengkou/projections.py, its seasonal share from the same members' earlier
years) and the naive one (ytd × 12 / m over the target) beside the actual year-end completion
rate (December's ytd of the members with a target over their target). The mean absolute error,
in percentage points, over every department and year, and over the zone's line of each year.
Never imported by the product path.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from enterprises.models import MonthlyReport, Target
from projects.models import ProjectPlan, ProjectReport

from ..projections import FLAT
from ..ranking import ENTERPRISE_METRICS, INVESTMENT_METRICS, STOCK_METRICS, RankingRow
from ..selectors.projections import list_projections
from ..selectors.ranking import list_department_rankings
from .bench.report import write_section

MONTHS = (3, 6, 9)


@dataclass
class Errors:
    """Absolute errors of the projected completion rate, the method's and the naive one's."""

    seasonal: list[Fraction] = field(default_factory=list)
    naive: list[Fraction] = field(default_factory=list)
    flat: int = 0  # how many of the method's projections had no history (flat, = naive)

    def add(self, *, projected: Fraction, naive: Fraction, actual: Fraction, flat: bool) -> None:
        self.seasonal.append(abs(projected - actual))
        self.naive.append(abs(naive - actual))
        self.flat += flat

    @property
    def count(self) -> int:
        return len(self.seasonal)

    @staticmethod
    def _mean(values: list[Fraction]) -> float | None:
        return float(sum(values, Fraction(0)) / len(values)) * 100 if values else None

    @property
    def seasonal_mae(self) -> float | None:
        return self._mean(self.seasonal)

    @property
    def naive_mae(self) -> float | None:
        return self._mean(self.naive)


@dataclass
class Backtest:
    """The errors by (metric, month), for the departments and for the zone, and the years."""

    years: list[int]  # the complete years with targets, evaluated
    departments: dict[tuple[str, int], Errors]
    zone: dict[tuple[str, int], Errors]
    # The departments' errors of each year apart, by (metric, year, month): a year projected from
    # an unusual one (the demo's 2021, from the epidemic year 2020 alone) shows as itself.
    by_year: dict[tuple[str, int, int], Errors] = field(default_factory=dict)
    untargeted: list[int] = field(default_factory=list)  # complete, but nothing to compare with


def complete_years() -> list[int]:
    """Return the years with December figures (reports of enterprises or projects)."""
    years = {
        day.year for day in MonthlyReport.objects.filter(period__month=12).dates("period", "year")
    }
    years |= {
        day.year for day in ProjectReport.objects.filter(period__month=12).dates("period", "year")
    }
    return sorted(years)


def targeted_metrics(year: int) -> list[str]:
    """Return the ranked flow metrics with at least one target in ``year``."""
    metrics = set(
        Target.objects.filter(year=year, value__gt=0).values_list("metric", flat=True).distinct()
    )
    found = [m for m in ENTERPRISE_METRICS if m in metrics and m not in STOCK_METRICS]
    if ProjectPlan.objects.filter(year=year, planned_investment__gt=0).exists():
        found += list(INVESTMENT_METRICS)
    return found


def _rate(ytd_targeted: Decimal, target: Decimal) -> Fraction:
    return Fraction(ytd_targeted) / Fraction(target)


def run_backtest(*, years: list[int] | None = None, log: Callable[[str], None] = print) -> Backtest:
    """Project every complete year's months 3, 6 and 9 and compare them with its December."""
    years = complete_years() if years is None else years
    departments: dict[tuple[str, int], Errors] = defaultdict(Errors)
    zone: dict[tuple[str, int], Errors] = defaultdict(Errors)
    by_year: dict[tuple[str, int, int], Errors] = defaultdict(Errors)
    evaluated: list[int] = []
    for year in years:
        for metric in targeted_metrics(year):
            december = list_department_rankings(period=datetime.date(year, 12, 1), metric=metric)
            actual = {row.department_id: row for row in december if row.target > 0}
            if not actual:
                continue
            zone_target = sum((row.target for row in actual.values()), Decimal(0))
            zone_actual = _rate(
                sum((r.ytd_targeted for r in actual.values()), Decimal(0)), zone_target
            )
            for month in MONTHS:
                period = datetime.date(year, month, 1)
                rows: list[RankingRow] = list_department_rankings(period=period, metric=metric)
                projections = list_projections(period=period, metric=metric, rows=rows)
                for line in projections.departments:
                    end = actual.get(line.department_id)
                    if end is None or line.projected_rate is None or line.target != end.target:
                        continue
                    errors = {
                        "projected": line.projected_rate,
                        "naive": _rate(line.ytd_targeted, line.target) * 12 / month,
                        "actual": _rate(end.ytd_targeted, end.target),
                        "flat": line.method == FLAT,
                    }
                    departments[(metric, month)].add(**errors)
                    by_year[(metric, year, month)].add(**errors)
                line = projections.zone
                if line.projected_rate is not None and line.target == zone_target:
                    zone[(metric, month)].add(
                        projected=line.projected_rate,
                        naive=_rate(line.ytd_targeted, line.target) * 12 / month,
                        actual=zone_actual,
                        flat=line.method == FLAT,
                    )
            log(f"{year} {metric}: {len(actual)} departments with a target")
            if year not in evaluated:
                evaluated.append(year)
    return Backtest(
        years=evaluated,
        departments=dict(departments),
        zone=dict(zone),
        by_year=dict(by_year),
        untargeted=[year for year in years if year not in evaluated],
    )


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _better(seasonal: float | None, naive: float | None) -> str:
    if seasonal is None or naive is None:
        return "—"
    return "seasonal" if seasonal < naive else "naive" if naive < seasonal else "equal"


def _by_year_table(result: Backtest) -> list[str]:
    """The departments' errors of each metric and year: months 3, 6 and 9 side by side."""
    lines = [
        "",
        "The same, year by year (departments; each cell: MAE of the seasonal method / of the "
        "naive projection, the better one in bold):",
        "",
        "| metric | year | departments | of them flat at month 3 | month 3 | month 6 | month 9 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for metric, year in sorted({(metric, year) for metric, year, _ in result.by_year}):
        cells = []
        for month in MONTHS:
            errors = result.by_year.get((metric, year, month), Errors())
            seasonal, naive = errors.seasonal_mae, errors.naive_mae
            pair = [_cell(seasonal), _cell(naive)]
            better = _better(seasonal, naive)
            if better in ("seasonal", "naive"):
                index = 0 if better == "seasonal" else 1
                pair[index] = f"**{pair[index]}**"
            cells.append(" / ".join(pair))
        march = result.by_year.get((metric, year, MONTHS[0]), Errors())
        row = [f"`{metric}`", str(year), f"{march.count:,}", f"{march.flat:,}", *cells]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def render_backtest(result: Backtest, *, label: str, description: str) -> str:
    """Return the back-test's section of docs/performance.md, between its own markers."""
    lines = [
        f"<!-- projections:{label}:start -->",
        f"### Back-test on {description}",
        "",
        f"Generated by `python manage.py evaluate_projections` ({label}); do not edit between the "
        "markers. Complete years evaluated (with targets): "
        + (", ".join(str(year) for year in result.years) or "none")
        + (
            "; complete years without targets, not evaluated (their figures are history for "
            "the later years): " + ", ".join(str(year) for year in result.untargeted)
            if result.untargeted
            else ""
        )
        + ". Mean absolute error of the projected completion rate against the actual year-end "
        "completion rate, in percentage points (lower is better).",
        "",
        "| metric | month | departments × years | of them flat (no history) | MAE, seasonal "
        "method | MAE, naive (ytd × 12 / m) | better | zone: MAE seasonal | zone: MAE naive |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for (metric, month), errors in sorted(result.departments.items()):
        zone = result.zone.get((metric, month), Errors())
        seasonal, naive = errors.seasonal_mae, errors.naive_mae
        better = _better(seasonal, naive)
        lines.append(
            f"| `{metric}` | {month} | {errors.count:,} | {errors.flat:,} | {_cell(seasonal)} | "
            f"{_cell(naive)} | {better} | {_cell(zone.seasonal_mae)} | {_cell(zone.naive_mae)} |"
        )
    if not result.departments:
        lines.append("| — | — | 0 | 0 | — | — | — | — | — |")
    if result.by_year:
        lines += _by_year_table(result)
    lines += ["", f"<!-- projections:{label}:end -->"]
    return "\n".join(lines) + "\n"


def write_backtest(path: Path, section: str) -> None:
    """Put the section in ``path``: in place of its earlier run, else after the other runs'
    sections (or the ``<!-- projections:sections -->`` anchor), else at the end."""
    first = section.strip().splitlines()[0]
    text = path.read_text() if path.exists() else "# Performance\n"
    if first in text:
        write_section(path, section)
        return
    ends = list(re.finditer(r"<!-- projections:[\w-]+:end -->|<!-- projections:sections -->", text))
    if ends:
        cut = ends[-1].end()
        text = text[:cut] + "\n\n" + section.rstrip("\n") + text[cut:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n")
