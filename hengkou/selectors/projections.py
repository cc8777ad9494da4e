"""Year-end projections of a month (预计全年完成情况): each department's and the zone's."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.figures_cache import cached_figures
from core.numbers import cents
from enterprises.models import DepartmentYtd, MonthlyYtd
from projects.choices import ProjectKind
from projects.models import ProjectReport

from ..models import ProjectionHistory
from ..projections import HISTORY_YEARS, Projection, project
from ..ranking import ENTERPRISE_METRICS, METRICS, RankingRow
from .ranking import SUM_FIELD, get_period_ranking, sum_when

# department id -> earlier year -> [figure by month m, year-end figure]
History = dict[int, dict[int, list[Decimal]]]


@dataclass(frozen=True)
class MonthProjections:
    """The projections of a metric for a month: the zone's, then each department's."""

    period: datetime.date
    metric: str
    zone: Projection
    departments: Sequence[Projection]

    @property
    def month(self) -> int:
        return self.period.month

    @property
    def missing(self) -> list[Projection]:
        """Return the departments projected to miss their target, lowest projected rate first."""
        return sorted(
            (row for row in self.departments if row.will_miss),
            key=lambda row: (row.projected_rate, row.department_code),
        )


@cached_figures("projection_history")
def get_projection_history(
    *, period: datetime.date, metric: str, department_id: int | None = None
) -> History:
    """Return this year's members' figures of the earlier years, by department and year.

    For each department of ``period``'s year (or only ``department_id``) and each of the
    ``HISTORY_YEARS`` earlier years, the figure of its year-``y`` members by the month of
    ``period`` and at the year's end (同口径: this year's members, whatever department they had
    then). Every department's, for an enterprise metric, is kept (ProjectionHistory) with the
    fingerprint of the department totals it depends on: two queries while nothing changed, the
    sum of every member's earlier years (hundreds of milliseconds at 20,000 enterprises) once
    after a write.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}")
    if department_id is not None or metric not in ENTERPRISE_METRICS:
        return _compute_history(period=period, metric=metric, department_id=department_id)
    fingerprint = _history_fingerprint(period)
    stored = (
        ProjectionHistory.objects.filter(period=period, metric=metric)
        .values_list("fingerprint", "history")
        .first()
    )
    if stored is not None and stored[0] == fingerprint:
        return _decode_history(stored[1])
    history = _compute_history(period=period, metric=metric)
    values = {"fingerprint": fingerprint, "history": _encode_history(history)}
    if stored is not None:
        ProjectionHistory.objects.filter(period=period, metric=metric).update(**values)
    else:
        # Two first readers may race: the second's row is the same, and is dropped.
        ProjectionHistory.objects.bulk_create(
            [ProjectionHistory(period=period, metric=metric, **values)], ignore_conflicts=True
        )
    return history


def _history_fingerprint(period: datetime.date) -> str:
    # This year's members and figures rewrite the month's department totals; any figure of an
    # earlier year rewrites that year's December totals (its YTD runs to December).
    decembers = [datetime.date(year, 12, 1) for year in _earlier_years(period)]
    found = DepartmentYtd.objects.filter(period__in=[period, *decembers]).aggregate(
        n=Count("id"), s=Sum("stamp")
    )
    return f"{found['n']}:{found['s'] or 0}"


def _earlier_years(period: datetime.date) -> range:
    return range(period.year - HISTORY_YEARS, period.year)


def _encode_history(history: History) -> dict:
    return {
        str(department): {str(year): [str(value) for value in pair] for year, pair in years.items()}
        for department, years in history.items()
    }


def _decode_history(stored: dict) -> History:
    return {
        int(department): {
            int(year): [Decimal(value) for value in pair] for year, pair in years.items()
        }
        for department, years in stored.items()
    }


def _compute_history(
    *, period: datetime.date, metric: str, department_id: int | None = None
) -> History:
    year, month = period.year, period.month
    years = _earlier_years(period)
    history: History = defaultdict(dict)
    if metric in ENTERPRISE_METRICS:
        # The rollup holds each enterprise's YTD (employees: the month's value) at every month.
        dates = [datetime.date(y, m, 1) for y in years for m in {month, 12}]
        members = {"enterprise__assignments__year": year}
        if department_id is not None:
            members["enterprise__assignments__department"] = department_id
        rows = (
            MonthlyYtd.objects.filter(period__in=dates, **members)
            .values("enterprise__assignments__department", "period")
            .annotate(total=Sum(metric, output_field=SUM_FIELD))
            .order_by()
        )
        for row in rows:
            pair = history[row["enterprise__assignments__department"]].setdefault(
                row["period"].year, [Decimal(0), Decimal(0)]
            )
            if row["period"].month == month:
                pair[0] = cents(row["total"])
            if row["period"].month == 12:
                pair[1] = cents(row["total"])
        return dict(history)
    plans = {"project__plans__year": year}
    if department_id is not None:
        plans["project__plans__department"] = department_id
    reports = ProjectReport.objects.filter(
        **plans,
        period__gte=datetime.date(years[0], 1, 1),
        period__lt=datetime.date(year, 1, 1),
    )
    if metric == "tech_investment":
        reports = reports.filter(project__kind=ProjectKind.RENOVATION)
    rows = (
        reports.values("project__plans__department", "period__year")
        .annotate(
            by_month=sum_when(Q(period__month__lte=month), "investment"),
            year_end=Sum("investment", output_field=SUM_FIELD),
        )
        .order_by()
    )
    for row in rows:
        history[row["project__plans__department"]][row["period__year"]] = [
            cents(row["by_month"]),
            cents(row["year_end"]),
        ]
    return dict(history)


def project_rows(
    *, period: datetime.date, metric: str, rows: Sequence[RankingRow], history: History
) -> MonthProjections:
    """Return the projections of the ranking's ``rows`` with their members' ``history``.

    The zone's is over every department's members: its ytd and target are the departments'
    sums, its seasonal share that of their summed history (one member, one department a year).
    """
    month = period.month
    departments = []
    zone_history: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    members = 0
    target = ytd = ytd_targeted = Decimal(0)
    for row in rows:
        years = history.get(row.department_id, {})
        for year, (by_month, year_end) in years.items():
            zone_history[year][0] += by_month
            zone_history[year][1] += year_end
        members += row.members
        target += row.target
        ytd += row.ytd
        ytd_targeted += row.ytd_targeted
        departments.append(
            project(
                department_id=row.department_id,
                department_code=row.department_code,
                department_name=row.department_name,
                month=month,
                metric=metric,
                members=row.members,
                target=row.target,
                ytd=row.ytd,
                ytd_targeted=row.ytd_targeted,
                history=years.values(),
            )
        )
    zone = project(
        department_id=None,
        department_code="",
        department_name="",
        month=month,
        metric=metric,
        members=members,
        target=target,
        ytd=ytd,
        ytd_targeted=ytd_targeted,
        history=zone_history.values(),
    )
    return MonthProjections(period=period, metric=metric, zone=zone, departments=departments)


def list_projections(
    *, period: datetime.date, metric: str, rows: Sequence[RankingRow] | None = None
) -> MonthProjections:
    """Return the zone's and each department's projected year-end of ``metric`` at ``period``.

    The year to date and targets are the month's ranking's (``rows``, else
    ``get_period_ranking``: a closed month as of its close), the seasonal shares this year's
    members' figures of the earlier years (hengkou/projections.py). A constant number of
    queries: the ranking's and one for the history.
    """
    if rows is None:
        rows = get_period_ranking(period=period, metric=metric).rows
    history = get_projection_history(period=period, metric=metric)
    return project_rows(period=period, metric=metric, rows=rows, history=history)


def get_department_projection(*, period: datetime.date, metric: str, row: RankingRow) -> Projection:
    """Return one department's projection from its ranking ``row`` (the drill-down's). One query."""
    history = get_projection_history(period=period, metric=metric, department_id=row.department_id)
    return project_rows(period=period, metric=metric, rows=[row], history=history).departments[0]
