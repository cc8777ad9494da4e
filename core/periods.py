"""Months as the site writes them: a month is its first day; a month that has not begun is refused.

Also the period a page opens on when the user chose none: the latest one with data.

Dates are in Asia/Shanghai (``TIME_ZONE``): a month begins at midnight on its first day there.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

P = TypeVar("P", datetime.date, int)


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


def check_date_begun(day: datetime.date, *, today: datetime.date | None = None) -> None:
    """Raise ValidationError (code ``future_date``) for a day after today (Asia/Shanghai).

    Also a model field's validator, so that the admin, the pages, the imports and the API all
    refuse a record dated in the future.
    """
    if day > (today or timezone.localdate()):
        raise ValidationError(_("A date cannot be in the future."), code="future_date")


def check_year_begun(year: int, *, today: datetime.date | None = None) -> None:
    """Raise ValidationError (code ``future_year``) for a year after the current one.

    The current year counts as begun. Also a model field's validator, like ``check_date_begun``.
    """
    if year > (today or timezone.localdate()).year:
        raise ValidationError(
            _("The year %(year)s has not begun yet."), code="future_year", params={"year": year}
        )


# --- the period a page opens on -------------------------------------------------------------------


@dataclass(frozen=True)
class DefaultPeriod(Generic[P]):
    """The period a page opens on when the user chose none, and the current period.

    ``value`` is the latest period with data, never after ``current``; ``current`` when there
    is no data at all. A month is its first day, a year a number.
    """

    value: P
    current: P

    @property
    def fell_back(self) -> bool:
        """Return whether the page opens on an earlier period than the current one."""
        return self.value != self.current

    @property
    def note(self) -> str:
        """Return the line that says the page fell back to an earlier period ("" when not)."""
        if not self.fell_back:
            return ""
        if isinstance(self.value, datetime.date):
            return gettext("Showing the latest month with data: %(period)s.") % {
                "period": f"{self.value:%Y-%m}"
            }
        return gettext("Showing the latest year with data: %(year)s.") % {"year": self.value}


def _latest(queryset: QuerySet, field: str, *, upto: Any) -> Any:
    """Return the largest ``field`` of ``queryset`` not after ``upto``, or None; one query."""
    return (
        queryset.filter(**{f"{field}__lte": upto})
        .prefetch_related(None)
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )


def default_month(queryset: QuerySet, field: str, *, today: datetime.date) -> DefaultPeriod:
    """Return the latest month holding a row of ``queryset`` (``field``: a date), else this month.

    A date after ``today`` does not count: a page never opens on a month that has not begun.
    """
    current = current_month(today)
    latest = _latest(queryset, field, upto=today)
    return DefaultPeriod(value=latest.replace(day=1) if latest else current, current=current)


def default_year(queryset: QuerySet, field: str, *, current: int) -> DefaultPeriod:
    """Return the latest year up to ``current`` holding a row of ``queryset``, else ``current``.

    ``field`` is a year (a number) or a date.
    """
    if isinstance(queryset.model._meta.get_field(field), models.DateField):
        latest = _latest(queryset, field, upto=datetime.date(current, 12, 31))
        latest = latest.year if latest else None
    else:
        latest = _latest(queryset, field, upto=current)
    return DefaultPeriod(value=latest or current, current=current)


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


def report_deadline(*, period: datetime.date) -> datetime.date:
    """Return the day by which a month's figures are due (day N of the next month, N = 5)."""
    due_day = getattr(settings, "HENGKOU_REPORT_DUE_DAY", 5)
    if period.month == 12:
        return datetime.date(period.year + 1, 1, due_day)
    return datetime.date(period.year, period.month + 1, due_day)


def on_time_cutoff(*, period: datetime.date) -> datetime.datetime:
    """Return the first instant after a month's report deadline (end of its day, local time).

    A report first submitted before it is on time.
    """
    deadline = report_deadline(period=period)
    return timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min)
    )


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of calendar quarter ``quarter`` (1–4) of ``year``."""
    start = datetime.date(year, quarter * 3 - 2, 1)
    following = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, quarter * 3 + 1, 1)
    )
    return start, following - datetime.timedelta(days=1)
