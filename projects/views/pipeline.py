"""The pipeline board of a year's projects (储备/开工/竣工/投产) and its Excel download."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.periods import format_period
from enterprises.site import SITE

from ..forms import BoardFilterForm
from ..selectors.board import get_default_year, get_project_board, list_board_choices
from .common import PROGRESS_LABEL, as_light, as_rate, year_or_default

BOARD_COLUMNS = [
    Column(gettext_lazy("Stage"), attr("stage_label")),
    Column(gettext_lazy("Project"), attr("name")),
    Column(gettext_lazy("Sponsoring department"), attr("department_name")),
    Column(gettext_lazy("Planned (10k CNY)"), attr("planned_investment")),
    Column(gettext_lazy("Year to date"), attr("ytd")),
    Column(gettext_lazy("Completion"), as_rate(attr("completion_rate"))),
    Column(PROGRESS_LABEL, attr("percent_complete")),
    Column(gettext_lazy("Light"), as_light(attr("light"))),
]


def _ranking_url(**query) -> str:
    """Return the department ranking's URL (the site names it) with the query, or ""."""
    if not SITE.ranking_url_name:
        return ""
    return f"{reverse(SITE.ranking_url_name)}?{urlencode(query)}"


@login_required
def board(request):
    """Show a year's projects by stage with counts, investment and each project's light."""
    year, default = year_or_default(
        request, default=lambda: get_default_year(today=timezone.localdate())
    )
    departments, chains = list_board_choices(year=year)
    form = BoardFilterForm(
        {**request.GET.dict(), "year": year}, departments=departments, chains=chains
    )
    form.is_valid()
    chosen = form.cleaned_data
    month = chosen.get("month")
    data = get_project_board(
        year=year,
        period=datetime.date(year, month, 1) if month else None,
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
    period = {"period": format_period(data.period)} if data.period else {}
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
