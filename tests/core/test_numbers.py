"""core.numbers: the one rounding of money to the cent, and how numbers are written."""

from decimal import Decimal

import pytest

from core.numbers import cents, format_number


def test_cents_restores_a_float_sum_exactly():
    # SQLite sums DecimalFields as floats: 0.1 + 0.2 arrives as 0.30000000000000004.
    assert cents(0.1 + 0.2) == Decimal("0.30")
    assert str(cents(1234567.89 + 0.01)) == "1234567.90"


def test_cents_of_an_empty_sum_is_zero():
    assert cents(None) == Decimal("0.00")
    assert str(cents(None)) == "0.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.125", "0.12"), ("0.135", "0.14"), ("-0.125", "-0.12"), ("7", "7.00")],
)
def test_cents_rounds_half_even(value, expected):
    assert str(cents(Decimal(value))) == expected


def test_format_number_rounds_half_up_with_separators():
    assert format_number(Decimal("1234.125")) == "1,234.13"
    assert format_number(Decimal("2.5E+2")) == "250.00"


def test_cents_of_an_exact_fraction_rounds_half_even_like_a_decimal_would():
    from fractions import Fraction

    assert str(cents(Fraction(100) / 12)) == "8.33"
    assert str(cents(Fraction(6, 1200))) == "0.00"  # 0.005: a tie, to the even cent
    assert str(cents(Fraction(18, 1200))) == "0.02"  # 0.015: a tie, to the even cent
    assert str(cents(Fraction(-1, 3))) == "-0.33"
    assert str(cents(Fraction(0))) == "0.00"
