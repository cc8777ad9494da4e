"""The monthly analysis of the projects (月分析): problems and lagging projects by department."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import OuterRef, Subquery

from core.indicators import time_progress
from core.periods import DefaultPeriod, default_month
from core.scoping import scope_queryset

from ..models import ProjectPlan, ProjectReport
from .board import ProjectLine, list_project_lines


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
    reports = _month_reports(period=period, user=user)
    lines = list_project_lines(year=period.year, period=period, user=user)
    return MonthlyAnalysis(
        period=period,
        time_progress=time_progress(period.month),
        departments=_by_department(reports, lines),
        reported=len(reports),
        planned=len(lines),
    )


def _month_reports(*, period: datetime.date, user) -> list[dict]:
    """Return the month's project reports (rows) with their plan's sponsoring department."""
    plan = ProjectPlan.objects.filter(project=OuterRef("project"), year=period.year)
    month_reports = ProjectReport.objects.filter(period=period)
    if user is not None:
        month_reports = scope_queryset(month_reports, user)
    return list(
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


def _by_department(reports: list[dict], lines: list[ProjectLine]) -> tuple[DepartmentAnalysis, ...]:
    """Return the reported problems and the lagging lines by department, in code order.

    The reports of projects without a plan come last; a department's lagging projects are
    sorted by gap, then name.
    """
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
    return tuple(
        DepartmentAnalysis(
            department_id=key,
            department_name=names[key][1],
            problems=tuple(problems[key]),
            lagging=tuple(sorted(lagging[key], key=lambda line: (line.gap, line.name))),
        )
        for key in order
    )


def get_latest_report_period(*, today: datetime.date) -> DefaultPeriod:
    """Return the latest month up to ``today``'s with any project report, else ``today``'s."""
    return default_month(ProjectReport.objects.all(), "period", today=today)
