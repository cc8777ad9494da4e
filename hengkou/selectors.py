"""Reads that span both apps: the department ranking of the economic bureau's monthly summary."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from core.figures_cache import cached_figures
from core.numbers import cents
from core.periods import DefaultPeriod, default_month, default_year
from enterprises.choices import PeriodStatus, TitleKind
from enterprises.models import (
    Assignment,
    EnterpriseTitle,
    MonthlyReport,
    Period,
    Target,
)
from projects.choices import ProjectKind
from projects.models import ProjectPlan, ProjectReport

from .choices import NoticeStatus
from .models import RankingSnapshot, SupervisionNotice
from .ranking import (
    ENTERPRISE_METRICS,
    METRICS,
    STOCK_METRICS,
    DepartmentTotals,
    RankingRow,
    RankingRules,
    rank_departments,
)

SUM_FIELD = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


def _sum_when(condition: Q, field: str):
    return Sum(
        Case(When(condition, then=F(field)), default=Value(ZERO), output_field=SUM_FIELD),
        output_field=SUM_FIELD,
    )


def _window(*, year: int, month: int, metric: str, prefix: str = "") -> tuple[Q, Q, Q]:
    """Return the conditions selecting this year's months, last year's months and month m.

    Flow metrics sum months 1..m; a stock metric (employees) takes month m itself.
    """
    current_month = datetime.date(year, month, 1)
    previous_month = datetime.date(year - 1, month, 1)
    period = f"{prefix}period"
    if metric in STOCK_METRICS:
        current = Q(**{period: current_month})
        previous = Q(**{period: previous_month})
    else:
        current = Q(
            **{f"{period}__gte": datetime.date(year, 1, 1), f"{period}__lte": current_month}
        )
        previous = Q(
            **{f"{period}__gte": datetime.date(year - 1, 1, 1), f"{period}__lte": previous_month}
        )
    return current, previous, Q(**{period: current_month})


def _enterprise_totals(*, year: int, month: int, metric: str) -> list[DepartmentTotals]:
    # One row per member: its rollup row at month m, the same month a year earlier, its target.
    current, previous = datetime.date(year, month, 1), datetime.date(year - 1, month, 1)
    rows = (
        Assignment.objects.filter(year=year)
        .annotate(
            current=FilteredRelation(
                "enterprise__ytd_rows", condition=Q(enterprise__ytd_rows__period=current)
            ),
            previous=FilteredRelation(
                "enterprise__ytd_rows", condition=Q(enterprise__ytd_rows__period=previous)
            ),
            member_target=FilteredRelation(
                "enterprise__targets",
                condition=Q(enterprise__targets__year=year, enterprise__targets__metric=metric),
            ),
        )
        .values("department_id", "department__code", "department__name")
        .annotate(
            members=Count("id"),
            target=Sum("member_target__value"),
            targeted=Count("member_target"),
            ytd=Sum(f"current__{metric}"),
            ytd_targeted=Sum(f"current__{metric}", filter=Q(member_target__isnull=False)),
            ytd_previous=Sum(f"previous__{metric}"),
            reported=Count("id", filter=Q(current__has_report=True)),
        )
        .order_by()
    )
    return [_totals(row, row, row) for row in rows]


def _enterprise_totals_from_reports(
    *, year: int, month: int, metric: str
) -> list[DepartmentTotals]:
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
    current, previous, this_month = _window(year=year, month=month, metric=metric)
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
            ytd=_sum_when(current, metric),
            ytd_targeted=_sum_when(current & Q(has_target), metric),
            ytd_previous=_sum_when(previous, metric),
            reported=Count(Case(When(this_month, then=Value(1)))),
        )
        .order_by()
    }
    return [
        _totals(row, targets.get(row["department_id"], {}), sums.get(row["department_id"], {}))
        for row in members
    ]


def _investment_totals(*, year: int, month: int, metric: str) -> list[DepartmentTotals]:
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
    current, previous, this_month = _window(year=year, month=month, metric="investment")
    sums = {
        row["project__plans__department"]: row
        for row in reports.filter(current | previous)
        .values("project__plans__department")
        .annotate(
            ytd=_sum_when(current, "investment"),
            ytd_previous=_sum_when(previous, "investment"),
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
    *, year: int, month: int, metric: str, from_reports: bool = False
) -> list[DepartmentTotals]:
    """Return each department's member count, target and year-to-date sums for a metric.

    Members are the enterprises whose assignment for ``year`` names the department (enterprise
    metrics) or the projects whose plan for ``year`` names it (investment metrics; only
    renovation projects for ``tech_investment``). Last year's sums are over the same members.
    Enterprise metrics read the year-to-date rollup; ``from_reports`` re-sums the monthly
    reports instead (the reference the rollup is checked against). Runs a constant number of
    queries (three at most) whatever the data size.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}")
    if metric in ENTERPRISE_METRICS:
        totals = _enterprise_totals_from_reports if from_reports else _enterprise_totals
        return totals(year=year, month=month, metric=metric)
    return _investment_totals(year=year, month=month, metric=metric)


def _fraction(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


@dataclass(frozen=True)
class PeriodRanking:
    """A metric's ranking for a month, and whether it comes from a closed month's snapshot."""

    year: int
    month: int
    metric: str
    closed: bool
    rows: list[RankingRow]


def get_period_ranking(*, year: int, month: int, metric: str) -> PeriodRanking:
    """Return a month's ranking: the snapshot of a closed month, else computed live.

    Kept in the shared figures cache until the next write (core/figures_cache.py).
    """
    return cached_figures(
        f"ranking:{year}-{month}:{metric}",
        lambda: _period_ranking(year=year, month=month, metric=metric),
    )


def _period_ranking(*, year: int, month: int, metric: str) -> PeriodRanking:
    period = datetime.date(year, month, 1)
    closed = Period.objects.filter(period=period, status=PeriodStatus.CLOSED).exists()
    if closed:
        snapshots = RankingSnapshot.objects.filter(period__period=period, metric=metric).order_by(
            F("rank").asc(nulls_last=True), "department_code"
        )
        rows = [snapshot.to_row(month=month) for snapshot in snapshots]
    else:
        rows = list_department_rankings(year=year, month=month, metric=metric)
    return PeriodRanking(year=year, month=month, metric=metric, closed=closed, rows=rows)


def list_department_rankings(
    *, year: int, month: int, metric: str, rules: RankingRules | None = None
) -> list[RankingRow]:
    """Return the department ranking of a metric for month ``month`` of ``year`` (domain.md)."""
    totals = list_department_totals(year=year, month=month, metric=metric)
    return rank_departments(totals, month=month, rules=rules)


@dataclass(frozen=True)
class ZoneStats:
    """The zone's figures for a month (the ones the article quotes)."""

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

    @staticmethod
    def _growth(current: Decimal, previous: Decimal) -> Fraction | None:
        return Fraction(current) / Fraction(previous) - 1 if previous else None

    @property
    def above_scale_output_yoy(self) -> Fraction | None:
        return self._growth(self.above_scale_output, self.above_scale_output_previous)

    @property
    def investment_yoy(self) -> Fraction | None:
        return self._growth(self.investment, self.investment_previous)

    @property
    def tech_investment_yoy(self) -> Fraction | None:
        return self._growth(self.tech_investment, self.tech_investment_previous)


def get_zone_stats(*, year: int, month: int) -> ZoneStats:
    """Return the zone statistics of a month, from the figures cache when it holds them."""
    return cached_figures(f"zone-stats:{year}-{month}", lambda: _zone_stats(year=year, month=month))


def _zone_stats(*, year: int, month: int) -> ZoneStats:
    """Return the zone statistics of domain.md for month ``month`` of ``year``.

    Above-scale output sums the year-to-date output of the enterprises above scale in ``year``,
    and its growth compares the same enterprises' figures a year earlier; investment sums every
    project's reports, tech-renovation investment those of renovation projects. Four queries.
    """
    current, previous, _ = _window(year=year, month=month, metric="output_value")
    enterprises = Assignment.objects.filter(year=year).values("enterprise").distinct().count()
    above_scale = EnterpriseTitle.objects.filter(title=TitleKind.ABOVE_SCALE, year=year)
    output = MonthlyReport.objects.filter(
        current | previous, enterprise__in=above_scale.values("enterprise")
    ).aggregate(
        current=_sum_when(current, "output_value"),
        previous=_sum_when(previous, "output_value"),
    )
    renovation = Q(project__kind=ProjectKind.RENOVATION)
    investment = ProjectReport.objects.filter(current | previous).aggregate(
        current=_sum_when(current, "investment"),
        previous=_sum_when(previous, "investment"),
        tech_current=_sum_when(current & renovation, "investment"),
        tech_previous=_sum_when(previous & renovation, "investment"),
    )
    return ZoneStats(
        year=year,
        month=month,
        enterprises=enterprises,
        above_scale_enterprises=above_scale.count(),
        above_scale_output=cents(output["current"]),
        above_scale_output_previous=cents(output["previous"]),
        investment=cents(investment["current"]),
        investment_previous=cents(investment["previous"]),
        tech_investment=cents(investment["tech_current"]),
        tech_investment_previous=cents(investment["tech_previous"]),
    )


def report_deadline(*, year: int, month: int) -> datetime.date:
    """Return the day by which month ``month``'s figures are due (day N of the next month)."""
    due_day = getattr(settings, "HENGKOU_REPORT_DUE_DAY", 5)
    if month == 12:
        return datetime.date(year + 1, 1, due_day)
    return datetime.date(year, month + 1, due_day)


@dataclass(frozen=True)
class DepartmentCompleteness:
    """Who has reported a month's figures in one department."""

    department_id: int
    department_code: str
    department_name: str
    members: int
    reported: int
    on_time: int
    missing: list[str]
    missing_more: int

    @property
    def completeness(self) -> Fraction:
        return Fraction(self.reported, self.members) if self.members else Fraction(0)

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.on_time, self.reported) if self.reported else None


@dataclass(frozen=True)
class CompletenessBoard:
    """The "who has not reported" board of a month."""

    year: int
    month: int
    deadline: datetime.date
    days_left: int
    departments: list[DepartmentCompleteness]

    @property
    def missing_any(self) -> bool:
        return any(row.reported < row.members for row in self.departments)


def get_completeness_board(
    *, year: int, month: int, today: datetime.date, names_per_department: int = 8
) -> CompletenessBoard:
    """Return who has not reported the month, from the figures cache when it holds it."""
    return cached_figures(
        f"completeness:{year}-{month}:{today:%Y-%m-%d}:{names_per_department}",
        lambda: _completeness_board(
            year=year, month=month, today=today, names_per_department=names_per_department
        ),
    )


def _completeness_board(
    *, year: int, month: int, today: datetime.date, names_per_department: int = 8
) -> CompletenessBoard:
    """Return, per department, the members without a report for the month and the on-time rate.

    A report is on time when first submitted by the deadline (day 5 of the next month, end of
    day in Asia/Shanghai). ``days_left`` is negative once the deadline has passed. Two queries.
    """
    deadline = report_deadline(year=year, month=month)
    period = datetime.date(year, month, 1)
    cutoff = timezone.make_aware(
        datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min)
    )
    reports = MonthlyReport.objects.filter(enterprise=OuterRef("enterprise"), period=period)
    assignments = Assignment.objects.filter(year=year).annotate(
        has_report=Exists(reports), has_on_time=Exists(reports.filter(submitted_at__lt=cutoff))
    )
    counts = (
        assignments.values("department_id", "department__code", "department__name")
        .annotate(
            members=Count("id"),
            reported=Count("id", filter=Q(has_report=True)),
            on_time=Count("id", filter=Q(has_on_time=True)),
        )
        .order_by("department__code")
    )
    missing: dict[int, list[str]] = {}
    for department_id, name in (
        assignments.filter(has_report=False)
        .order_by("department__code", "enterprise__name")
        .values_list("department_id", "enterprise__name")
    ):
        missing.setdefault(department_id, []).append(name)
    departments = []
    for row in counts:
        names = missing.get(row["department_id"], [])
        departments.append(
            DepartmentCompleteness(
                department_id=row["department_id"],
                department_code=row["department__code"],
                department_name=row["department__name"],
                members=row["members"],
                reported=row["reported"],
                on_time=row["on_time"],
                missing=names[:names_per_department],
                missing_more=max(0, len(names) - names_per_department),
            )
        )
    return CompletenessBoard(
        year=year,
        month=month,
        deadline=deadline,
        days_left=(deadline - today).days,
        departments=departments,
    )


@dataclass(frozen=True)
class TrendPoint:
    """The zone's total of a metric in one month of a year and of the year before."""

    month: int
    value: Decimal
    previous: Decimal


def list_monthly_trend(*, year: int, metric: str) -> list[TrendPoint]:
    """Return a metric's monthly totals of a year, from the figures cache when it holds them."""
    return cached_figures(
        f"trend:{year}:{metric}", lambda: _monthly_trend(year=year, metric=metric)
    )


def _monthly_trend(*, year: int, metric: str) -> list[TrendPoint]:
    """Return the sponsored members' monthly totals of a metric for each month, with last year.

    Members are those of ``year`` (assignments, or project plans for the investment metrics),
    the same on both sides. One query.
    """
    if metric in ENTERPRISE_METRICS:
        rows = MonthlyReport.objects.filter(
            enterprise__in=Assignment.objects.filter(year=year).values("enterprise"),
            period__gte=datetime.date(year - 1, 1, 1),
            period__lte=datetime.date(year, 12, 1),
        )
        field = metric
    else:
        plans = ProjectPlan.objects.filter(year=year)
        if metric == "tech_investment":
            plans = plans.filter(project__kind=ProjectKind.RENOVATION)
        rows = ProjectReport.objects.filter(
            project__in=plans.values("project"),
            period__gte=datetime.date(year - 1, 1, 1),
            period__lte=datetime.date(year, 12, 1),
        )
        field = "investment"
    totals = {
        row["period"]: row["total"]
        for row in rows.values("period").annotate(total=Sum(field)).order_by()
    }
    return [
        TrendPoint(
            month=month,
            value=cents(totals.get(datetime.date(year, month, 1))),
            previous=cents(totals.get(datetime.date(year - 1, month, 1))),
        )
        for month in range(1, 13)
    ]


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


def list_notices(*, period: datetime.date | None = None, status: str = "", today: datetime.date):
    """Return supervision notices joined with their department, overdue ones first.

    ``status`` is a stored status, ``open`` (issued or responded) or ``overdue`` (issued and
    past its due date).
    """
    notices = SupervisionNotice.objects.select_related("department")
    if period:
        notices = notices.filter(period=period)
    if status == "overdue":
        notices = notices.filter(status=NoticeStatus.ISSUED, due_on__lt=today)
    elif status == "open":
        notices = notices.filter(status__in=[NoticeStatus.ISSUED, NoticeStatus.RESPONDED])
    elif status:
        notices = notices.filter(status=status)
    overdue_first = Case(
        When(status=NoticeStatus.ISSUED, due_on__lt=today, then=Value(0)), default=Value(1)
    )
    return notices.order_by(overdue_first, "-period", "department__code", "metric")
