"""The period each page opens on when none is asked for."""

from __future__ import annotations

import datetime

from core.periods import DefaultPeriod, default_month, default_year
from enterprises.models import (
    MonthlyReport,
    Target,
)


def year_under_review(today: datetime.date) -> int:
    """Return the year a year-end page is about: this year from December on, else the last."""
    return today.year if today.month == 12 else today.year - 1


def get_dashboard_default_month(*, today: datetime.date) -> DefaultPeriod:
    """Return the month the dashboard opens on: the latest with a monthly report, up to now."""
    return default_month(MonthlyReport.objects.all(), "period", today=today)


def get_assessment_default_year(*, today: datetime.date) -> DefaultPeriod:
    """Return the year the assessment opens on: the latest with targets, up to the one reviewed.

    The completion parts of the assessment need targets; a year without any ranks nobody.
    """
    return default_year(Target.objects.all(), "year", current=year_under_review(today))


def get_overview_default_year(*, today: datetime.date) -> DefaultPeriod:
    """Return the year the zone overview opens on: the latest with figures, to the reviewed one."""
    return default_year(MonthlyReport.objects.all(), "period", current=year_under_review(today))


def get_inspection_default_year(*, inspections, today: datetime.date) -> DefaultPeriod:
    """Return the year the inspections page opens on: the latest with an inspection, else now.

    ``inspections`` are the ones the user may see.
    """
    return default_year(inspections, "year", current=today.year)
