"""A project's page, with its stage moves and half-year inspections."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.periods import format_period

from ..forms import ProjectInspectionForm, StageMoveForm
from ..models import Project
from ..selectors.board import get_latest_report_month, list_project_lines
from ..selectors.project_page import (
    get_investment_curve,
    get_project,
    list_enterprise_problems,
    list_project_evaluations_of,
    list_project_inspections,
    list_project_reports,
)
from ..services import (
    can_edit_project,
    can_inspect_projects,
    move_project_stage_from_page,
    record_project_inspection,
)
from .common import add_errors, year_asked


def _render_detail(request, project: Project, *, stage_form=None, inspection_form=None, status=200):
    """Render a project's page for the year asked for (by default its latest plan's so far)."""
    today = timezone.localdate()
    plans = list(project.plans.all())
    plan_years = [plan.year for plan in plans]
    default_year = max((y for y in plan_years if y <= today.year), default=today.year)
    year = year_asked(request, default=default_year)
    plan = next((p for p in plans if p.year == year), None)
    reports = list_project_reports(project=project)
    period = get_latest_report_month(year=year)
    line = next(iter(list_project_lines(year=year, period=period, project=project.pk)), None)
    curve = get_investment_curve(
        reports=reports, year=year, planned=plan.planned_investment if plan else None
    )
    photos = [photo for report in reversed(reports) for photo in report.photos.all()]
    latest = reports[-1] if reports else None
    context = {
        "project": project,
        "plans": plans,
        "plan": plan,
        "year": year,
        "plan_years": plan_years,
        "line": line,
        "reports": list(reversed(reports)),
        "latest": latest,
        "photos": photos,
        "problems": list_enterprise_problems(enterprise_id=project.enterprise_id),
        "inspections": list_project_inspections(project=project),
        "evaluations": list_project_evaluations_of(project=project),
        **_writing_forms(request, project, today, stage_form, inspection_form),
        "report_period": format_period(_next_report_period(reports, today)),
        "chart_data": _chart_data(curve, with_plan=plan is not None),
    }
    return render(request, "projects/project_detail.html", context, status=status)


def _writing_forms(request, project: Project, today, stage_form, inspection_form) -> dict:
    """Return the forms of the page the user may write with, and whether they may report."""
    can_edit = can_edit_project(request.user, project, year=today.year)
    can_inspect = can_inspect_projects(request.user)
    if stage_form is None and can_edit:
        stage_form = StageMoveForm(
            current_stage=project.stage, today=today, initial={"moved_on": today}
        )
    if inspection_form is None and can_inspect:
        inspection_form = ProjectInspectionForm(
            initial={
                "year": today.year,
                "half": 1 if today.month <= 6 else 2,
                "inspected_on": today,
            }
        )
    return {
        "stage_form": stage_form if can_edit and stage_form.fields["to_stage"].choices else None,
        "inspection_form": inspection_form if can_inspect else None,
        "can_report": can_edit and project.stage != "reserve",
    }


def _next_report_period(reports, today: datetime.date) -> datetime.date:
    """Return the month the page offers to report on.

    Figures of a month are reported early the next month: offer last month until it is in.
    """
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    reported = {r.period for r in reports}
    return last_month if last_month not in reported else this_month


def _chart_data(curve, *, with_plan: bool) -> dict:
    """Return the investment curve as the chart reads it (the plan's line only with a plan)."""
    return {
        "months": [_("M%(month)s") % {"month": point.month} for point in curve],
        "cumulative": [
            None if point.cumulative is None else float(point.cumulative) for point in curve
        ],
        "planned": [float(point.planned) for point in curve] if with_plan else [],
        "labels": {
            "cumulative": _("Cumulative investment"),
            "planned": _("Plan (straight line)"),
            "unit": _("10k CNY"),
        },
    }


def _project_or_404(pk: int, user) -> Project:
    try:
        return get_project(pk=pk, user=user)
    except Project.DoesNotExist as error:
        raise Http404 from error


@login_required
def detail(request, pk):
    """Show a project: facts, stage timeline, reports, investment curve, photos and grades."""
    return _render_detail(request, _project_or_404(pk, request.user))


@login_required
@require_POST
def stage_move(request, pk):
    """Move the project to a later stage on a date (the sponsoring department or leader)."""
    project = _project_or_404(pk, request.user)
    today = timezone.localdate()
    form = StageMoveForm(request.POST, current_stage=project.stage, today=today)
    if form.is_valid():
        try:
            move = move_project_stage_from_page(
                project=project,
                to_stage=form.cleaned_data["to_stage"],
                moved_on=form.cleaned_data["moved_on"],
                acting_user=request.user,
                today=today,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(project)s moved to “%(stage)s” on %(date)s.")
                % {
                    "project": project.name,
                    "stage": move.get_to_stage_display(),
                    "date": move.moved_on.isoformat(),
                },
            )
            return redirect("projects:detail", pk=project.pk)
    return _render_detail(request, project, stage_form=form, status=400)


@login_required
@require_POST
def inspection_new(request, pk):
    """Record a half-year inspection of the project (the supervision office)."""
    project = _project_or_404(pk, request.user)
    if not can_inspect_projects(request.user):
        raise PermissionDenied
    form = ProjectInspectionForm(request.POST)
    if form.is_valid():
        try:
            record_project_inspection(
                project=project,
                year=form.cleaned_data["year"],
                half=form.cleaned_data["half"],
                inspected_on=form.cleaned_data["inspected_on"],
                findings=form.cleaned_data["findings"],
                rating=form.cleaned_data["rating"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect(f"{reverse('projects:detail', args=[project.pk])}#inspections")
    return _render_detail(request, project, inspection_form=form, status=400)
