"""Year-end projections of a month (预计全年完成情况): each department's and the zone's."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from django.db import connection
from django.db.models import Q, Sum

from core.figures_cache import cached_figures
from core.lazy import BuiltWhenRead
from core.numbers import cents
from enterprises.models import DepartmentYtd, MonthlyYtd
from projects.choices import ProjectKind
from projects.models import ProjectReport

from ..models import ProjectionHistory
from ..projections import (
    HISTORY_YEARS,
    Projection,
    misses,
    project,
    rate_ratio,
    share_ratio,
)
from ..ranking import ENTERPRISE_METRICS, METRICS, RankingRow
from .ranking import SUM_FIELD, get_period_ranking, sum_when

# department id -> earlier year -> [figure by month m, year-end figure], in cents (integers:
# only their ratios and sums count, and integers cost a page of 500 departments nothing).
History = dict[int, dict[int, list[int]]]

# The stored layout of ProjectionHistory.history (_encode_history); part of the fingerprint, so
# a row stored in another layout is summed again rather than misread.
_LAYOUT = "columns-cents-1"


class Projections(BuiltWhenRead):
    """The departments' projections, each built (``project``) when first read.

    What the dashboard asks of all of them, which miss and in what order, comes from their
    shares and rates in plain integers (``share_ratio``, ``rate_ratio``): a panel that shows 30
    of 500 departments builds 30 projections.
    """

    def __init__(self, *, month: int, metric: str, inputs: list[tuple], histories: list[list]):
        # inputs: (department_id, code, name, members, target, ytd, ytd_targeted) per row
        super().__init__(len(inputs))
        self._month, self._metric = month, metric
        self._inputs, self._histories = inputs, histories

    def _build(self, index: int) -> Projection:
        department_id, code, name, members, target, ytd, ytd_targeted = self._inputs[index]
        return project(
            department_id=department_id,
            department_code=code,
            department_name=name,
            month=self._month,
            metric=self._metric,
            members=members,
            target=target,
            ytd=ytd,
            ytd_targeted=ytd_targeted,
            history=self._histories[index],
        )

    def missing_positions(self) -> list[int]:
        """Return the positions of the departments projected to miss, lowest rate first.

        The order of ``sorted(key=(projected_rate, department_code))``: by the rates as floats
        (an integer division is rounded correctly, so a lower rate never gets a higher float),
        then, among rates equal as floats, by the exact rates.
        """
        rates, codes = {}, {}
        for index, (_id, code, _name, _members, target, _ytd, ytd_targeted) in enumerate(
            self._inputs
        ):
            numerator, denominator, _years = share_ratio(
                self._histories[index], month=self._month, metric=self._metric
            )
            rate = rate_ratio(
                ytd_targeted=ytd_targeted, target=target, share=(numerator, denominator)
            )
            if misses(month=self._month, rate=rate):
                rates[index], codes[index] = rate, code
        floats = {
            index: numerator / denominator for index, (numerator, denominator) in rates.items()
        }
        order = sorted(rates, key=lambda index: (floats[index], codes[index]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and floats[order[end]] == floats[order[start]]:
                end += 1
            if end - start > 1:
                order[start:end] = sorted(
                    order[start:end], key=lambda index: (Fraction(*rates[index]), codes[index])
                )
            start = end
        return order


class _Picked(Sequence):
    """The items of ``items`` at ``positions``, each read when asked for."""

    def __init__(self, items: Sequence, positions: list[int]):
        self._items, self._positions = items, positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._items[position] for position in self._positions[index]]
        return self._items[self._positions[index]]


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

    @cached_property
    def missing(self) -> Sequence[Projection]:
        """Return the departments projected to miss their target, lowest projected rate first."""
        if isinstance(self.departments, Projections):
            return _Picked(self.departments, self.departments.missing_positions())
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
    then), in cents. Every department's, for an enterprise metric, is kept (ProjectionHistory)
    with the fingerprint of the department totals it depends on: one query while nothing
    changed (the fingerprint is computed and compared by the database), the sum of every
    member's earlier years (hundreds of milliseconds at 20,000 enterprises) once after a write.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}")
    if department_id is not None or metric not in ENTERPRISE_METRICS:
        return _compute_history(period=period, metric=metric, department_id=department_id)
    fingerprint, stored = _read_history(period=period, metric=metric)
    if stored is not None:
        return _decode_history(stored)
    history = _compute_history(period=period, metric=metric)
    # One statement (an upsert): two first readers store the same thing, the later one wins.
    ProjectionHistory.objects.bulk_create(
        [
            ProjectionHistory(
                period=period,
                metric=metric,
                fingerprint=fingerprint,
                history=_encode_history(history),
            )
        ],
        update_conflicts=True,
        unique_fields=["period", "metric"],
        update_fields=["fingerprint", "history", "computed_at"],
    )
    return history


def _fingerprint_sql(years: int) -> str:
    # This year's members and figures rewrite the month's department totals; any figure of an
    # earlier year rewrites that year's December totals (its YTD runs to December). The stored
    # layout is part of it.
    totals = connection.ops.quote_name(DepartmentYtd._meta.db_table)
    months = ", ".join(["%s"] * (years + 1))
    return (
        "(SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(COALESCE(SUM(stamp), 0) AS TEXT)"
        f" FROM {totals} WHERE period IN ({months})) || %s"
    )


def _read_history(*, period: datetime.date, metric: str) -> tuple[str, dict | None]:
    """Return the fingerprint of the history now, and the stored history if it is fresh.

    One query: the fingerprint is computed and compared by the database.
    """
    qn = connection.ops.quote_name
    months = [period, *(datetime.date(year, 12, 1) for year in _earlier_years(period))]
    now = _fingerprint_sql(len(months) - 1)
    # The fingerprint is computed once (it reads every department's rows of six months).
    # PostgreSQL would pull the subquery up and copy its sum into the comparison, summing the
    # rows twice; OFFSET 0 keeps it a subquery, read by both (SQLite takes no bare OFFSET).
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT latest.fingerprint, (SELECT history FROM {qn(ProjectionHistory._meta.db_table)}"
        " WHERE period = %s AND metric = %s AND fingerprint = latest.fingerprint)"
        f" FROM (SELECT {now} AS fingerprint{fence}) AS latest"
    )
    days = [connection.ops.adapt_datefield_value(month) for month in months]
    params = [days[0], metric, *days, f":{_LAYOUT}"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fingerprint, found = cursor.fetchone()
    if found is None:
        return fingerprint, None
    # jsonb and SQLite's JSON both arrive as text, which the field decodes.
    field = ProjectionHistory._meta.get_field("history")
    return fingerprint, field.from_db_value(found, None, connection)


def _earlier_years(period: datetime.date) -> range:
    return range(period.year - HISTORY_YEARS, period.year)


def _encode_history(history: History) -> dict:
    # Columns of plain integers: decoding them makes a few lists, not thousands of strings.
    departments = sorted(history)
    return {
        "departments": departments,
        "years": [list(history[department]) for department in departments],
        "pairs": [list(history[department].values()) for department in departments],
    }


def _decode_history(stored: dict) -> History:
    return {
        department: dict(zip(years, pairs, strict=True))
        for department, years, pairs in zip(
            stored["departments"], stored["years"], stored["pairs"], strict=True
        )
    }


def _in_cents(value) -> int:
    return int(cents(value).scaleb(2))


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
                row["period"].year, [0, 0]
            )
            if row["period"].month == month:
                pair[0] = _in_cents(row["total"])
            if row["period"].month == 12:
                pair[1] = _in_cents(row["total"])
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
            _in_cents(row["by_month"]),
            _in_cents(row["year_end"]),
        ]
    return dict(history)


_INPUTS = ("department_id", "department_code", "department_name", "members")
_AMOUNTS = ("target", "ytd", "ytd_targeted")


def _ranking_inputs(rows: Sequence[RankingRow]) -> list[tuple]:
    """Return each row's (department id, code, name, members, target, ytd, ytd_targeted).

    A stored ranking (``StoredRows``) gives them from its columns, building no RankingRow.
    """
    column = getattr(rows, "column", None)
    if column is not None:
        plain = [column(name) for name in _INPUTS]
        amounts = [[Decimal(value) for value in column(name)] for name in _AMOUNTS]
        return list(zip(*plain, *amounts, strict=True))
    return [tuple(getattr(row, name) for name in (*_INPUTS, *_AMOUNTS)) for row in rows]


def project_rows(
    *, period: datetime.date, metric: str, rows: Sequence[RankingRow], history: History
) -> MonthProjections:
    """Return the projections of the ranking's ``rows`` with their members' ``history``.

    The zone's is over every department's members: its ytd and target are the departments'
    sums, its seasonal share that of their summed history (one member, one department a year).
    The departments' are built when read (``Projections``).
    """
    month = period.month
    inputs = _ranking_inputs(rows)
    histories = []
    zone_history: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    members = 0
    target = ytd = ytd_targeted = Decimal(0)
    for department_id, _code, _name, row_members, row_target, row_ytd, row_targeted in inputs:
        years = history.get(department_id, {})
        for year, (by_month, year_end) in years.items():
            zone_history[year][0] += by_month
            zone_history[year][1] += year_end
        histories.append(list(years.values()))
        members += row_members
        target += row_target
        ytd += row_ytd
        ytd_targeted += row_targeted
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
    departments = Projections(month=month, metric=metric, inputs=inputs, histories=histories)
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
