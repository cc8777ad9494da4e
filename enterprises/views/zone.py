"""Pages of the zone's records: cultivation, finance, safety, parks and the industry chain.

Every list is one ``ObjectListView``: a selector's rows, narrowed by the user's scope and a
FilterSet, shown 50 a page with the totals of all the filtered rows, and taken away as .xlsx
(``?format=xlsx``) with exactly the columns of the screen, declared once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.exports import attr
from core.scoping import scope_queryset
from core.views import YEARS, ListColumn, ObjectListView, current_year

from ..choices import TitleKind
from ..filtersets import (
    CultivationFilterSet,
    LoanFilterSet,
    MatchmakingFilterSet,
    NewInvestorFilterSet,
    SafetyActivityFilterSet,
    SafetyInspectionFilterSet,
    ServiceFacilityFilterSet,
    StandardFactoryFilterSet,
)
from ..models import Enterprise, EnterpriseTitle
from ..selectors.zone import (
    count_cultivations,
    count_new_titles,
    list_cultivation_candidates,
    list_cultivations,
    list_loans,
    list_matchmakings,
    list_new_investors,
    list_safety_activities,
    list_safety_inspections,
    list_service_facilities,
    list_standard_factories,
    loan_totals,
    matchmaking_totals,
    new_investor_totals,
    safety_activity_totals,
    safety_inspection_totals,
    service_facility_totals,
    standard_factory_totals,
)
from ..services.cultivation import record_cultivation_candidates
from ..site import SITE, ZoneLink

DEFAULT_CHAIN = "毛绒玩具"


# --- columns and cells ----------------------------------------------------------------------------


def enterprise_url(path: str) -> Callable[[Any], str | None]:
    """Return a reader of the URL of the enterprise at ``path`` of a row."""
    read = attr(path)

    def link(row):
        enterprise = read(row)
        if enterprise is None:
            return None
        return reverse("enterprises:enterprise_detail", args=[enterprise.pk])

    return link


def names(path: str) -> Callable[[Any], str]:
    """Return a reader of the names of a prefetched many-to-many relation, joined by 、."""

    def read(row):
        return "、".join(item.name for item in getattr(row, path).all())

    return read


def display_of(field: str) -> Callable[[Any], str]:
    """Return a reader of a choice field's label."""
    return attr(f"get_{field}_display")


# --- the list view --------------------------------------------------------------------------------


# --- the lists ------------------------------------------------------------------------------------


class CultivationListView(ObjectListView):
    """The year's cultivation paths, the new titles, and the detected candidates."""

    permission_required = "enterprises.view_cultivation"
    title = _("Cultivation of enterprises")
    description = _("Each enterprise's path toward a title: candidate, applying, recognised.")
    filename = "cultivation"
    template_name = "zone/cultivation_list.html"
    filterset_class = CultivationFilterSet
    columns = [
        ListColumn(_("Enterprise"), attr("enterprise.name"), link=enterprise_url("enterprise")),
        ListColumn(_("Title"), display_of("title")),
        ListColumn(_("Level"), display_of("level")),
        ListColumn(_("Status"), display_of("status")),
        ListColumn(_("Identified on"), attr("identified_on")),
        ListColumn(_("Applied on"), attr("applied_on")),
        ListColumn(_("Decided on"), attr("decided_on")),
        ListColumn(_("Documents"), attr("documents")),
    ]

    def get_queryset(self):
        return list_cultivations()

    def get_totals(self, queryset):
        return count_cultivations(queryset)

    def get_context(self, request, *, year, queryset):
        user = request.user
        new = count_new_titles(
            year=year, titles=scope_queryset(EnterpriseTitle.objects.all(), user)
        )
        through = candidates_through(year)
        candidates = list_cultivation_candidates(
            year=year, through=through, enterprises=scope_queryset(Enterprise.objects.all(), user)
        )
        return {
            "new_above_scale": new[TitleKind.ABOVE_SCALE],
            "new_high_tech": new[TitleKind.HIGH_TECH],
            "new_specialized": new[TitleKind.SPECIALIZED],
            "candidates": candidates,
            "candidates_through": through,
            "candidates_to_record": sum(1 for c in candidates if not c.on_ladder),
            "can_record": user.has_perm("enterprises.add_cultivation"),
        }


def candidates_through(year: int) -> datetime.date:
    """Return the last month whose figures count for ``year``'s candidates (December, or now)."""
    today = timezone.localdate()
    return min(datetime.date(year, 12, 1), today.replace(day=1))


@require_POST
@login_required
@permission_required("enterprises.add_cultivation", raise_exception=True)
def candidates_record(request):
    """Record the year's detected candidates as ``candidate`` cultivation paths (idempotent)."""
    url = reverse("zone:cultivation_list")
    raw = request.POST.get("year", "")
    if not (raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1]):
        messages.error(request, gettext("Choose a year from 2000 to 2100."))
        return redirect(url)
    year = int(raw)
    today = timezone.localdate()
    created = record_cultivation_candidates(
        year=year,
        through=candidates_through(year),
        identified_on=min(today, datetime.date(year, 12, 31)),
        enterprises=scope_queryset(Enterprise.objects.all(), request.user),
    )
    if created:
        messages.success(
            request,
            gettext("%(count)s candidates recorded for %(year)s.")
            % {"count": len(created), "year": year},
        )
    else:
        messages.info(request, gettext("Every candidate is already recorded."))
    return redirect(f"{url}?year={year}")


class MatchmakingListView(ObjectListView):
    """The year's bank–enterprise matchmaking meetings and the loans they agreed."""

    permission_required = "enterprises.view_matchmaking"
    title = _("Bank–enterprise matchmaking meetings")
    description = _("Meetings of banks and enterprises, who took part and the loans agreed.")
    filename = "matchmakings"
    template_name = "zone/matchmaking_list.html"
    filterset_class = MatchmakingFilterSet
    year_field = "held_on"
    columns = [
        ListColumn(_("Held on"), attr("held_on")),
        ListColumn(_("Title"), attr("title")),
        ListColumn(_("Banks"), attr("banks")),
        ListColumn(_("Enterprises"), names("enterprises")),
        ListColumn(_("Loans agreed (10k CNY)"), attr("loans_amount"), numeric=True),
        ListColumn(_("Outcome"), attr("outcome")),
    ]

    def get_queryset(self):
        return list_matchmakings()

    def get_totals(self, queryset):
        return matchmaking_totals(queryset)


def matchmaking_link(row) -> str | None:
    meeting = row.matchmaking
    if meeting is None:
        return None
    query = urlencode({"year": meeting.held_on.year, "search": meeting.title})
    return f"{reverse('zone:matchmaking_list')}?{query}"


class LoanListView(ObjectListView):
    """The year's loans to enterprises; those under the risk-compensation fund flagged."""

    permission_required = "enterprises.view_loan"
    title = _("Loans to enterprises")
    description = _("Bank loans to the zone's enterprises; the risk-compensation fund flagged.")
    filename = "loans"
    template_name = "zone/loan_list.html"
    filterset_class = LoanFilterSet
    year_field = "granted_on"
    columns = [
        ListColumn(_("Granted on"), attr("granted_on")),
        ListColumn(_("Enterprise"), attr("enterprise.name"), link=enterprise_url("enterprise")),
        ListColumn(_("Bank"), attr("bank")),
        ListColumn(_("Amount (10k CNY)"), attr("amount"), numeric=True),
        ListColumn(_("Term (months)"), attr("term_months"), numeric=True),
        ListColumn(_("Risk-compensation fund"), attr("under_risk_fund"), flag="warning"),
        ListColumn(_("Matchmaking meeting"), attr("matchmaking.title"), link=matchmaking_link),
    ]

    def get_queryset(self):
        return list_loans()

    def get_totals(self, queryset):
        return loan_totals(queryset)


class SafetyInspectionListView(ObjectListView):
    """The year's safety inspections; hazards still open after their deadline flagged."""

    permission_required = "enterprises.view_safetyinspection"
    title = _("Safety inspections")
    description = _("Scheduled, random and holiday inspections, the hazards found and rectified.")
    filename = "safety-inspections"
    template_name = "zone/safetyinspection_list.html"
    filterset_class = SafetyInspectionFilterSet
    year_field = "inspected_on"
    columns = [
        ListColumn(_("Inspected on"), attr("inspected_on")),
        ListColumn(_("Kind"), display_of("kind")),
        ListColumn(_("Enterprise"), attr("enterprise.name"), link=enterprise_url("enterprise")),
        ListColumn(_("Area"), attr("area")),
        ListColumn(_("Hazards found"), attr("hazards_found"), numeric=True),
        ListColumn(_("Hazards rectified"), attr("hazards_rectified"), numeric=True),
        ListColumn(_("Hazards open"), attr("open_count"), numeric=True),
        ListColumn(_("Rectification deadline"), attr("rectify_deadline")),
        ListColumn(_("Overdue"), attr("is_late"), flag="danger"),
    ]

    def get_queryset(self):
        return list_safety_inspections(as_of=timezone.localdate())

    def get_totals(self, queryset):
        return safety_inspection_totals(queryset, as_of=timezone.localdate())


class SafetyActivityListView(ObjectListView):
    """The year's safety trainings, drills and documents issued."""

    permission_required = "enterprises.view_safetyactivity"
    title = _("Safety trainings, drills and documents")
    description = _("Work-safety trainings and drills held, and documents issued by the zone.")
    filename = "safety-activities"
    template_name = "zone/safetyactivity_list.html"
    filterset_class = SafetyActivityFilterSet
    year_field = "held_on"
    columns = [
        ListColumn(_("Date"), attr("held_on")),
        ListColumn(_("Kind"), display_of("kind")),
        ListColumn(_("Title"), attr("title")),
        ListColumn(_("Participants"), attr("participants"), numeric=True),
        ListColumn(_("Materials distributed"), attr("materials_distributed"), numeric=True),
        ListColumn(_("People trained"), attr("people_trained"), numeric=True),
        ListColumn(_("Venue"), attr("venue")),
    ]

    def get_queryset(self):
        return list_safety_activities()

    def get_totals(self, queryset):
        return safety_activity_totals(queryset)


class StandardFactoryListView(ObjectListView):
    """The parks' standard factory buildings, their area and occupants."""

    permission_required = "enterprises.view_standardfactory"
    title = _("Standard factories")
    description = _("The parks' standard factory buildings, their floor area and occupants.")
    filename = "standard-factories"
    template_name = "zone/standardfactory_list.html"
    filterset_class = StandardFactoryFilterSet
    year_page = False
    columns = [
        ListColumn(_("Park"), attr("park")),
        ListColumn(_("Building"), attr("building")),
        ListColumn(_("Floor area (m²)"), attr("area"), numeric=True),
        ListColumn(_("Occupant"), attr("occupant.name"), link=enterprise_url("occupant")),
        ListColumn(_("Year built"), attr("year_built"), numeric=True),
    ]

    def get_queryset(self):
        return list_standard_factories()

    def get_totals(self, queryset):
        return standard_factory_totals(queryset)


class ServiceFacilityListView(ObjectListView):
    """The parks' service centres, canteens and apartments."""

    permission_required = "enterprises.view_servicefacility"
    title = _("Service facilities")
    description = _("The parks' service centres, staff canteens and talent apartments.")
    filename = "service-facilities"
    template_name = "zone/servicefacility_list.html"
    filterset_class = ServiceFacilityFilterSet
    year_page = False
    columns = [
        ListColumn(_("Name"), attr("name")),
        ListColumn(_("Kind"), display_of("kind")),
        ListColumn(_("Park"), attr("park")),
        ListColumn(_("Year started"), attr("year"), numeric=True),
    ]

    def get_queryset(self):
        return list_service_facilities()

    def get_totals(self, queryset):
        return service_facility_totals(queryset)


class NewInvestorListView(ObjectListView):
    """The year's newly settled enterprises; 10 million CNY or more flagged."""

    permission_required = "enterprises.view_newinvestor"
    title = _("New investors")
    description = _(
        "Enterprises newly settled in the parks and their investment; 1,000 万元 or more flagged."
    )
    filename = "new-investors"
    template_name = "zone/newinvestor_list.html"
    filterset_class = NewInvestorFilterSet
    columns = [
        ListColumn(_("Enterprise"), attr("enterprise.name"), link=enterprise_url("enterprise")),
        ListColumn(_("Year settled"), attr("year"), numeric=True),
        ListColumn(_("Investment (10k CNY)"), attr("investment"), numeric=True),
        ListColumn(_("10 million CNY or more"), attr("major"), flag="success"),
    ]

    def get_queryset(self):
        return list_new_investors()

    def get_totals(self, queryset):
        return new_investor_totals(queryset)


# --- the zone's index and the industry chain ------------------------------------------------------


ZONE_LISTS = [
    ZoneLink(
        CultivationListView.title,
        CultivationListView.description,
        "zone:cultivation_list",
        "bi-graph-up-arrow",
        CultivationListView.permission_required,
    ),
    *(
        ZoneLink(view.title, view.description, url_name, icon, view.permission_required)
        for view, url_name, icon in (
            (MatchmakingListView, "zone:matchmaking_list", "bi-bank"),
            (LoanListView, "zone:loan_list", "bi-piggy-bank"),
            (SafetyInspectionListView, "zone:inspection_list", "bi-shield-check"),
            (SafetyActivityListView, "zone:activity_list", "bi-megaphone"),
            (StandardFactoryListView, "zone:factory_list", "bi-buildings"),
            (ServiceFacilityListView, "zone:facility_list", "bi-cup-hot"),
            (NewInvestorListView, "zone:investor_list", "bi-person-plus"),
        )
    ),
]


def zone_links() -> list[ZoneLink]:
    """Return the zone's record lists: cultivation, the chain, the apps' above, then the rest.

    A chain's figures are zone-wide, like the chain-stats endpoint: its link asks for the
    permission of the roles reading them, which the site registers (enterprises/site.py).
    """
    chain = ZoneLink(
        _("Industry chain"),
        _("A chain's enterprises by role, their jobs and output."),
        "zone:chain",
        "bi-diagram-3",
        SITE.figures_permission,
    )
    return [ZONE_LISTS[0], chain, *SITE.zone_links, *ZONE_LISTS[1:]]


@login_required
def index(request):
    """List the zone's record lists the user may open."""
    links = [link for link in zone_links() if link.allows(request.user)]
    overview = reverse(SITE.overview_url_name) if SITE.overview_url_name else ""
    return render(
        request,
        "zone/index.html",
        {"links": links, "year": current_year(), "overview_url": overview},
    )
