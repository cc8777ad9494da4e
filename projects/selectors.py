"""Reads of the projects app: the pipeline board, a project's page, the monthly analysis, grades.

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
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core import indicators
from core.indicators import LightRules, completion_rate, due_by, light_for, time_progress
from core.numbers import cents
from core.periods import DefaultPeriod, default_month, default_year
from core.scoping import scope_queryset
from enterprises.models import Department, Enterprise, Problem

from .choices import ProjectKind, Stage
from .models import (
    EvaluationGrade,
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPlan,
    ProjectReport,
    StageMove,
)

SUM_FIELD = DecimalField(max_digits=20, decimal_places=2)
LAGGING_LIGHTS = ("red", "yellow")
FINISHED_STAGES = (Stage.COMPLETED, Stage.OPERATING)


# --- the pipeline board -------------------------------------------------------------------------


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
    """A year's projects by stage (储备/开工/竣工/投产), measured at month ``month``.

    ``month`` is None when no project reported in the year and none was asked for: then there
    is no time progress and no light.
    """

    year: int
    month: int | None
    columns: tuple[StageColumn, ...]

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


def get_latest_report_month(*, year: int) -> int | None:
    """Return the latest month of ``year`` with any project report, or None."""
    latest = ProjectReport.objects.filter(period__year=year).aggregate(latest=Max("period"))
    return latest["latest"].month if latest["latest"] else None


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


def _plans_with_figures(*, year: int, month: int | None) -> QuerySet[ProjectPlan]:
    """Return the plans of ``year`` annotated with YTD through ``month``, progress and stage."""
    through = datetime.date(year, month or 12, 1)
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


def _line(plan: ProjectPlan, *, month: int | None, rules: LightRules) -> ProjectLine:
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
    month: int | None,
    department: int | None = None,
    kind: str = "",
    chain: str = "",
    project: int | None = None,
    user=None,
) -> list[ProjectLine]:
    """Return the projects with a plan for ``year``, measured at ``month``; one query.

    Filters: the plan's department, the project's kind, the investor enterprise's chain, or
    one project; with ``user``, only the projects within their scope.
    """
    plans = _plans_with_figures(year=year, month=month)
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
    return [_line(plan, month=month, rules=rules) for plan in plans]


def get_project_board(
    *,
    year: int,
    month: int | None = None,
    department: int | None = None,
    kind: str = "",
    chain: str = "",
    user=None,
) -> ProjectBoard:
    """Return the pipeline board of ``year``: its projects by stage, with counts and lights.

    The projects are those with a plan for ``year``, at their stage at the end of that year.
    ``month`` defaults to the latest month of the year with any project report. Two queries
    whatever the number of projects.
    """
    if month is None:
        month = get_latest_report_month(year=year)
    lines = list_project_lines(
        year=year, month=month, department=department, kind=kind, chain=chain, user=user
    )
    by_stage = defaultdict(list)
    for line in lines:
        by_stage[line.stage].append(line)
    return ProjectBoard(
        year=year,
        month=month,
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


# --- a project's page ---------------------------------------------------------------------------


def get_project(*, pk: int, user=None) -> Project:
    """Return a project with its enterprise, plans (leader, department) and stage moves.

    With ``user``, a project outside their scope does not exist.
    """
    projects = Project.objects.all()
    if user is not None:
        projects = scope_queryset(projects, user)
    return (
        projects.select_related("enterprise")
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=ProjectPlan.objects.select_related("leader", "department").order_by(
                    "year"
                ),
            ),
            Prefetch(
                "stage_moves",
                queryset=StageMove.objects.select_related("moved_by").order_by("moved_on", "id"),
            ),
        )
        .get(pk=pk)
    )


def list_project_reports(*, project: Project) -> list[ProjectReport]:
    """Return a project's monthly reports, oldest first, with their photos."""
    return list(
        ProjectReport.objects.filter(project=project).prefetch_related("photos").order_by("period")
    )


@dataclass(frozen=True)
class CurvePoint:
    """One month of the investment curve: the cumulative investment and the plan's line."""

    month: int
    cumulative: Decimal | None
    planned: Decimal


def get_investment_curve(
    *, reports: list[ProjectReport], year: int, planned: Decimal | None
) -> list[CurvePoint]:
    """Return months 1..12 of ``year``: cumulative investment and the plan's straight line.

    The plan's line goes from 0 to the planned investment at month 12 (planned × m / 12). The
    cumulative line stops at the latest reported month; a missing month before it adds 0.
    """
    monthly = {r.period.month: r.investment for r in reports if r.period.year == year}
    last = max(monthly, default=0)
    planned = planned or Decimal("0.00")
    points, running = [], Decimal("0.00")
    for month in range(1, 13):
        running += monthly.get(month, Decimal("0.00"))
        points.append(
            CurvePoint(
                month=month,
                cumulative=cents(running) if month <= last else None,
                planned=cents(due_by(planned, month)),
            )
        )
    return points


def list_enterprise_problems(*, enterprise_id: int | None, limit: int = 10) -> list[Problem]:
    """Return the investor enterprise's latest problems (a Problem names no project)."""
    if not enterprise_id:
        return []
    return list(
        Problem.objects.filter(enterprise_id=enterprise_id)
        .select_related("department")
        .order_by("-raised_on", "-id")[:limit]
    )


def list_project_inspections(*, project: Project) -> list[ProjectInspection]:
    """Return a project's half-year inspections, latest first."""
    return list(project.inspections.select_related("inspector").order_by("-year", "-half"))


def list_project_evaluations_of(*, project: Project) -> list[ProjectEvaluation]:
    """Return a project's year-end evaluations, latest year first."""
    return list(project.evaluations.select_related("confirmed_by").order_by("-year"))


# --- the monthly analysis (月分析) --------------------------------------------------------------


@dataclass(frozen=True)
class ReportedProblem:
    """A problem written in a project's monthly report."""

    project_id: int
    project_name: str
    problems: str
    progress_note: str
    percent_complete: int


@dataclass(frozen=True)
class DepartmentAnalysis:
    """A department's part of the monthly analysis: its projects' problems and laggards."""

    department_id: int | None
    department_name: str
    problems: tuple[ReportedProblem, ...]
    lagging: tuple[ProjectLine, ...]


@dataclass(frozen=True)
class MonthlyAnalysis:
    """The month's project problems and lagging projects, by sponsoring department."""

    period: datetime.date
    time_progress: Fraction
    departments: tuple[DepartmentAnalysis, ...]
    reported: int
    planned: int

    @property
    def problems_count(self) -> int:
        return sum(len(d.problems) for d in self.departments)

    @property
    def lagging_count(self) -> int:
        return sum(len(d.lagging) for d in self.departments)


def get_monthly_analysis(*, period: datetime.date, user=None) -> MonthlyAnalysis:
    """Return the analysis of month ``period`` (月分析): problems and lagging projects.

    Problems are the month's project reports with a non-empty ``problems``; lagging projects
    are those whose light at that month is red or yellow. Both are grouped by the project's
    sponsoring department for the year (its plan), departments in code order, a report of a
    project without a plan last. Three queries.
    """
    year, month = period.year, period.month
    plan = ProjectPlan.objects.filter(project=OuterRef("project"), year=year)
    month_reports = ProjectReport.objects.filter(period=period)
    if user is not None:
        month_reports = scope_queryset(month_reports, user)
    reports = list(
        month_reports.annotate(
            department_id=Subquery(plan.values("department_id")[:1]),
            department_code=Subquery(plan.values("department__code")[:1]),
            department_name=Subquery(plan.values("department__name")[:1]),
        )
        .values(
            "project_id",
            "project__name",
            "problems",
            "progress_note",
            "percent_complete",
            "department_id",
            "department_code",
            "department_name",
        )
        .order_by("project__name")
    )
    lines = list_project_lines(year=year, month=month, user=user)
    names: dict[int | None, tuple[str, str]] = {}
    problems: dict[int | None, list[ReportedProblem]] = defaultdict(list)
    for row in reports:
        if not row["problems"].strip():
            continue
        key = row["department_id"]
        names[key] = (row["department_code"] or "", row["department_name"] or "")
        problems[key].append(
            ReportedProblem(
                project_id=row["project_id"],
                project_name=row["project__name"],
                problems=row["problems"],
                progress_note=row["progress_note"],
                percent_complete=row["percent_complete"],
            )
        )
    lagging: dict[int | None, list[ProjectLine]] = defaultdict(list)
    for line in lines:
        if line.lagging:
            names[line.department_id] = (line.department_code, line.department_name)
            lagging[line.department_id].append(line)
    order = sorted(names, key=lambda key: (key is None, names[key][0]))
    departments = tuple(
        DepartmentAnalysis(
            department_id=key,
            department_name=names[key][1],
            problems=tuple(problems[key]),
            lagging=tuple(sorted(lagging[key], key=lambda line: (line.gap, line.name))),
        )
        for key in order
    )
    return MonthlyAnalysis(
        period=period,
        time_progress=time_progress(month),
        departments=departments,
        reported=len(reports),
        planned=len(lines),
    )


def get_latest_report_period(*, today: datetime.date) -> DefaultPeriod:
    """Return the latest month up to ``today``'s with any project report, else ``today``'s."""
    return default_month(ProjectReport.objects.all(), "period", today=today)


# --- the year-end evaluation (年终评比) ---------------------------------------------------------

GRADE_THRESHOLDS = (
    (Fraction(1), EvaluationGrade.EXCELLENT),
    (Fraction(8, 10), EvaluationGrade.GOOD),
    (Fraction(6, 10), EvaluationGrade.PASS),
)


def propose_grade(
    *,
    completion: Fraction | None,
    finished: bool,
    planned_end: datetime.date | None,
    year: int,
) -> str:
    """Return the grade proposed from the year's investment completion and progress.

    ``completion`` is YTD at month 12 / the year's planned investment, capped at 1.
    Excellent at 100% when progress is on track, good from 80%, pass from 60%, else fail.
    Progress is on track unless the planned completion falls in or before ``year`` and the
    project had not finished (completed or 100% complete) by the year's end: then the grade is
    at best good. Without a planned investment no grade is proposed (empty string).
    """
    if completion is None:
        return ""
    completion = min(completion, Fraction(1))
    grade = EvaluationGrade.FAIL
    for threshold, candidate in GRADE_THRESHOLDS:
        if completion >= threshold:
            grade = candidate
            break
    behind = planned_end is not None and planned_end <= datetime.date(year, 12, 31) and not finished
    if grade == EvaluationGrade.EXCELLENT and behind:
        grade = EvaluationGrade.GOOD
    return grade.value


@dataclass(frozen=True)
class EvaluationLine:
    """A project of the year with its year-end figures, proposed grade and evaluation."""

    project: ProjectLine
    completion: Fraction | None
    finished: bool
    proposed_grade: str
    evaluation: ProjectEvaluation | None

    @property
    def proposed_label(self) -> str:
        return EvaluationGrade(self.proposed_grade).label if self.proposed_grade else ""


def _evaluation_line(line: ProjectLine, year: int, evaluation) -> EvaluationLine:
    rate = completion_rate(line.ytd, line.planned_investment)
    finished = line.stage in FINISHED_STAGES or line.percent_complete == 100
    capped = None if rate is None else min(rate, Fraction(1))
    return EvaluationLine(
        project=line,
        completion=capped,
        finished=finished,
        proposed_grade=propose_grade(
            completion=rate, finished=finished, planned_end=line.planned_end, year=year
        ),
        evaluation=evaluation,
    )


def list_evaluation_lines(
    *, year: int, department: int | None = None, user=None
) -> list[EvaluationLine]:
    """Return every project with a plan for ``year`` with its proposed grade and evaluation.

    Figures are those of month 12 whatever has been reported so far. Two queries.
    """
    lines = list_project_lines(year=year, month=12, department=department, user=user)
    evaluations = {
        e.project_id: e
        for e in ProjectEvaluation.objects.filter(year=year).select_related("confirmed_by")
    }
    return [_evaluation_line(line, year, evaluations.get(line.id)) for line in lines]


def get_evaluation_proposal(*, project: Project, year: int) -> str:
    """Return the grade proposed for ``project`` in ``year`` (empty without a plan)."""
    lines = list_project_lines(year=year, month=12, project=project.pk)
    return _evaluation_line(lines[0], year, None).proposed_grade if lines else ""


# --- funding applications (issue 9) ---------------------------------------------------------------

from django.db.models import Count  # noqa: E402

from .zone_models import FundingApplication  # noqa: E402


def list_funding_applications() -> QuerySet[FundingApplication]:
    """Return the funding applications with their project and enterprise, latest year first."""
    return FundingApplication.objects.select_related("project", "enterprise").order_by(
        "-year", "programme", "pk"
    )


def funding_totals(queryset: QuerySet[FundingApplication]) -> dict:
    """Return the applications' number and the amounts requested, approved and received (万元)."""
    totals = queryset.order_by().aggregate(
        applications=Count("pk"),
        sum_requested=Sum("requested"),
        sum_approved=Sum("approved"),
        sum_received=Sum("received"),
    )
    return {
        "applications": totals["applications"],
        **{name: cents(totals[f"sum_{name}"]) for name in ("requested", "approved", "received")},
    }
