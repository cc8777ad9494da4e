"""What the ranking sums for each member of a department: live, or as the close froze it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DateTimeField,
    Expression,
    F,
    FilteredRelation,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.numbers import cents
from core.periods import on_time_cutoff
from enterprises.models import Assignment, Target
from projects.choices import ProjectKind
from projects.models import ProjectPlan, ProjectReport

from ..choices import MemberKind, MemberReportStatus
from ..models import RankingMemberSnapshot
from ..ranking import ENTERPRISE_METRICS, INVESTMENT_METRICS
from .ranking import last_year, month_window, sum_when

ENTERPRISE = MemberKind.ENTERPRISE.value
PROJECT = MemberKind.PROJECT.value
REPORTED = MemberReportStatus.REPORTED.value
LATE = MemberReportStatus.LATE.value
MISSING = MemberReportStatus.MISSING.value


def member_kind(metric: str) -> str:
    """Return what a metric's members are: enterprises, or projects for the investment metrics."""
    return PROJECT if metric in INVESTMENT_METRICS else ENTERPRISE


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """What the ranking sums for one member: exactly what a member snapshot stores."""

    kind: str
    member_id: int
    name: str
    target: Decimal | None
    ytd: Decimal
    ytd_previous: Decimal
    report_status: str


def list_snapshot_figures(
    *, period: datetime.date, metric: str, department_id: int
) -> list[MemberFigures]:
    """Return a department's member figures as stored at the month's last close. One query."""
    rows = RankingMemberSnapshot.objects.filter(
        period__period=period, metric=metric, department_id=department_id
    ).values_list(
        "member_kind", "member_id", "name", "target", "ytd", "ytd_previous", "report_status"
    )
    return [MemberFigures(*row) for row in rows]


def list_live_figures(
    *, period: datetime.date, metric: str, department_id: int
) -> list[MemberFigures]:
    """Return a department's member figures computed now from the ranking's sources."""
    figures = member_figures(period=period, metrics=[metric], department_id=department_id)
    return [item for (_department, _metric), items in figures for item in items]


def member_figures(
    *, period: datetime.date, metrics: list[str], department_id: int | None = None
) -> Iterator[tuple[tuple[int, str], list[MemberFigures]]]:
    """Yield ((department, metric), member figures) for the metrics asked, one kind at a time.

    Two queries per kind of member, whatever the number of members and metrics.
    """
    enterprise_metrics = [metric for metric in metrics if metric in ENTERPRISE_METRICS]
    investment_metrics = [metric for metric in metrics if metric in INVESTMENT_METRICS]
    if enterprise_metrics:
        yield from _enterprise_figures(
            period=period, metrics=enterprise_metrics, department_id=department_id
        ).items()
    if investment_metrics:
        yield from _project_figures(
            period=period, metrics=investment_metrics, department_id=department_id
        ).items()


def _status(submitted_at: datetime.datetime | None, cutoff: datetime.datetime) -> str:
    if submitted_at is None:
        return MISSING
    return REPORTED if submitted_at < cutoff else LATE


def _member_relations(period: datetime.date) -> dict[str, FilteredRelation]:
    """Return an assignment's enterprise's rollup rows of month m (``current``) and of a year
    earlier (``previous``), and its report of month m (``report``), as relations to annotate."""
    current, previous = period, last_year(period)
    return {
        "current": FilteredRelation(
            "enterprise__ytd_rows", condition=Q(enterprise__ytd_rows__period=current)
        ),
        "previous": FilteredRelation(
            "enterprise__ytd_rows", condition=Q(enterprise__ytd_rows__period=previous)
        ),
        "report": FilteredRelation(
            "enterprise__monthly_reports", condition=Q(enterprise__monthly_reports__period=current)
        ),
    }


def _enterprise_figures(
    *, period: datetime.date, metrics: list[str], department_id: int | None
) -> dict[tuple[int, str], list[MemberFigures]]:
    """Return every member's figures for each enterprise metric in one pass (two queries).

    The members and their rollup rows of month m and of the same month a year earlier come in
    one query with all the metrics asked; the targets of the year in a second.
    """
    assignments = Assignment.objects.filter(year=period.year)
    if department_id is not None:
        assignments = assignments.filter(department_id=department_id)
    columns = [f"{side}__{metric}" for metric in metrics for side in ("current", "previous")]
    rows = (
        assignments.annotate(**_member_relations(period))
        .values_list(
            "department_id", "enterprise_id", "enterprise__name", "report__submitted_at", *columns
        )
        .order_by()
    )
    targets = {
        (enterprise_id, metric): value
        for enterprise_id, metric, value in Target.objects.filter(
            year=period.year,
            metric__in=metrics,
            enterprise__in=assignments.values("enterprise"),
        ).values_list("enterprise_id", "metric", "value")
    }
    cutoff = on_time_cutoff(period=period)
    result: dict[tuple[int, str], list[MemberFigures]] = {}
    for department, enterprise_id, name, submitted_at, *values in rows:
        status = _status(submitted_at, cutoff)
        for index, metric in enumerate(metrics):
            result.setdefault((department, metric), []).append(
                MemberFigures(
                    kind=ENTERPRISE,
                    member_id=enterprise_id,
                    name=name,
                    target=targets.get((enterprise_id, metric)),
                    ytd=cents(values[2 * index]),
                    ytd_previous=cents(values[2 * index + 1]),
                    report_status=status,
                )
            )
    return result


def enterprise_member_rows(
    *, period: datetime.date, metric: str
) -> tuple[QuerySet, dict[str, Expression]]:
    """Return every enterprise member's figures of ``metric`` as a query the database can copy.

    The rows are the year's assignments; the columns map each field of a member snapshot
    (``department``, ``member_kind``, ``member_id``, ``name``, ``target``, ``ytd``,
    ``ytd_previous``, ``report_status``) to its expression: the same figures as
    ``_enterprise_figures``, computed by the database (the close's ``INSERT … SELECT``).
    """
    rows = Assignment.objects.filter(year=period.year).annotate(
        **_member_relations(period),
        goal=FilteredRelation(
            "enterprise__targets",
            condition=Q(enterprise__targets__year=period.year, enterprise__targets__metric=metric),
        ),
    )
    money = RankingMemberSnapshot._meta.get_field("ytd")
    cutoff = on_time_cutoff(period=period)
    columns = {
        "department": F("department_id"),
        "member_kind": Value(ENTERPRISE),
        "member_id": F("enterprise_id"),
        "name": F("enterprise__name"),
        "target": F("goal__value"),
        "ytd": Coalesce(F(f"current__{metric}"), Value(Decimal("0.00")), output_field=money),
        "ytd_previous": Coalesce(
            F(f"previous__{metric}"), Value(Decimal("0.00")), output_field=money
        ),
        "report_status": Case(
            When(report__submitted_at__isnull=True, then=Value(MISSING)),
            When(report__submitted_at__lt=cutoff, then=Value(REPORTED)),
            default=Value(LATE),
        ),
    }
    return rows, columns


def _project_figures(
    *, period: datetime.date, metrics: list[str], department_id: int | None
) -> dict[tuple[int, str], list[MemberFigures]]:
    """Return every project member's figures for the investment metrics (two queries).

    The plans of the year name the members and their targets (planned investment); the
    reports of both years are summed per project, with the first submission of month m.
    """
    plans = ProjectPlan.objects.filter(year=period.year)
    if department_id is not None:
        plans = plans.filter(department_id=department_id)
    members = list(
        plans.values_list(
            "department_id", "project_id", "project__name", "project__kind", "planned_investment"
        ).order_by()
    )
    current, previous, this_month = month_window(period=period, metric="investment")
    sums = {
        row["project_id"]: row
        for row in ProjectReport.objects.filter(
            current | previous, project__in=plans.values("project")
        )
        .values("project_id")
        .annotate(
            ytd=sum_when(current, "investment"),
            ytd_previous=sum_when(previous, "investment"),
            submitted_at=Max(
                Case(When(this_month, then=F("submitted_at")), output_field=DateTimeField())
            ),
        )
        .order_by()
    }
    cutoff = on_time_cutoff(period=period)
    result: dict[tuple[int, str], list[MemberFigures]] = {}
    for department, project_id, name, kind, planned in members:
        found = sums.get(project_id, {})
        figures = MemberFigures(
            kind=PROJECT,
            member_id=project_id,
            name=name,
            target=cents(planned),
            ytd=cents(found.get("ytd")),
            ytd_previous=cents(found.get("ytd_previous")),
            report_status=_status(found.get("submitted_at"), cutoff),
        )
        for metric in metrics:
            if metric == "tech_investment" and kind != ProjectKind.RENOVATION:
                continue
            result.setdefault((department, metric), []).append(figures)
    return result
