"""Months as the site writes them: a month is its first day; a month that has not begun is refused.

Dates are in Asia/Shanghai (``TIME_ZONE``): a month begins at midnight on its first day there.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def current_month(today: datetime.date | None = None) -> datetime.date:
    """Return the first day of the month of ``today`` (by default today in Asia/Shanghai)."""
    return (today or timezone.localdate()).replace(day=1)


def check_month_begun(period: datetime.date, *, today: datetime.date | None = None) -> None:
    """Raise ValidationError (code ``future_month``) for a month after the current one."""
    if period.replace(day=1) > current_month(today):
        raise ValidationError(
            _("The month %(period)s has not begun yet."),
            code="future_month",
            params={"period": f"{period:%Y-%m}"},
        )
