"""The zone's annual overview page (年度工作总结)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from enterprises.choices import TitleKind
from enterprises.selectors.facts import (
    list_milestones,
    list_promotion_events,
    list_zone_standings,
)

from ..forms import year_from
from ..selectors.defaults import get_overview_default_year
from .selectors import get_zone_overview


def _changelist(model: str, **filters) -> str:
    """Return the admin list of ``model`` (app_label.model_name) narrowed by ``filters``."""
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def overview_links(*, year: int, chain: str) -> dict[str, str]:
    """Return the URL of the list behind each figure of the overview of ``year``."""

    def listing(url_name: str, **filters) -> str:
        return f"{reverse(url_name)}?{urlencode({'year': year, **filters})}"

    return {
        "above_scale": _changelist("enterprises.enterprise", above_scale_year=year),
        "investment": f"{reverse('projects:board')}?{urlencode({'year': year})}",
        "renovation": listing("projects:board", kind="renovation"),
        "above_scale_titles": listing("zone:cultivation_list", title=TitleKind.ABOVE_SCALE),
        "high_tech_titles": listing("zone:cultivation_list", title=TitleKind.HIGH_TECH),
        "cultivations": listing("zone:cultivation_list"),
        "chain": listing("zone:chain", chain=chain),
        "funding": listing("projects:funding_list"),
        "matchmakings": listing("zone:matchmaking_list"),
        "loans": listing("zone:loan_list"),
        "risk_fund_loans": listing("zone:loan_list", under_risk_fund="true"),
        "inspections": listing("zone:inspection_list"),
        "activities": listing("zone:activity_list"),
        "factories": f"{reverse('zone:factory_list')}?{urlencode({'year_built': year})}",
        "facilities": listing("zone:facility_list"),
        "new_investors": listing("zone:investor_list", major="true"),
    }


@login_required
def overview(request):
    """Show a year's zone overview: every figure the annual summary quotes, with its records,
    the zone's standing in the city, its milestones and trade fairs of the year."""
    today = timezone.localdate()
    form, year, default = year_from(request, default=lambda: get_overview_default_year(today=today))
    data = get_zone_overview(year=year, as_of=today)
    return render(
        request,
        "hengkou/overview.html",
        {
            "form": form,
            "year": year,
            "default_period": default,
            "overview": data,
            "links": overview_links(year=year, chain=data.chain),
            "milestones": list_milestones(year=year),
            "events": list_promotion_events(year=year),
            "standings": list_zone_standings(year=year),
        },
    )
