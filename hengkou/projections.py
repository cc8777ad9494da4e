"""The year-end projection rules of domain.md (预计全年完成情况), in exact arithmetic.

For a department (or the zone), a metric and month m of year y:

- the seasonal share ``share(m)`` is the mean, over the earlier years with data, of the
  members' figure by month m over their year-end figure (for a flow, YTD(m) / YTD(12); for a
  stock such as employees, the month-m value / the December value). The members are this year's
  (同口径): the enterprises or projects that are the department's members in year y, with their
  figures of the earlier years whatever department they belonged to then; a member new this year
  has no earlier figures and weighs in no year. An earlier year counts ("with data") when both
  its figure by month m and its year-end figure are above 0; at most ``HISTORY_YEARS`` earlier
  years are read.
- with no such year, the share is flat: m / 12 for a flow (the naive projection ytd × 12 / m),
  1 for a stock (the year ends where month m is).
- projected year-end = ytd(m) / share(m); projected completion rate = the members with a target's
  projected year-end (``ytd_targeted / share``) over their targets, as the ranking's rate is
  ``ytd_targeted / target``; null without a target.
- ``will_miss``: from month ``FLAG_FROM_MONTH`` (3) on, the projected completion rate is below
  1 (exactly: ytd_targeted < share × target). Before month 3 nothing is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from core.numbers import cents

from .choices import RankedMetric
from .formats import display_places
from .ranking import STOCK_METRICS

HISTORY_YEARS = 5
FLAG_FROM_MONTH = 3
SEASONAL, FLAT = "seasonal", "flat"


def flat_share(*, month: int, metric: str) -> Fraction:
    """Return the share of the year-end reached by month m with no seasonal pattern."""
    return Fraction(1) if metric in STOCK_METRICS else Fraction(month, 12)


def share_ratio(
    history: Iterable[tuple[Decimal | int, Decimal | int]], *, month: int, metric: str
) -> tuple[int, int, int]:
    """Return ``seasonal_share`` as a numerator, a denominator (not reduced) and the years.

    The same exact value in plain integers: what ranks hundreds of departments without building
    a Fraction for each (``selectors.projections``). The figures may be Decimals or integers
    (cents): only their ratios count.
    """
    # The exact mean of the ratios, summed in integers and reduced once: Fraction arithmetic
    # reduces at every step, and a zone has hundreds of departments.
    numerator, denominator, years = 0, 1, 0
    for by_month, year_end in history:
        if by_month > 0 and year_end > 0:
            top, top_unit = by_month.as_integer_ratio()
            bottom, bottom_unit = year_end.as_integer_ratio()
            ratio, unit = top * bottom_unit, top_unit * bottom
            numerator, denominator = numerator * unit + ratio * denominator, denominator * unit
            years += 1
    if not years:
        flat = flat_share(month=month, metric=metric)
        return flat.numerator, flat.denominator, 0
    return numerator, denominator * years, years


def seasonal_share(
    history: Iterable[tuple[Decimal | int, Decimal | int]], *, month: int, metric: str
) -> tuple[Fraction, int]:
    """Return the mean share of the year-end reached by month m, and the years it is over.

    ``history`` holds one (figure by month m, year-end figure) pair per earlier year; a year
    counts when both are above 0. Without such a year, the flat share and 0 years.
    """
    numerator, denominator, years = share_ratio(history, month=month, metric=metric)
    return Fraction(numerator, denominator), years


@dataclass(frozen=True)
class Projection:
    """One department's (or the zone's, ``department_id`` None) projected year-end.

    ``share`` is the seasonal share used (``method`` "seasonal", over ``history_years`` earlier
    years) or the flat one (``method`` "flat"); every figure beside it can be checked:
    projected = ytd / share, projected rate = ytd_targeted / share / target.
    """

    department_id: int | None
    department_code: str
    department_name: str
    metric: str
    month: int
    members: int
    target: Decimal
    ytd: Decimal
    ytd_targeted: Decimal
    share: Fraction
    history_years: int
    method: str
    projected: Fraction
    projected_targeted: Fraction
    projected_rate: Fraction | None
    will_miss: bool

    @property
    def is_zone(self) -> bool:
        return self.department_id is None

    @property
    def metric_label(self) -> str:
        return str(RankedMetric(self.metric).label)

    @property
    def flagged(self) -> bool:
        """Return whether the flag is reported for this month (from month 3 on)."""
        return self.month >= FLAG_FROM_MONTH

    @property
    def projected_amount(self) -> Decimal:
        """Return the projected year-end of every member, in cents."""
        return cents(self.projected)

    @property
    def projected_targeted_amount(self) -> Decimal:
        """Return the projected year-end of the members with a target, in cents."""
        return cents(self.projected_targeted)

    @property
    def shortfall(self) -> Fraction | None:
        """Return the projected year-end shortfall against the target (< 0: above it)."""
        if self.projected_rate is None:
            return None
        return Fraction(self.target) - self.projected_targeted

    @property
    def places(self) -> int:
        """Return the decimals at which the projected rate never reads as 100% while not."""
        return display_places(self.projected_rate, Fraction(1))


def project(
    *,
    department_id: int | None,
    department_code: str,
    department_name: str,
    month: int,
    metric: str,
    members: int,
    target: Decimal,
    ytd: Decimal,
    ytd_targeted: Decimal,
    history: Iterable[tuple[Decimal, Decimal]],
) -> Projection:
    """Return the projected year-end of a department's (or the zone's) year to date."""
    share, years = seasonal_share(history, month=month, metric=metric)
    projected = Fraction(ytd) / share
    projected_targeted = Fraction(ytd_targeted) / share
    rate = projected_targeted / Fraction(target) if target else None
    return Projection(
        department_id=department_id,
        department_code=department_code,
        department_name=department_name,
        metric=metric,
        month=month,
        members=members,
        target=target,
        ytd=ytd,
        ytd_targeted=ytd_targeted,
        share=share,
        history_years=years,
        method=SEASONAL if years else FLAT,
        projected=projected,
        projected_targeted=projected_targeted,
        projected_rate=rate,
        will_miss=month >= FLAG_FROM_MONTH and rate is not None and rate < 1,
    )


def rate_ratio(
    *, ytd_targeted: Decimal, target: Decimal, share: tuple[int, int]
) -> tuple[int, int] | None:
    """Return the projected rate ``ytd_targeted / share / target`` as (numerator, denominator).

    The denominator is positive and the pair not reduced; None without a target. The same
    value as ``project``'s ``projected_rate``, without a Fraction (``share`` as from
    ``share_ratio``).
    """
    if not target:
        return None
    top, top_unit = ytd_targeted.as_integer_ratio()
    bottom, bottom_unit = target.as_integer_ratio()
    numerator = top * share[1] * bottom_unit
    denominator = top_unit * share[0] * bottom
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    return numerator, denominator


def misses(*, month: int, rate: tuple[int, int] | None) -> bool:
    """Return ``project``'s ``will_miss`` from a ``rate_ratio``."""
    return month >= FLAG_FROM_MONTH and rate is not None and rate[0] < rate[1]
