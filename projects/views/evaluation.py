"""The year-end evaluation of the projects (年终评比): proposed and confirmed grades."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.scoping import get_scoped_object_or_404

from ..forms import EvaluationConfirmForm
from ..models import EvaluationGrade, Project
from ..selectors.board import get_default_year
from ..selectors.grades import list_evaluation_lines
from ..services import can_confirm_evaluations, confirm_project_evaluation
from .common import PROGRESS_LABEL, as_rate, year_or_default


def _confirmed_grade(item) -> str:
    if item.evaluation and item.evaluation.confirmed:
        return item.evaluation.get_grade_display()
    return _("not confirmed")


EVALUATION_COLUMNS = [
    Column(gettext_lazy("Project"), attr("project.name")),
    Column(gettext_lazy("Planned (10k CNY)"), attr("project.planned_investment")),
    Column(gettext_lazy("Invested in the year"), attr("project.ytd")),
    Column(gettext_lazy("Completion"), as_rate(attr("completion"))),
    Column(PROGRESS_LABEL, attr("project.percent_complete")),
    Column(gettext_lazy("Proposed"), attr("proposed_label")),
    Column(gettext_lazy("Confirmed grade"), _confirmed_grade),
]


@login_required
def evaluations(request):
    """List the year's projects with their proposed grade and the confirmed one (年终评比)."""
    today = timezone.localdate()
    last_year = today.year if today.month == 12 else today.year - 1
    year, default = year_or_default(
        request, default=lambda: get_default_year(today=datetime.date(last_year, 12, 31))
    )
    can_confirm = can_confirm_evaluations(request.user)
    if request.method == "POST":
        if not can_confirm:
            raise PermissionDenied
        return _confirm(request, year=year, today=today)
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


def _confirm(request, *, year: int, today: datetime.date):
    """Confirm the posted grade, say how it went and return to the project's line."""
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
