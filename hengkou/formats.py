"""How figures are shown everywhere (pages, bulletin, exports): rounded only here, exactly."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from core.indicators import LightRules
from core.numbers import format_number

DASH = "—"
Rate = Fraction | Decimal | float | int


def as_decimal(value: Rate) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


MAX_PLACES = 6


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def as_fraction(value: Rate) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(str(value))


def percent_value(rate: Rate | None, places: int = 1) -> Decimal | None:
    """Return a rate in percent rounded half up to ``places`` decimals (5/6 → 83.3), or None."""
    if rate is None:
        return None
    value = (as_decimal(rate) * 100).quantize(_quantum(places), rounding=ROUND_HALF_UP)
    return abs(value) if value == 0 else value


def display_places(rate: Rate | None, progress: Rate) -> int:
    """Return the decimals (of a percentage) at which a rate and its time progress read true.

    One decimal, unless rounding would contradict the row: the rate printing as its time
    progress, or the gap as zero, while it is not exactly on it; or the gap printing as a light's
    threshold (−10.0 beside a red light, when −10.0 itself is yellow) while it is not exactly on
    it. Then as many decimals as tell them apart (at most six). Rounding is monotone, so once
    two values print apart they print in the right order.
    """
    if rate is None:
        return 1
    rate, progress = as_fraction(rate), as_fraction(progress)
    gap = rate - progress
    lights = LightRules.from_settings()
    thresholds = (Fraction(0), lights.green_from, lights.red_below)

    def misleading(places: int) -> bool:
        # The rate against each boundary (time progress, and where each light begins), and the
        # gap against each threshold: printed equal while not equal misleads the reader.
        rate_printed, gap_printed = percent_value(rate, places), percent_value(gap, places)
        return any(
            (rate != progress + t and rate_printed == percent_value(progress + t, places))
            or (gap != t and gap_printed == percent_value(t, places))
            for t in thresholds
        )

    for places in range(1, MAX_PLACES + 1):
        if not misleading(places):
            return places
    return MAX_PLACES


def format_percent(rate: Rate | None, places: int = 1) -> str:
    """Return a rate as a percentage with one decimal (or ``places``), e.g. 83.3%."""
    value = percent_value(rate, places)
    return DASH if value is None else f"{value}%"


def format_points(gap: Rate | None, places: int = 1) -> str:
    """Return a difference of rates in percentage points with its sign, e.g. -8.3."""
    value = percent_value(gap, places)
    if value is None:
        return DASH
    return f"{value:+}" if value else f"{value}"


def format_money(value: Decimal | None) -> str:
    """Return an amount of 万元 with two decimals and thousands separators."""
    return DASH if value is None else format_number(value, 2)
