"""Exact money and how numbers are written for people: cents, thousands separators, decimals."""

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    """Return a database sum, or an exact Fraction, as a Decimal in cents, rounded half-even.

    SQLite sums decimals as floats; rounding to the cent restores the exact value, which the
    rational comparisons of the rankings rely on. None (a sum over no rows) is zero.
    """
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_EVEN)


def format_number(value, places: int = 2) -> str:
    """Return ``value`` rounded half up to ``places`` decimals with thousands separators.

    Never in exponent notation, whatever the Decimal's exponent: Decimal("2.5E+2") → 250.00.
    """
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"
