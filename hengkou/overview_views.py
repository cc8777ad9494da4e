"""The zone's annual overview page (年度工作总结)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from enterprises.choices import TitleKind

from .forms import YearForm
from .overview import get_zone_overview


def _changelist(model: str, **filters) -> str:
    """Return the admin list of ``model`` (app_label.model_name) narrowed by ``filters``."""
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def overview_links(*, year: int, chain: str) -> dict[str, str]:
    """Return the URL of the list behind each figure of the overview of ``year``."""
    return {
        "above_scale": _changelist("enterprises.enterprise", above_scale_year=year),
        "investment": f"{reverse('projects:board')}?{urlencode({'year': year})}",
        "renovation": _changelist("projects.project", kind__exact="renovation", plans__year=year),
        "above_scale_titles": _changelist(
            "enterprises.enterprisetitle", year=year, title__exact=TitleKind.ABOVE_SCALE
        ),
        "high_tech_titles": _changelist(
            "enterprises.enterprisetitle", year=year, title__exact=TitleKind.HIGH_TECH
        ),
        "cultivations": _changelist("enterprises.cultivation", year=year),
        "chain": _changelist("enterprises.enterprise", chain=chain),
        "funding": _changelist("projects.fundingapplication", year=year),
        "matchmakings": _changelist("enterprises.matchmaking", held_on__year=year),
        "loans": _changelist("enterprises.loan", granted_on__year=year),
        "risk_fund_loans": _changelist(
            "enterprises.loan", granted_on__year=year, under_risk_fund__exact=1
        ),
        "inspections": _changelist("enterprises.safetyinspection", inspected_on__year=year),
        "activities": _changelist("enterprises.safetyactivity", held_on__year=year),
        "factories": _changelist("enterprises.standardfactory", year_built=year),
        "facilities": _changelist("enterprises.servicefacility", year=year),
        "new_investors": _changelist("enterprises.newinvestor", year=year),
    }


@login_required
def overview(request):
    """Show a year's zone overview: every figure the annual summary quotes, with its records."""
    today = timezone.localdate()
    default = today.year - (1 if today.month < 12 else 0)
    form = YearForm(request.GET or {"year": default})
    year = form.cleaned_data["year"] if form.is_valid() else default
    data = get_zone_overview(year=year, as_of=today)
    return render(
        request,
        "hengkou/overview.html",
        {
            "form": form,
            "year": year,
            "overview": data,
            "links": overview_links(year=year, chain=data.chain),
        },
    )
