"""The industry chain's page (产业链): its enterprises by role with the year's figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.periods import DefaultPeriod, default_year
from core.scoping import scope_queryset
from core.views import YEARS, current_year

from ..choices import ChainRole
from ..models import Enterprise, MonthlyReport
from ..selectors.chain import get_chain_stats, list_chain_enterprises
from ..selectors.facts import get_chain_history, list_milestones, list_promotion_events
from ..site import reads_zone_figures
from .zone import DEFAULT_CHAIN


def _chain_year(request, *, chain: str) -> tuple[int, str, DefaultPeriod | None]:
    """Return the year asked for, why it was refused, and the default year when none was.

    The default is the latest year up to now with monthly figures of the chain's enterprises.
    """

    def default() -> DefaultPeriod:
        reports = MonthlyReport.objects.filter(enterprise__chain=chain)
        return default_year(reports, "period", current=current_year())

    raw = request.GET.get("year", "").strip()
    if not raw:
        chosen = default()
        return chosen.value, "", chosen
    if raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1]:
        return int(raw), "", None
    year = default().value
    message = gettext("The year is a number from %(first)s to %(last)s; showing %(year)s.") % {
        "first": YEARS[0],
        "last": YEARS[1],
        "year": year,
    }
    return year, message, None


@login_required
def chain(request):
    """Show an industry chain: its enterprises by role, their jobs and the year's output, the
    chain's history by year, the zone's milestones and the year's trade fairs."""
    if not reads_zone_figures(request.user):
        raise PermissionDenied
    name = request.GET.get("chain", "").strip()[:50] or DEFAULT_CHAIN
    year, error, default = _chain_year(request, chain=name)
    stats = get_chain_stats(chain=name, year=year)
    enterprises = list(scope_queryset(list_chain_enterprises(chain=name, year=year), request.user))
    by_role: dict[str, list[Model]] = {}
    for enterprise in enterprises:
        by_role.setdefault(enterprise.chain_role, []).append(enterprise)
    roles = [
        {
            "role": role,
            "label": ChainRole(role).label if role else _("No role"),
            "count": stats.roles.get(role),
            "enterprises": by_role.get(role, []),
        }
        for role in [*ChainRole.values, ""]
        if role in stats.roles or by_role.get(role)
    ]
    history = get_chain_history(request.user, chain=name)
    chains = (
        scope_queryset(Enterprise.objects.exclude(chain=""), request.user)
        .order_by("chain")
        .values_list("chain", flat=True)
        .distinct()
    )
    return render(
        request,
        "zone/chain.html",
        {
            "chain": name,
            "year": year,
            "default_period": default,
            "errors": [error] if error else [],
            "stats": stats,
            "roles": roles,
            "chains": list(chains),
            "history": history,
            # The first year the chain's output is added up from (the history's column label).
            "output_since": next((line.since for line in history if line.since), None),
            "milestones": list_milestones(),
            "events": list_promotion_events(year=year),
        },
    )
