"""How figures are shown everywhere (pages, bulletin, exports): rounded only here, exactly."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
DASH = "—"
Rate = Fraction | Decimal | float | int


def as_decimal(value: Rate) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def percent_value(rate: Rate | None) -> Decimal | None:
    """Return a rate in percent rounded half up to one decimal (5/6 → 83.3), or None."""
    if rate is None:
        return None
    value = (as_decimal(rate) * 100).quantize(TENTH, rounding=ROUND_HALF_UP)
    return abs(value) if value == 0 else value


def format_percent(rate: Rate | None) -> str:
    """Return a rate as a percentage with one decimal, e.g. 83.3%."""
    value = percent_value(rate)
    return DASH if value is None else f"{value}%"


def format_points(gap: Rate | None) -> str:
    """Return a difference of rates in percentage points with its sign, e.g. -8.3."""
    value = percent_value(gap)
    return DASH if value is None else f"{value:+}" if value else "0.0"


def format_money(value: Decimal | None) -> str:
    """Return an amount of 万元 with two decimals and thousands separators."""
    if value is None:
        return DASH
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,}"
