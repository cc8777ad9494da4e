"""How numbers are written for people: thousands separators and a fixed number of decimals."""

from decimal import ROUND_HALF_UP, Decimal


def format_number(value, places: int = 2) -> str:
    """Return ``value`` rounded half up to ``places`` decimals with thousands separators.

    Never in exponent notation, whatever the Decimal's exponent: Decimal("2.5E+2") → 250.00.
    """
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"
