"""The zone's figures of a month (the statistics the article quotes) and the monthly trend."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import (
    Q,
    Sum,
)

from core.figures_cache import cached_figures
from core.indicators import growth
from core.numbers import cents
from enterprises.choices import TitleKind
from enterprises.models import (
    DepartmentYtd,
    EnterpriseTitle,
    MonthlyYtd,
)
from projects.choices import ProjectKind
from projects.models import ProjectPlan, ProjectReport

from ..ranking import ENTERPRISE_METRICS, STOCK_METRICS
from .ranking import ZERO, last_year, month_window, sum_when


@dataclass(frozen=True)
class ZoneStats:
    """The zone's figures for a month (the ones the article quotes).

    Stored as they are in each bulletin (hengkou/bulletin/issue.py): the fields stay.
    """

    year: int
    month: int
    enterprises: int
    above_scale_enterprises: int
    above_scale_output: Decimal
    above_scale_output_previous: Decimal
    investment: Decimal
    investment_previous: Decimal
    tech_investment: Decimal
    tech_investment_previous: Decimal

    @property
    def above_scale_output_yoy(self) -> Fraction | None:
        return growth(self.above_scale_output, self.above_scale_output_previous)

    @property
    def investment_yoy(self) -> Fraction | None:
        return growth(self.investment, self.investment_previous)

    @property
    def tech_investment_yoy(self) -> Fraction | None:
        return growth(self.tech_investment, self.tech_investment_previous)


@cached_figures("zone-stats")
def get_zone_stats(*, period: datetime.date) -> ZoneStats:
    """Return the zone statistics of domain.md for a month, kept in the figures cache.

    Above-scale output sums the year-to-date output of the enterprises above scale in the
    month's year, and its growth compares the same enterprises' figures a year earlier;
    investment sums every project's reports, tech-renovation investment those of renovation
    projects. Four queries.
    """
    year = period.year
    current, previous, _ = month_window(period=period, metric="output_value")
    # One assignment per enterprise and year: the sponsored enterprises are the departments'
    # members, summed from their 500 rows rather than counted from 20,000 assignments.
    enterprises = DepartmentYtd.objects.filter(period=period).aggregate(n=Sum("members"))["n"] or 0
    above_scale = EnterpriseTitle.objects.filter(title=TitleKind.ABOVE_SCALE, year=year)
    # The rollup holds each enterprise's year to date: one row per enterprise and side.
    previous_period = last_year(period)
    output = MonthlyYtd.objects.filter(
        enterprise__in=above_scale.values("enterprise"), period__in=[period, previous_period]
    ).aggregate(
        current=Sum("output_value", filter=Q(period=period)),
        previous=Sum("output_value", filter=Q(period=previous_period)),
    )
    renovation = Q(project__kind=ProjectKind.RENOVATION)
    investment = ProjectReport.objects.filter(current | previous).aggregate(
        current=sum_when(current, "investment"),
        previous=sum_when(previous, "investment"),
        tech_current=sum_when(current & renovation, "investment"),
        tech_previous=sum_when(previous & renovation, "investment"),
    )
    return ZoneStats(
        year=year,
        month=period.month,
        enterprises=enterprises,
        above_scale_enterprises=above_scale.count(),
        above_scale_output=cents(output["current"]),
        above_scale_output_previous=cents(output["previous"]),
        investment=cents(investment["current"]),
        investment_previous=cents(investment["previous"]),
        tech_investment=cents(investment["tech_current"]),
        tech_investment_previous=cents(investment["tech_previous"]),
    )


@dataclass(frozen=True)
class TrendPoint:
    """The zone's total of a metric in one month of a year and of the year before."""

    month: int
    value: Decimal | None  # None: no member has reported the month yet (a month to come)
    previous: Decimal


@cached_figures("trend")
def list_monthly_trend(*, year: int, metric: str) -> list[TrendPoint]:
    """Return the sponsored members' monthly totals of a metric for each month, with last year.

    Kept in the figures cache until the next write.

    Members are those of ``year`` (assignments, or project plans for the investment metrics),
    the same on both sides. One query.
    """
    if metric in ENTERPRISE_METRICS:
        return _trend_from_department_totals(year=year, metric=metric)
    plans = ProjectPlan.objects.filter(year=year)
    if metric == "tech_investment":
        plans = plans.filter(project__kind=ProjectKind.RENOVATION)
    rows = ProjectReport.objects.filter(
        project__in=plans.values("project"),
        period__gte=datetime.date(year - 1, 1, 1),
        period__lte=datetime.date(year, 12, 1),
    )
    totals = {
        row["period"]: row["total"]
        for row in rows.values("period").annotate(total=Sum("investment")).order_by()
    }
    return [
        TrendPoint(
            month=month,
            value=_or_none(totals.get(datetime.date(year, month, 1))),
            previous=cents(totals.get(datetime.date(year - 1, month, 1))),
        )
        for month in range(1, 13)
    ]


def _or_none(total) -> Decimal | None:
    return None if total is None else cents(total)


def _trend_from_department_totals(*, year: int, metric: str) -> list[TrendPoint]:
    # The departments' year-to-date totals (DepartmentYtd) summed per month: a month's own
    # figure is the difference of two consecutive months' year to date (a flow), or the
    # month's value itself (a stock: employees). Twelve rows, whatever the number of members.
    sums = {
        row["period"].month: row
        for row in DepartmentYtd.objects.filter(
            period__gte=datetime.date(year, 1, 1), period__lte=datetime.date(year, 12, 1)
        )
        .values("period")
        .annotate(
            ytd=Sum(f"ytd_{metric}"),
            previous=Sum(f"ytd_previous_{metric}"),
            reported=Sum("reported"),
        )
        .order_by()
    }
    stock = metric in STOCK_METRICS
    points, before = [], (ZERO, ZERO)
    for month in range(1, 13):
        found = sums.get(month, {})
        ytd, previous = cents(found.get("ytd")), cents(found.get("previous"))
        points.append(
            TrendPoint(
                month=month,
                # A month no member has reported yet (December, before its reports) is no
                # point of the line: its carried year to date would draw a month of zero.
                value=(ytd if stock else ytd - before[0]) if found.get("reported") else None,
                previous=previous if stock else previous - before[1],
            )
        )
        before = (ytd, previous)
    return points
