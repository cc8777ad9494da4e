"""Pages of the projects: the pipeline board, a project, its monthly report, analysis, grades."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.periods import DefaultPeriod, format_period, parse_period
from core.scoping import get_scoped_object_or_404
from enterprises.site import SITE

from .forms import (
    BoardFilterForm,
    EvaluationConfirmForm,
    ProjectInspectionForm,
    ProjectReportForm,
    StageMoveForm,
)
from .models import EvaluationGrade, Project, ProjectReport
from .selectors import (
    get_default_year,
    get_investment_curve,
    get_latest_report_month,
    get_latest_report_period,
    get_monthly_analysis,
    get_project,
    get_project_board,
    list_board_choices,
    list_enterprise_problems,
    list_evaluation_lines,
    list_project_evaluations_of,
    list_project_inspections,
    list_project_lines,
    list_project_reports,
)
from .services import (
    can_confirm_evaluations,
    can_edit_project,
    can_inspect_projects,
    confirm_project_evaluation,
    move_project_stage_from_page,
    record_project_inspection,
    submit_project_report,
)


def _year(request, *, default: int) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


def _year_or_default(request, *, default) -> tuple[int, DefaultPeriod | None]:
    """Return the year asked for and, when none was, the default year (``default()``)."""
    value = request.GET.get("year", "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value), None
    chosen = default()
    return chosen.value, None if value else chosen


def _add_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- the lists' columns, as on the screen (the Excel downloads use the same) --------------------

LIGHT_LABELS = {
    "green": gettext_lazy("Green"),
    "yellow": gettext_lazy("Yellow"),
    "red": gettext_lazy("Red"),
}


# Templates write "%" in a msgid as "%%": read the same catalogue entry and undo the escape.
PROGRESS_LABEL = lazy(lambda: _("Progress (%%)") % {}, str)()


def _rate(read):
    """Return a reader of a rate (a fraction) as a number Excel formats as a percentage."""

    def value(row):
        rate = read(row)
        return None if rate is None else float(rate)

    return value


def _light(read):
    return lambda row: LIGHT_LABELS.get(read(row) or "")


BOARD_COLUMNS = [
    Column(gettext_lazy("Stage"), attr("stage_label")),
    Column(gettext_lazy("Project"), attr("name")),
    Column(gettext_lazy("Sponsoring department"), attr("department_name")),
    Column(gettext_lazy("Planned (10k CNY)"), attr("planned_investment")),
    Column(gettext_lazy("Year to date"), attr("ytd")),
    Column(gettext_lazy("Completion"), _rate(attr("completion_rate"))),
    Column(PROGRESS_LABEL, attr("percent_complete")),
    Column(gettext_lazy("Light"), _light(attr("light"))),
]
# Rows of the analysis are (department, lagging project) pairs.
ANALYSIS_COLUMNS = [
    Column(
        gettext_lazy("Sponsoring department"),
        lambda row: row[0].department_name or gettext_lazy("No sponsoring department"),
    ),
    Column(gettext_lazy("Project"), lambda row: row[1].name),
    Column(gettext_lazy("Planned (10k CNY)"), lambda row: row[1].planned_investment),
    Column(gettext_lazy("Year to date"), lambda row: row[1].ytd),
    Column(gettext_lazy("Completion"), _rate(lambda row: row[1].completion_rate)),
    Column(gettext_lazy("Gap"), _rate(lambda row: row[1].gap)),
    Column(gettext_lazy("Light"), _light(lambda row: row[1].light)),
]


def _confirmed_grade(item) -> str:
    if item.evaluation and item.evaluation.confirmed:
        return item.evaluation.get_grade_display()
    return _("not confirmed")


EVALUATION_COLUMNS = [
    Column(gettext_lazy("Project"), attr("project.name")),
    Column(gettext_lazy("Planned (10k CNY)"), attr("project.planned_investment")),
    Column(gettext_lazy("Invested in the year"), attr("project.ytd")),
    Column(gettext_lazy("Completion"), _rate(attr("completion"))),
    Column(PROGRESS_LABEL, attr("project.percent_complete")),
    Column(gettext_lazy("Proposed"), attr("proposed_label")),
    Column(gettext_lazy("Confirmed grade"), _confirmed_grade),
]


# --- the pipeline board -------------------------------------------------------------------------


def _ranking_url(**query) -> str:
    """Return the department ranking's URL (the site names it) with the query, or ""."""
    if not SITE.ranking_url_name:
        return ""
    return f"{reverse(SITE.ranking_url_name)}?{urlencode(query)}"


@login_required
def board(request):
    """Show a year's projects by stage with counts, investment and each project's light."""
    year, default = _year_or_default(
        request, default=lambda: get_default_year(today=timezone.localdate())
    )
    departments, chains = list_board_choices(year=year)
    form = BoardFilterForm(
        {**request.GET.dict(), "year": year}, departments=departments, chains=chains
    )
    form.is_valid()
    chosen = form.cleaned_data
    data = get_project_board(
        year=year,
        month=chosen.get("month"),
        department=chosen.get("department"),
        kind=chosen.get("kind") or "",
        chain=chosen.get("chain") or "",
        user=request.user,
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Industrial projects %(year)s") % {"year": year},
            filename=f"{_('Industrial projects %(year)s') % {'year': year}}",
            columns=BOARD_COLUMNS,
            rows=data.lines,
        )
    period = {"period": f"{year:04d}-{data.month:02d}"} if data.month else {}
    return render(
        request,
        "projects/project_board.html",
        {
            "form": form,
            "default_period": default,
            "board": data,
            "months": range(1, 13),
            "ranking_url": _ranking_url(**period, metric="investment"),
            "tech_ranking_url": _ranking_url(**period, metric="tech_investment"),
        },
    )


# --- a project's page ---------------------------------------------------------------------------


def _render_detail(request, project: Project, *, stage_form=None, inspection_form=None, status=200):
    today = timezone.localdate()
    plans = list(project.plans.all())
    plan_years = [plan.year for plan in plans]
    default_year = max((y for y in plan_years if y <= today.year), default=today.year)
    year = _year(request, default=default_year)
    plan = next((p for p in plans if p.year == year), None)
    reports = list_project_reports(project=project)
    month = get_latest_report_month(year=year)
    line = next(iter(list_project_lines(year=year, month=month, project=project.pk)), None)
    curve = get_investment_curve(
        reports=reports, year=year, planned=plan.planned_investment if plan else None
    )
    photos = [photo for report in reversed(reports) for photo in report.photos.all()]
    latest = reports[-1] if reports else None
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
    # Figures of a month are reported early the next month: offer last month until it is in.
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    reported = {r.period for r in reports}
    next_period = last_month if last_month not in reported else this_month
    return render(
        request,
        "projects/project_detail.html",
        {
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
            "stage_form": stage_form
            if can_edit and stage_form.fields["to_stage"].choices
            else None,
            "inspection_form": inspection_form if can_inspect else None,
            "can_report": can_edit and project.stage != "reserve",
            "report_period": format_period(next_period),
            "chart_data": {
                "months": [_("M%(month)s") % {"month": point.month} for point in curve],
                "cumulative": [
                    None if point.cumulative is None else float(point.cumulative) for point in curve
                ],
                "planned": [float(point.planned) for point in curve] if plan else [],
                "labels": {
                    "cumulative": _("Cumulative investment"),
                    "planned": _("Plan (straight line)"),
                    "unit": _("10k CNY"),
                },
            },
        },
        status=status,
    )


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
            _add_errors(form, error)
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
            _add_errors(form, error)
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect(f"{reverse('projects:detail', args=[project.pk])}#inspections")
    return _render_detail(request, project, inspection_form=form, status=400)


# --- the monthly report -------------------------------------------------------------------------


@login_required
def report(request, pk, period):
    """File or amend a project's monthly report (月报表), with photos of its progress."""
    project = get_scoped_object_or_404(
        Project.objects.select_related("enterprise"), request.user, pk=pk
    )
    try:
        month = parse_period(period)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    existing = (
        ProjectReport.objects.filter(project=project, period=month)
        .prefetch_related("photos")
        .first()
    )
    previous = (
        ProjectReport.objects.filter(project=project, period__lt=month).order_by("-period").first()
    )
    can_edit = can_edit_project(request.user, project, year=month.year)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ProjectReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = submit_project_report(
                    project=project,
                    period=month,
                    investment=form.cleaned_data["investment"],
                    percent_complete=form.cleaned_data["percent_complete"],
                    progress_note=form.cleaned_data["progress_note"],
                    problems=form.cleaned_data["problems"],
                    photos=form.cleaned_data["photos"],
                    acting_user=request.user,
                    now=timezone.now(),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The report of %(period)s for %(project)s is saved.")
                    % {"period": period, "project": project.name},
                )
                return redirect(
                    f"{reverse('projects:detail', args=[project.pk])}?year={saved.period.year}"
                )
    elif existing:
        form = ProjectReportForm(
            initial={
                "investment": existing.investment,
                "percent_complete": existing.percent_complete,
                "progress_note": existing.progress_note,
                "problems": existing.problems,
            }
        )
    else:
        form = ProjectReportForm(
            initial={"percent_complete": previous.percent_complete if previous else 0}
        )
    refusal = None
    if project.stage == "reserve":
        refusal = _("A project in reserve has no monthly reports.")
    elif not can_edit:
        refusal = _("Only the project's sponsoring department and leader may report on it.")
    previous_month = (month - datetime.timedelta(days=1)).replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "projects/projectreport_form.html",
        {
            "project": project,
            "period": month,
            "form": form,
            "report": existing,
            "previous": previous,
            "refusal": refusal,
            "previous_period": format_period(previous_month),
            "next_period": format_period(next_month),
            "is_current_month": month >= timezone.localdate().replace(day=1),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the monthly analysis -----------------------------------------------------------------------


@login_required
def analysis(request):
    """Show a month's project problems and lagging projects by department (月分析)."""
    today = timezone.localdate()
    error = None
    period = None
    if request.GET.get("period"):
        try:
            period = parse_period(request.GET["period"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    default = None
    if period is None:
        latest = get_latest_report_period(today=today)
        period, default = latest.value, None if error else latest
    if wants_xlsx(request):
        lagging = get_monthly_analysis(period=period, user=request.user).departments
        return xlsx_response(
            title=_("Lagging projects"),
            filename=f"{_('Lagging projects')}-{format_period(period)}",
            columns=ANALYSIS_COLUMNS,
            rows=[(department, line) for department in lagging for line in department.lagging],
        )
    return render(
        request,
        "projects/analysis.html",
        {
            "analysis": get_monthly_analysis(period=period, user=request.user),
            "error": error,
            "period": period,
            "default_period": default,
        },
    )


# --- the year-end evaluation --------------------------------------------------------------------


@login_required
def evaluations(request):
    """List the year's projects with their proposed grade and the confirmed one (年终评比)."""
    today = timezone.localdate()
    last_year = today.year if today.month == 12 else today.year - 1
    year, default = _year_or_default(
        request, default=lambda: get_default_year(today=datetime.date(last_year, 12, 31))
    )
    can_confirm = can_confirm_evaluations(request.user)
    if request.method == "POST":
        if not can_confirm:
            raise PermissionDenied
        form = EvaluationConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a grade."))
            return redirect(f"{reverse('projects:evaluations')}?year={year}")
        project = get_scoped_object_or_404(Project, request.user, pk=form.cleaned_data["project"])
        year = form.cleaned_data["year"]
        try:
            confirm_project_evaluation(
                project=project,
                year=year,
                grade=form.cleaned_data["grade"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
                now=timezone.now(),
                today=today,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The grade of %(project)s for %(year)s is confirmed.")
                % {"project": project.name, "year": year},
            )
        return redirect(f"{reverse('projects:evaluations')}?year={year}#project-{project.pk}")
    lines = list_evaluation_lines(year=year, user=request.user)
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Year-end project evaluation %(year)s") % {"year": year},
            filename=f"{_('Year-end project evaluation %(year)s') % {'year': year}}",
            columns=EVALUATION_COLUMNS,
            rows=lines,
        )
    return render(
        request,
        "projects/evaluation_list.html",
        {
            "year": year,
            "default_period": default,
            "lines": lines,
            "can_confirm": can_confirm,
            "grades": EvaluationGrade.choices,
            "confirmable": today >= datetime.date(year, 12, 1),
        },
    )
