"""core.indicators: time progress and what it asks of a target, exact."""

from decimal import Decimal
from fractions import Fraction

from core.indicators import due_by, gap, shortfall


def test_due_by_is_the_target_times_time_progress_exactly():
    assert due_by(Decimal("1200"), 11) == 1100
    assert due_by(Decimal("100.00"), 1) == Fraction(25, 3)
    assert due_by(Decimal("0"), 7) == 0


def test_shortfall_is_what_is_due_minus_what_is_done():
    assert shortfall(Decimal("1000"), Decimal("1200"), 11) == 100
    assert shortfall(Decimal("1200"), Decimal("1200"), 11) == -100
    assert shortfall(Decimal("1"), None, 11) is None


def test_gap_is_the_rate_minus_time_progress_or_none():
    assert gap(Fraction(1, 2), 6) == 0
    assert gap(None, 6) is None


def test_what_is_due_rounds_to_the_cents_the_decimal_plan_line_gave():
    """The plan line of a project (planned × m / 12 in Decimal, to the cent) is unchanged."""
    import random

    from core.numbers import CENT, cents

    rng = random.Random(18)
    amounts = [Decimal(rng.randrange(0, 10**14)) / 100 for _ in range(2000)]
    amounts += [Decimal("0.06"), Decimal("0.18"), Decimal("99999999999999.99")]
    for planned in amounts:
        for month in range(1, 13):
            assert cents(due_by(planned, month)) == (planned * month / 12).quantize(CENT)
