"""Helpers for months written ``YYYY-MM`` and stored as the first day of the month."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(value: str) -> datetime.date:
    """Return the first day of the month written ``YYYY-MM``; refuse anything else."""
    match = _PERIOD_RE.match(value or "")
    if not match:
        raise ValidationError(
            _("A period is written YYYY-MM, for example 2021-11 (got “%(value)s”)."),
            code="period_format",
            params={"value": value},
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise ValidationError(
            _("The year of a period is between 2000 and 2100 (got “%(value)s”)."),
            code="period_year",
            params={"value": value},
        )
    if not 1 <= month <= 12:
        raise ValidationError(
            _("The month of a period is between 01 and 12 (got “%(value)s”)."),
            code="period_month",
            params={"value": value},
        )
    return datetime.date(year, month, 1)


def format_period(day: datetime.date) -> str:
    """Return the ``YYYY-MM`` form of the month holding ``day``."""
    return f"{day.year:04d}-{day.month:02d}"
