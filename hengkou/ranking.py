"""The department ranking rules of domain.md, in exact arithmetic, apart from any query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings

ENTERPRISE_METRICS = (
    "output_value",
    "value_added",
    "revenue",
    "profit",
    "tax",
    "employees",
    "wages",
    "electricity",
)
INVESTMENT_METRICS = ("investment", "tech_investment")
METRICS = ENTERPRISE_METRICS + INVESTMENT_METRICS
STOCK_METRICS = ("employees",)

DEFAULT_RANKING_RULES = {
    "lagging_tolerance": "0",
    "lagging_bottom_n": 0,
    "light_yellow_below": "-0.10",
    "light_red_below": "-0.30",
}


@dataclass(frozen=True)
class RankingRules:
    """The configurable thresholds of the ranking (settings.HENGKOU_RANKING)."""

    lagging_tolerance: Fraction
    lagging_bottom_n: int
    light_yellow_below: Fraction
    light_red_below: Fraction

    @classmethod
    def from_settings(cls) -> RankingRules:
        values = {**DEFAULT_RANKING_RULES, **getattr(settings, "HENGKOU_RANKING", {})}
        return cls(
            lagging_tolerance=Fraction(str(values["lagging_tolerance"])),
            lagging_bottom_n=int(values["lagging_bottom_n"] or 0),
            light_yellow_below=Fraction(str(values["light_yellow_below"])),
            light_red_below=Fraction(str(values["light_red_below"])),
        )


@dataclass(frozen=True)
class DepartmentTotals:
    """What the database sums for one department, one metric and one month."""

    department_id: int
    department_code: str
    department_name: str
    members: int
    reported: int
    target: Decimal
    targeted_members: int
    ytd: Decimal
    ytd_targeted: Decimal
    ytd_previous: Decimal


@dataclass(frozen=True)
class RankingRow:
    """One department's line of the ranking."""

    department_id: int
    department_code: str
    department_name: str
    members: int
    reported: int
    target: Decimal
    ytd: Decimal
    ytd_targeted: Decimal
    ytd_previous: Decimal
    completion_rate: Fraction | None
    time_progress: Fraction
    gap: Fraction | None
    yoy_growth: Fraction | None
    completeness: Fraction
    rank: int | None
    lagging: bool
    light: str | None


def time_progress(month: int) -> Fraction:
    """Return the time progress of a month (月/12)."""
    return Fraction(month, 12)


def light_for(gap: Fraction | None, rules: RankingRules) -> str | None:
    """Return green above the yellow threshold, red below the red one, yellow between, inclusive."""
    if gap is None:
        return None
    if gap > rules.light_yellow_below:
        return "green"
    if gap < rules.light_red_below:
        return "red"
    return "yellow"


def rank_departments(
    totals: list[DepartmentTotals], *, month: int, rules: RankingRules | None = None
) -> list[RankingRow]:
    """Rank departments by completion rate, then yoy growth (null last), then department code.

    Departments whose rate is null (no target) come last in code order with a null rank.
    A department is lagging when its rate is below time progress minus the tolerance, or when
    it is among the bottom N ranked departments (off by default).
    """
    rules = rules or RankingRules.from_settings()
    progress = time_progress(month)
    rows = []
    for t in totals:
        rate = Fraction(t.ytd_targeted) / Fraction(t.target) if t.target else None
        yoy = Fraction(t.ytd) / Fraction(t.ytd_previous) - 1 if t.ytd_previous else None
        rows.append((t, rate, yoy))

    ranked = sorted(
        (row for row in rows if row[1] is not None),
        key=lambda row: (
            -row[1],
            row[2] is None,
            -(row[2] if row[2] is not None else 0),
            row[0].department_code,
        ),
    )
    unranked = sorted(
        (row for row in rows if row[1] is None), key=lambda row: row[0].department_code
    )
    bottom = (
        {row[0].department_id for row in ranked[len(ranked) - rules.lagging_bottom_n :]}
        if (rules.lagging_bottom_n > 0)
        else set()
    )

    result = []
    for position, (t, rate, yoy) in enumerate(ranked + unranked, start=1):
        gap = rate - progress if rate is not None else None
        lagging = rate is not None and (
            rate < progress - rules.lagging_tolerance or t.department_id in bottom
        )
        result.append(
            RankingRow(
                department_id=t.department_id,
                department_code=t.department_code,
                department_name=t.department_name,
                members=t.members,
                reported=t.reported,
                target=t.target,
                ytd=t.ytd,
                ytd_targeted=t.ytd_targeted,
                ytd_previous=t.ytd_previous,
                completion_rate=rate,
                time_progress=progress,
                gap=gap,
                yoy_growth=yoy,
                completeness=Fraction(t.reported, t.members) if t.members else Fraction(0),
                rank=position if rate is not None else None,
                lagging=lagging,
                light=light_for(gap, rules),
            )
        )
    return result


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """Return the first day of the year and the first day of ``month`` in it."""
    return datetime.date(year, 1, 1), datetime.date(year, month, 1)
