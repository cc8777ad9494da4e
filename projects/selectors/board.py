"""The pipeline board: a year's projects by stage, measured against their plans.

A project's light for year y and month m compares its investment year to date with its plan:
``completion = YTD(y, m) / planned investment of y``, ``gap = completion − m / 12``, lit by the
one light rule of domain.md (core.indicators: green when gap ≥ 0, yellow when −0.10 ≤ gap < 0,
red below; thresholds from ``settings.HENGKOU_RANKING``), no light without a planned
investment. Comparisons are exact.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import (
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core import indicators
from core.indicators import LightRules, completion_rate, light_for, time_progress
from core.numbers import cents
from core.periods import DefaultPeriod, default_year
from core.scoping import scope_queryset
from enterprises.models import Department, Enterprise

from ..choices import ProjectKind, Stage
from ..models import ProjectPlan, ProjectReport, StageMove

SUM_FIELD = DecimalField(max_digits=20, decimal_places=2)
LAGGING_LIGHTS = ("red", "yellow")


@dataclass(frozen=True)
class ProjectLine:
    """One project of a year's board: its plan, its stage at the year's end and its light."""

    id: int
    name: str
    kind: str
    stage: str
    stage_since: datetime.date | None
    enterprise_id: int | None
    enterprise_name: str
    chain: str
    department_id: int
    department_code: str
    department_name: str
    leader_name: str
    capacity: str
    total_investment: Decimal
    planned_investment: Decimal
    ytd: Decimal
    percent_complete: int | None
    completion_rate: Fraction | None
    gap: Fraction | None
    light: str | None
    planned_end: datetime.date | None

    @property
    def kind_label(self) -> str:
        return ProjectKind(self.kind).label

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def lagging(self) -> bool:
        return self.light in LAGGING_LIGHTS


@dataclass(frozen=True)
class StageColumn:
    """The projects of one stage on the board, with their count and investment."""

    stage: str
    projects: tuple[ProjectLine, ...]

    @property
    def label(self) -> str:
        return Stage(self.stage).label

    @property
    def count(self) -> int:
        return len(self.projects)

    @property
    def total_investment(self) -> Decimal:
        return sum((line.total_investment for line in self.projects), Decimal("0.00"))

    @property
    def planned_investment(self) -> Decimal:
        return sum((line.planned_investment for line in self.projects), Decimal("0.00"))

    @property
    def ytd(self) -> Decimal:
        return sum((line.ytd for line in self.projects), Decimal("0.00"))


@dataclass(frozen=True)
class ProjectBoard:
    """A year's projects by stage (储备/开工/竣工/投产), measured at the month ``period``.

    ``period`` (a first day, in ``year``) is None when no project reported in the year and none
    was asked for: then there is no time progress and no light.
    """

    year: int
    period: datetime.date | None
    columns: tuple[StageColumn, ...]

    @property
    def month(self) -> int | None:
        """Return the month of the year the board is measured at (1-12), or None."""
        return None if self.period is None else self.period.month

    @property
    def time_progress(self) -> Fraction | None:
        return None if self.month is None else time_progress(self.month)

    @property
    def lines(self) -> list[ProjectLine]:
        return [line for column in self.columns for line in column.projects]

    @property
    def count(self) -> int:
        return sum(column.count for column in self.columns)

    @property
    def total_investment(self) -> Decimal:
        return sum((column.total_investment for column in self.columns), Decimal("0.00"))

    @property
    def planned_investment(self) -> Decimal:
        return sum((column.planned_investment for column in self.columns), Decimal("0.00"))

    @property
    def ytd(self) -> Decimal:
        return sum((column.ytd for column in self.columns), Decimal("0.00"))

    @property
    def lights(self) -> dict[str, int]:
        counts = {"green": 0, "yellow": 0, "red": 0}
        for line in self.lines:
            if line.light:
                counts[line.light] += 1
        return counts


def get_latest_report_month(*, year: int) -> datetime.date | None:
    """Return the latest month of ``year`` with any project report (its first day), or None."""
    latest = ProjectReport.objects.filter(period__year=year).aggregate(latest=Max("period"))
    return latest["latest"]


def get_default_year(*, today: datetime.date) -> DefaultPeriod:
    """Return the latest year up to ``today``'s with a project plan, else ``today``'s year."""
    return default_year(ProjectPlan.objects.all(), "year", current=today.year)


def _year_end_stage(year: int):
    """Return an expression for a project's stage at the end of ``year`` (from its moves).

    The stage entered by the last move dated in or before the year; before any move, the stage
    the first later move left; a project without recorded moves is at its current stage.
    """
    end = datetime.date(year, 12, 31)
    moves = StageMove.objects.filter(project=OuterRef("project"))
    return Coalesce(
        Subquery(
            moves.filter(moved_on__lte=end).order_by("-moved_on", "-id").values("to_stage")[:1]
        ),
        Subquery(
            moves.filter(moved_on__gt=end).order_by("moved_on", "id").values("from_stage")[:1]
        ),
        F("project__stage"),
    )


def _plans_with_figures(*, year: int, period: datetime.date | None) -> QuerySet[ProjectPlan]:
    """Return the plans of ``year`` annotated with YTD through ``period``, progress and stage.

    Without a month, through December.
    """
    through = period or datetime.date(year, 12, 1)
    reports = ProjectReport.objects.filter(project=OuterRef("project"), period__lte=through)
    ytd = (
        reports.filter(period__gte=datetime.date(year, 1, 1))
        .order_by()
        .values("project")
        .annotate(total=Sum("investment", output_field=SUM_FIELD))
        .values("total")
    )
    end = datetime.date(year, 12, 31)
    return (
        ProjectPlan.objects.filter(year=year)
        .select_related("project__enterprise", "department", "leader")
        .annotate(
            ytd=Coalesce(Subquery(ytd, output_field=SUM_FIELD), Value(Decimal("0.00"))),
            latest_percent=Subquery(
                reports.order_by("-period").values("percent_complete")[:1],
                output_field=IntegerField(),
            ),
            stage_at_end=_year_end_stage(year),
            stage_since=Subquery(
                StageMove.objects.filter(project=OuterRef("project"), moved_on__lte=end)
                .order_by("-moved_on", "-id")
                .values("moved_on")[:1]
            ),
        )
        .order_by("project__name", "project_id")
    )


def _line(plan: ProjectPlan, *, period: datetime.date | None, rules: LightRules) -> ProjectLine:
    """Return a plan's line, lit against time progress at the month ``period`` (if any)."""
    month = None if period is None else period.month
    project = plan.project
    ytd = cents(plan.ytd)
    planned = cents(plan.planned_investment)
    rate = completion_rate(ytd, planned) if month else None
    gap = indicators.gap(rate, month)
    return ProjectLine(
        id=project.pk,
        name=project.name,
        kind=project.kind,
        stage=plan.stage_at_end,
        stage_since=plan.stage_since,
        enterprise_id=project.enterprise_id,
        enterprise_name=project.enterprise.name if project.enterprise else "",
        chain=project.enterprise.chain if project.enterprise else "",
        department_id=plan.department_id,
        department_code=plan.department.code,
        department_name=plan.department.name,
        leader_name=plan.leader.name,
        capacity=project.capacity,
        total_investment=cents(project.total_investment),
        planned_investment=planned,
        ytd=ytd,
        percent_complete=plan.latest_percent,
        completion_rate=rate,
        gap=gap,
        light=light_for(gap, rules),
        planned_end=project.planned_end,
    )


def list_project_lines(
    *,
    year: int,
    period: datetime.date | None,
    department: int | None = None,
    kind: str = "",
    chain: str = "",
    project: int | None = None,
    user=None,
) -> list[ProjectLine]:
    """Return the projects with a plan for ``year``, measured at the month ``period``.

    ``period`` is a first day in ``year``; None measures no month (no rate, gap or light).
    One query. Filters: the plan's department, the project's kind, the investor enterprise's
    chain, or one project; with ``user``, only the projects within their scope.
    """
    plans = _plans_with_figures(year=year, period=period)
    if user is not None:
        plans = scope_queryset(plans, user)
    if department:
        plans = plans.filter(department_id=department)
    if kind:
        plans = plans.filter(project__kind=kind)
    if chain:
        plans = plans.filter(project__enterprise__chain=chain)
    if project:
        plans = plans.filter(project_id=project)
    rules = LightRules.from_settings()
    return [_line(plan, period=period, rules=rules) for plan in plans]


def get_project_board(
    *,
    year: int,
    period: datetime.date | None = None,
    department: int | None = None,
    kind: str = "",
    chain: str = "",
    user=None,
) -> ProjectBoard:
    """Return the pipeline board of ``year``: its projects by stage, with counts and lights.

    The projects are those with a plan for ``year``, at their stage at the end of that year.
    ``period`` (a first day in ``year``) defaults to the latest month of the year with any
    project report. Two queries
    whatever the number of projects.
    """
    if period is None:
        period = get_latest_report_month(year=year)
    lines = list_project_lines(
        year=year, period=period, department=department, kind=kind, chain=chain, user=user
    )
    by_stage = defaultdict(list)
    for line in lines:
        by_stage[line.stage].append(line)
    return ProjectBoard(
        year=year,
        period=period,
        columns=tuple(StageColumn(stage, tuple(by_stage[stage])) for stage in Stage.values),
    )


def list_board_choices(*, year: int) -> tuple[list[tuple[int, str]], list[str]]:
    """Return the departments and industry chains the board of ``year`` can be filtered by."""
    departments = list(
        Department.objects.filter(project_plans__year=year)
        .distinct()
        .order_by("code")
        .values_list("id", "name")
    )
    chains = list(
        Enterprise.objects.filter(projects__plans__year=year)
        .exclude(chain="")
        .order_by("chain")
        .values_list("chain", flat=True)
        .distinct()
    )
    return departments, chains
