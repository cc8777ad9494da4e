"""The year-end assessment page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import XLSX, attachment

from ..forms import year_from
from ..selectors.assessment import get_assessment_standing, list_assessments
from ..selectors.defaults import get_assessment_default_year
from .workbooks import render_assessment_xlsx


@login_required
def assessment(request):
    """Show the year-end assessment: every part of each department's score, and the ranking."""
    today = timezone.localdate()
    form, year, default = year_from(
        request, default=lambda: get_assessment_default_year(today=today)
    )
    rows = list_assessments(year=year, today=today)
    if request.GET.get("format") == "xlsx":
        return attachment(
            render_assessment_xlsx(rows=rows, year=year),
            XLSX,
            name=f"{_('assessment')}-{year}.xlsx",
            fallback=f"assessment-{year}.xlsx",
        )
    return render(
        request,
        "hengkou/assessment.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "default_period": default,
            "standing": get_assessment_standing(year=year, today=today),
        },
    )
