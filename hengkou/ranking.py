"""The department ranking rules of domain.md, in exact arithmetic, apart from any query."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from core import indicators
from core.indicators import (
    LightRules,
    completion_rate,
    light_for,
    ranking_settings,
    time_progress,
)

from .formats import display_places

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


@dataclass(frozen=True)
class RankingRules:
    """The configurable rules of the ranking (settings.HENGKOU_RANKING).

    ``lagging_tolerance`` (default 0): lagging when rate < time progress − tolerance; a rate
    exactly at that bound is not lagging.
    ``lagging_bottom_n`` (default 0, off): the last N ranked departments are lagging too.
    ``lights``: the light thresholds (``light_green_from``, ``light_red_below``; see LightRules).
    """

    lagging_tolerance: Fraction
    lagging_bottom_n: int
    lights: LightRules

    @classmethod
    def from_settings(cls) -> RankingRules:
        values = ranking_settings()
        return cls(
            lagging_tolerance=Fraction(str(values["lagging_tolerance"])),
            lagging_bottom_n=int(values["lagging_bottom_n"] or 0),
            lights=LightRules.from_settings(),
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
    """One department's line of the ranking.

    The rate is ``ytd_targeted / target``: the year to date of the members that have a target
    over their targets. ``ytd`` sums every member and is what the 同口径 growth compares with
    ``ytd_previous``; the members without a target account for the difference.
    """

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
    targeted_members: int | None = None  # unknown for snapshots taken before it was stored

    @property
    def untargeted_members(self) -> int | None:
        """Return how many members have no target (left out of the rate)."""
        return None if self.targeted_members is None else self.members - self.targeted_members

    @property
    def ytd_untargeted(self) -> Decimal:
        """Return the year to date of the members without a target."""
        return self.ytd - self.ytd_targeted

    @property
    def places(self) -> int:
        """Return the decimals a percentage of this row needs so that none contradicts its flags.

        One decimal, or more when the rate would print as its time progress (or the gap as 0.0)
        while it is not exactly on it: 99.996% and -0.004 rather than 100.0% and 0.0.
        """
        return display_places(self.completion_rate, self.time_progress)


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
    ranked, unranked = _order(totals)
    bottom = (
        {t.department_id for t, _rate, _yoy in ranked[len(ranked) - rules.lagging_bottom_n :]}
        if rules.lagging_bottom_n > 0
        else set()
    )
    result = []
    for position, (t, rate, yoy) in enumerate(ranked + unranked, start=1):
        gap = indicators.gap(rate, month)
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
                completeness=indicators.completeness(t.reported, t.members),
                rank=position if rate is not None else None,
                lagging=lagging,
                light=light_for(gap, rules.lights),
                targeted_members=t.targeted_members,
            )
        )
    return result


Rated = tuple[DepartmentTotals, Fraction | None, Fraction | None]


def _order(totals: list[DepartmentTotals]) -> tuple[list[Rated], list[Rated]]:
    """Return the departments with a rate in ranking order, and those without one by code."""
    rows = [
        (t, completion_rate(t.ytd_targeted, t.target), indicators.growth(t.ytd, t.ytd_previous))
        for t in totals
    ]
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
    return ranked, unranked
