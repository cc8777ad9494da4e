"""Reads of the site, one module per subject.

``ranking`` (each department's totals and the ranking of a month), ``zone`` (the zone's
statistics and the monthly trend), ``completeness`` (who has reported), ``defaults`` (the period
a page opens on) and ``notices`` are the reads spanning both apps; their names are offered here
too. ``dashboard``, ``drilldown`` (with ``members``, the figures it sums) and ``assessment``
assemble what their pages show, and ``projections`` the year-end projections; import them from
their modules.
"""

from .completeness import (
    CompletenessBoard,
    DepartmentCompleteness,
    get_completeness_board,
    report_deadline,
)
from .defaults import (
    get_assessment_default_year,
    get_dashboard_default_month,
    get_inspection_default_year,
    get_overview_default_year,
    year_under_review,
)
from .notices import list_notices
from .ranking import (
    PeriodRanking,
    get_period_ranking,
    list_department_rankings,
    list_department_totals,
)
from .zone import TrendPoint, ZoneStats, get_zone_stats, list_monthly_trend

__all__ = [
    "CompletenessBoard",
    "DepartmentCompleteness",
    "PeriodRanking",
    "TrendPoint",
    "ZoneStats",
    "get_assessment_default_year",
    "get_completeness_board",
    "get_dashboard_default_month",
    "get_inspection_default_year",
    "get_overview_default_year",
    "get_period_ranking",
    "get_zone_stats",
    "list_department_rankings",
    "list_department_totals",
    "list_monthly_trend",
    "list_notices",
    "report_deadline",
    "year_under_review",
]
