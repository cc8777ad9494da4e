"""Indicators against time progress (时序进度): the rules of domain.md, in exact arithmetic.

One home for time progress, the completion rate, the gap and the red/yellow/green light, used by
the department ranking and by the projects' board alike. Comparisons are made on fractions, so a
rate that prints as 100.0% but sits below time progress is still behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings

GREEN, YELLOW, RED = "green", "yellow", "red"

# The shipped defaults of settings.HENGKOU_RANKING; each key's side of its boundary is stated in
# LightRules and RankingRules below.
DEFAULT_RANKING_RULES = {
    "lagging_tolerance": "0",
    "lagging_bottom_n": 0,
    "light_green_from": "0",
    "light_red_below": "-0.10",
}


def ranking_settings() -> dict:
    """Return settings.HENGKOU_RANKING over the shipped defaults."""
    return {**DEFAULT_RANKING_RULES, **getattr(settings, "HENGKOU_RANKING", {})}


@dataclass(frozen=True)
class LightRules:
    """The light thresholds on the gap (completion rate − time progress).

    ``green_from`` (``light_green_from``, default 0): green when gap ≥ green_from; the boundary
    itself is green (on time progress is on track).
    ``red_below`` (``light_red_below``, default −0.10): red when gap < red_below; the boundary
    itself is yellow (behind by exactly ten points is still yellow).
    Yellow in between: red_below ≤ gap < green_from.
    """

    green_from: Fraction = Fraction(0)
    red_below: Fraction = Fraction(-1, 10)

    @classmethod
    def from_settings(cls) -> LightRules:
        values = ranking_settings()
        return cls(
            green_from=Fraction(str(values["light_green_from"])),
            red_below=Fraction(str(values["light_red_below"])),
        )


def time_progress(month: int) -> Fraction:
    """Return the time progress of a month (月/12)."""
    return Fraction(month, 12)


def due_by(target: Decimal | Fraction, month: int) -> Fraction:
    """Return what time progress asks of ``target`` by month m: target × m / 12, exact."""
    return Fraction(target) * time_progress(month)


def completion_rate(done: Decimal, target: Decimal) -> Fraction | None:
    """Return done / target exactly, or None when there is no target (or it is 0)."""
    if not target:
        return None
    return Fraction(done) / Fraction(target)


def gap(rate: Fraction | None, month: int) -> Fraction | None:
    """Return the completion rate minus time progress, or None without a rate."""
    return None if rate is None else rate - time_progress(month)


def growth(current: Decimal | Fraction, previous: Decimal | Fraction) -> Fraction | None:
    """Return the year-on-year growth current / previous − 1 exactly, or None without a previous
    figure (none, or 0)."""
    return Fraction(current) / Fraction(previous) - 1 if previous else None


def completeness(reported: int, members: int) -> Fraction:
    """Return the share of members that reported the month (0 without members)."""
    return Fraction(reported, members) if members else Fraction(0)


def light_for(gap: Fraction | None, rules: LightRules | None = None) -> str | None:
    """Return green when gap ≥ green_from, red when gap < red_below, else yellow (None: no gap)."""
    if gap is None:
        return None
    rules = rules or LightRules.from_settings()
    if gap >= rules.green_from:
        return GREEN
    if gap < rules.red_below:
        return RED
    return YELLOW


def shortfall(done: Decimal, target: Decimal | None, month: int) -> Fraction | None:
    """Return how far ``done`` is behind time progress: target × m / 12 − done (< 0: ahead)."""
    if target is None:
        return None
    return due_by(target, month) - Fraction(done)
