"""A project's monthly report (月报表): the page that files or amends it."""

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

from core.periods import format_period, parse_period
from core.scoping import get_scoped_object_or_404

from ..forms import ProjectReportForm
from ..models import Project, ProjectReport
from ..services import can_edit_project, submit_project_report
from .common import add_errors


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
        if form.is_valid() and (saved := _submit(request, form, project=project, period=month)):
            messages.success(
                request,
                _("The report of %(period)s for %(project)s is saved.")
                % {"period": period, "project": project.name},
            )
            return redirect(
                f"{reverse('projects:detail', args=[project.pk])}?year={saved.period.year}"
            )
    else:
        form = _unbound_form(existing, previous)
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
            "refusal": _refusal(project, can_edit=can_edit),
            "previous_period": format_period(previous_month),
            "next_period": format_period(next_month),
            "is_current_month": month >= timezone.localdate().replace(day=1),
        },
        status=400 if request.method == "POST" else 200,
    )


def _submit(request, form, *, project: Project, period: datetime.date) -> ProjectReport | None:
    """Submit the valid form's report; on a refusal, show it on the form and return None."""
    try:
        return submit_project_report(
            project=project,
            period=period,
            investment=form.cleaned_data["investment"],
            percent_complete=form.cleaned_data["percent_complete"],
            progress_note=form.cleaned_data["progress_note"],
            problems=form.cleaned_data["problems"],
            photos=form.cleaned_data["photos"],
            acting_user=request.user,
            now=timezone.now(),
        )
    except ValidationError as error:
        add_errors(form, error)
        return None


def _unbound_form(existing: ProjectReport | None, previous: ProjectReport | None):
    """Return the form filled with the month's report, else starting from the previous progress."""
    if existing:
        return ProjectReportForm(
            initial={
                "investment": existing.investment,
                "percent_complete": existing.percent_complete,
                "progress_note": existing.progress_note,
                "problems": existing.problems,
            }
        )
    return ProjectReportForm(
        initial={"percent_complete": previous.percent_complete if previous else 0}
    )


def _refusal(project: Project, *, can_edit: bool) -> str | None:
    """Return why the user cannot report on the project, or None."""
    if project.stage == "reserve":
        return _("A project in reserve has no monthly reports.")
    if not can_edit:
        return _("Only the project's sponsoring department and leader may report on it.")
    return None
