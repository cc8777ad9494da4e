"""The department ranking of a month: each department's totals, ranked live or as closed."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)

from core.figures_cache import cache_seconds, cached_figures
from core.lazy import BuiltWhenRead
from core.numbers import cents
from enterprises.choices import PeriodStatus
from enterprises.models import (
    Assignment,
    DepartmentYtd,
    MonthlyReport,
    Period,
    Target,
)
from projects.choices import ProjectKind
from projects.models import ProjectPlan, ProjectReport

from ..models import RankingSnapshot
from ..ranking import (
    ENTERPRISE_METRICS,
    METRICS,
    STOCK_METRICS,
    DepartmentTotals,
    RankingRow,
    RankingRules,
    rank_departments,
)
from .open_ranking import (
    BODIES,
    fresh_body,
    load_body,
    load_rows,
    read_month_ranking,
    store_ranking,
)
from .open_ranking import fingerprint as ranking_fingerprint

SUM_FIELD = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


def sum_when(condition: Q, field: str):
    return Sum(
        Case(When(condition, then=F(field)), default=Value(ZERO), output_field=SUM_FIELD),
        output_field=SUM_FIELD,
    )


def last_year(period: datetime.date) -> datetime.date:
    """Return the same month a year earlier (同期)."""
    return period.replace(year=period.year - 1)


def month_window(*, period: datetime.date, metric: str, prefix: str = "") -> tuple[Q, Q, Q]:
    """Return the conditions selecting this year's months, last year's months and month m.

    Flow metrics sum months 1..m; a stock metric (employees) takes month m itself.
    """
    field, previous_month = f"{prefix}period", last_year(period)
    if metric in STOCK_METRICS:
        current = Q(**{field: period})
        previous = Q(**{field: previous_month})
    else:
        current = Q(**{f"{field}__gte": period.replace(month=1), f"{field}__lte": period})
        previous = Q(
            **{f"{field}__gte": previous_month.replace(month=1), f"{field}__lte": previous_month}
        )
    return current, previous, Q(**{field: period})


def _enterprise_totals(*, period: datetime.date, metric: str) -> list[DepartmentTotals]:
    # One row per department: its members' totals through the month (DepartmentYtd), kept by
    # the services on every write, so the read does not grow with the number of enterprises.
    rows = (
        DepartmentYtd.objects.filter(period=period, members__gt=0)
        .values("department_id", "department__code", "department__name", "members", "reported")
        .annotate(
            target=F(f"target_{metric}"),
            targeted=F(f"targeted_{metric}"),
            ytd=F(f"ytd_{metric}"),
            ytd_targeted=F(f"ytd_targeted_{metric}"),
            ytd_previous=F(f"ytd_previous_{metric}"),
        )
        .order_by()
    )
    return [_totals(row, row, row) for row in rows]


def _enterprise_totals_from_reports(
    *, period: datetime.date, metric: str
) -> list[DepartmentTotals]:
    year = period.year
    members = (
        Assignment.objects.filter(year=year)
        .values("department_id", "department__code", "department__name")
        .annotate(members=Count("id"))
        .order_by()
    )
    targets = {
        row["enterprise__assignments__department"]: row
        for row in Target.objects.filter(
            year=year, metric=metric, enterprise__assignments__year=year
        )
        .values("enterprise__assignments__department")
        .annotate(target=Sum("value"), targeted=Count("id"))
        .order_by()
    }
    current, previous, this_month = month_window(period=period, metric=metric)
    has_target = Exists(
        Target.objects.filter(enterprise=OuterRef("enterprise"), year=year, metric=metric)
    )
    sums = {
        row["enterprise__assignments__department"]: row
        for row in MonthlyReport.objects.filter(
            current | previous, enterprise__assignments__year=year
        )
        .values("enterprise__assignments__department")
        .annotate(
            ytd=sum_when(current, metric),
            ytd_targeted=sum_when(current & Q(has_target), metric),
            ytd_previous=sum_when(previous, metric),
            reported=Count(Case(When(this_month, then=Value(1)))),
        )
        .order_by()
    }
    return [
        _totals(row, targets.get(row["department_id"], {}), sums.get(row["department_id"], {}))
        for row in members
    ]


def _investment_totals(*, period: datetime.date, metric: str) -> list[DepartmentTotals]:
    year = period.year
    plans = ProjectPlan.objects.filter(year=year)
    reports = ProjectReport.objects.filter(project__plans__year=year)
    if metric == "tech_investment":
        plans = plans.filter(project__kind=ProjectKind.RENOVATION)
        reports = reports.filter(project__kind=ProjectKind.RENOVATION)
    members = (
        plans.values("department_id", "department__code", "department__name")
        .annotate(members=Count("id"), target=Sum("planned_investment"), targeted=Count("id"))
        .order_by()
    )
    current, previous, this_month = month_window(period=period, metric="investment")
    sums = {
        row["project__plans__department"]: row
        for row in reports.filter(current | previous)
        .values("project__plans__department")
        .annotate(
            ytd=sum_when(current, "investment"),
            ytd_previous=sum_when(previous, "investment"),
            reported=Count(Case(When(this_month, then=Value(1)))),
        )
        .order_by()
    }
    totals = []
    for row in members:
        found = sums.get(row["department_id"], {})
        # Every plan has a planned investment, so every member is targeted.
        totals.append(_totals(row, row, {**found, "ytd_targeted": found.get("ytd", ZERO)}))
    return totals


def _totals(member_row: dict, target_row: dict, sum_row: dict) -> DepartmentTotals:
    return DepartmentTotals(
        department_id=member_row["department_id"],
        department_code=member_row["department__code"],
        department_name=member_row["department__name"],
        members=member_row["members"],
        reported=sum_row.get("reported", 0),
        target=cents(target_row.get("target")),
        targeted_members=target_row.get("targeted", 0),
        ytd=cents(sum_row.get("ytd")),
        ytd_targeted=cents(sum_row.get("ytd_targeted")),
        ytd_previous=cents(sum_row.get("ytd_previous")),
    )


def list_department_totals(
    *, period: datetime.date, metric: str, from_reports: bool = False
) -> list[DepartmentTotals]:
    """Return each department's member count, target and year-to-date sums for a metric.

    Members are the enterprises whose assignment for the month's year names the department
    (enterprise metrics) or the projects whose plan for that year names it (investment; only
    renovation projects for ``tech_investment``). Last year's sums are over the same members.
    Enterprise metrics read the department totals (``DepartmentYtd``, one row per department);
    ``from_reports`` re-sums the monthly reports instead (the reference they are checked
    against). In no particular order (the rankings sort them). Runs a constant number of
    queries (three at most) whatever the data size.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}")
    if metric in ENTERPRISE_METRICS:
        totals = _enterprise_totals_from_reports if from_reports else _enterprise_totals
        return totals(period=period, metric=metric)
    return _investment_totals(period=period, metric=metric)


@dataclass(frozen=True)
class PeriodRanking:
    """A metric's ranking for a month, and whether it comes from a closed month's snapshot."""

    period: datetime.date
    metric: str
    closed: bool
    rows: Sequence[RankingRow]

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def month(self) -> int:
        return self.period.month


@cached_figures("ranking")
def get_period_ranking(*, period: datetime.date, metric: str) -> PeriodRanking:
    """Return a month's ranking: the snapshot of a closed month, else computed live.

    A closed month's ranking is what its close froze (RankingSnapshot), never recomputed; an
    open month is ranked now (list_department_rankings). Kept in the shared figures cache until
    the next write (enterprises/figures_cache.py).
    """
    closed = Period.objects.filter(period=period, status=PeriodStatus.CLOSED).exists()
    if closed:
        rows = _snapshot_rows(period=period, metric=metric)
    elif metric in ENTERPRISE_METRICS:
        rows = open_ranking_rows(period=period, metric=metric)
    else:
        rows = list_department_rankings(period=period, metric=metric)
    return PeriodRanking(period=period, metric=metric, closed=closed, rows=rows)


def get_shown_ranking(*, period: datetime.date, metric: str) -> PeriodRanking:
    """Return ``get_period_ranking``'s ranking in fewer queries (the dashboard's).

    Without the figures cache, an enterprise metric's month is looked at in one query
    (``read_month_ranking``): closed, its snapshot is read; open and unchanged since its
    ranking was stored, that is all; open and changed, it is ranked afresh and stored. The
    investment metrics, and any metric with the figures cache on, are ``get_period_ranking``.
    """
    if metric not in ENTERPRISE_METRICS or cache_seconds():
        return get_period_ranking(period=period, metric=metric)
    rules = RankingRules.from_settings()
    month = read_month_ranking(period=period, metric=metric, rules=rules)
    if month.closed:
        rows = _snapshot_rows(period=period, metric=metric)
    elif month.rows is not None:
        rows = month.rows
    else:
        # Ranked from totals read after the fingerprint: a write meanwhile changes the month's
        # fingerprint after the one stored, so the next read ranks again (store_ranking).
        rows = list_department_rankings(period=period, metric=metric, rules=rules)
        store_ranking(period=period, metric=metric, fingerprint=month.fingerprint, rows=rows)
    return PeriodRanking(period=period, metric=metric, closed=month.closed, rows=rows)


# What a closed month's row is built from (RankingSnapshot.to_row): the stored sums and flags.
_SNAPSHOT_FIELDS = (
    "department_id",
    "department_code",
    "department_name",
    "members",
    "targeted_members",
    "reported",
    "target",
    "ytd",
    "ytd_targeted",
    "ytd_previous",
    "rank",
    "lagging",
    "light",
)


class SnapshotRows(BuiltWhenRead):
    """A closed month's frozen ranking, each row built (its exact rates) when first read.

    Like an open month's stored ranking (``StoredRows``): a page of 30 departments, the lagging
    ones' positions and the projections' inputs (``column``) build no row for the other 470.
    """

    def __init__(self, values: list[tuple], *, month: int):
        super().__init__(len(values))
        self._values = values
        self._month = month

    def _build(self, index: int) -> RankingRow:
        stored = dict(zip(_SNAPSHOT_FIELDS, self._values[index], strict=True))
        return RankingSnapshot(**stored).to_row(month=self._month)

    def column(self, field: str) -> list:
        """Return the stored values of ``field``, one per row."""
        position = _SNAPSHOT_FIELDS.index(field)
        return [values[position] for values in self._values]

    def where(self, field: str, value) -> list[int]:
        """Return the positions of the rows whose ``field`` equals ``value``, building none."""
        return [i for i, found in enumerate(self.column(field)) if found == value]

    def __eq__(self, other):
        return list(self) == list(other)


def _snapshot_rows(*, period: datetime.date, metric: str) -> SnapshotRows:
    # What the close of the month froze, in the ranking's order.
    snapshots = RankingSnapshot.objects.filter(period__period=period, metric=metric).order_by(
        F("rank").asc(nulls_last=True), "department_code"
    )
    return SnapshotRows(list(snapshots.values_list(*_SNAPSHOT_FIELDS)), month=period.month)


def open_ranking_rows(*, period: datetime.date, metric: str) -> list[RankingRow]:
    """Return an open month's ranking of an enterprise metric, stored or computed afresh.

    Stored with the fingerprint of the month's department totals (open_ranking.py): two
    queries when nothing changed since it was computed.
    """
    rules = RankingRules.from_settings()
    fingerprint = ranking_fingerprint(period=period, rules=rules)
    rows = load_rows(period=period, metric=metric, fingerprint=fingerprint)
    if rows is None:
        rows = list_department_rankings(period=period, metric=metric, rules=rules)
        store_ranking(period=period, metric=metric, fingerprint=fingerprint, rows=rows)
    return rows


def fresh_open_body(*, period: datetime.date, metric: str) -> bytes:
    """Return the stored API JSON of a fresh open month's ranking, else b"" (one query)."""
    return fresh_body(period=period, metric=metric, rules=RankingRules.from_settings())


def open_ranking_body(*, period: datetime.date, metric: str, render) -> bytes:
    """Return the API's JSON of an open month's ranking: stored, or ``render(rows)`` kept.

    One query when nothing changed since it was rendered.
    """
    rules = RankingRules.from_settings()
    body = fresh_body(period=period, metric=metric, rules=rules)
    if body:
        return body
    fingerprint = ranking_fingerprint(period=period, rules=rules)
    key, text = load_body(period=period, metric=metric, fingerprint=fingerprint)
    if not text:
        text = render(open_ranking_rows(period=period, metric=metric))
        key = store_ranking(period=period, metric=metric, fingerprint=fingerprint, body=text)
    body = text.encode()
    BODIES.put(period, metric, key, body)
    return body


def list_department_rankings(
    *, period: datetime.date, metric: str, rules: RankingRules | None = None
) -> list[RankingRow]:
    """Return the department ranking of a metric for a month (domain.md).

    Departments are ranked by completion rate, then year-on-year growth, then code; a
    department is lagging when its rate is below time progress (m / 12) less the tolerance
    (hengkou/ranking.py).
    """
    totals = list_department_totals(period=period, metric=metric)
    return rank_departments(totals, month=period.month, rules=rules)
