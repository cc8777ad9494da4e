"""The monthly analysis of the projects (月分析) and its Excel download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import Column, wants_xlsx, xlsx_response
from core.periods import format_period, parse_period

from ..selectors.analysis import get_latest_report_period, get_monthly_analysis
from .common import as_light, as_rate

# Rows of the analysis are (department, lagging project) pairs.
ANALYSIS_COLUMNS = [
    Column(
        gettext_lazy("Sponsoring department"),
        lambda row: row[0].department_name or gettext_lazy("No sponsoring department"),
    ),
    Column(gettext_lazy("Project"), lambda row: row[1].name),
    Column(gettext_lazy("Planned (10k CNY)"), lambda row: row[1].planned_investment),
    Column(gettext_lazy("Year to date"), lambda row: row[1].ytd),
    Column(gettext_lazy("Completion"), as_rate(lambda row: row[1].completion_rate)),
    Column(gettext_lazy("Gap"), as_rate(lambda row: row[1].gap)),
    Column(gettext_lazy("Light"), as_light(lambda row: row[1].light)),
]


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
