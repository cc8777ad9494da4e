"""Admin of the cultivation, financing, safety and park records (issue 9)."""

from django.contrib import admin
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import XlsxExportMixin

from .admin import EnterpriseChainListFilter
from .zone_models import (
    Cultivation,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)


@admin.register(Cultivation)
class CultivationAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "title", "level", "year", "status", "applied_on", "decided_on"]
    list_filter = ["year", "title", "status", "level", EnterpriseChainListFilter]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "documents"]
    autocomplete_fields = ["enterprise"]


class LoanInline(admin.TabularInline):
    model = Loan
    extra = 0
    autocomplete_fields = ["enterprise"]
    fields = ["enterprise", "bank", "amount", "granted_on", "term_months", "under_risk_fund"]


@admin.register(Matchmaking)
class MatchmakingAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["held_on", "title", "loans_amount"]
    date_hierarchy = "held_on"
    search_fields = ["title", "banks", "outcome"]
    autocomplete_fields = ["enterprises"]
    inlines = [LoanInline]


@admin.register(Loan)
class LoanAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "bank", "amount", "granted_on", "term_months", "under_risk_fund"]
    list_filter = ["under_risk_fund", "bank", EnterpriseChainListFilter]
    date_hierarchy = "granted_on"
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "bank"]
    autocomplete_fields = ["enterprise", "matchmaking"]


class OverdueFilter(admin.SimpleListFilter):
    """Filter inspections whose open hazards are past their deadline today."""

    title = _("rectification")
    parameter_name = "rectification"

    def lookups(self, request, model_admin):
        return [("open", _("Hazards open")), ("overdue", _("Overdue"))]

    def queryset(self, request, queryset):
        open_hazards = queryset.filter(hazards_rectified__lt=F("hazards_found"))
        if self.value() == "open":
            return open_hazards
        if self.value() == "overdue":
            return open_hazards.filter(rectify_deadline__lt=timezone.localdate())
        return queryset


@admin.register(SafetyInspection)
class SafetyInspectionAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = [
        "inspected_on",
        "kind",
        "enterprise",
        "area",
        "hazards_found",
        "hazards_rectified",
        "rectify_deadline",
    ]
    list_filter = ["kind", OverdueFilter, "area"]
    date_hierarchy = "inspected_on"
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "area"]
    autocomplete_fields = ["enterprise"]


@admin.register(SafetyActivity)
class SafetyActivityAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["held_on", "kind", "title", "participants"]
    list_filter = ["kind"]
    date_hierarchy = "held_on"
    search_fields = ["title"]


@admin.register(StandardFactory)
class StandardFactoryAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["park", "building", "area", "occupant", "year_built"]
    list_filter = ["year_built", "park"]
    list_select_related = ["occupant"]
    search_fields = ["park", "building", "occupant__name"]
    autocomplete_fields = ["occupant"]


@admin.register(ServiceFacility)
class ServiceFacilityAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "park", "year"]
    list_filter = ["year", "kind"]
    search_fields = ["name", "park"]


@admin.register(NewInvestor)
class NewInvestorAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "investment"]
    list_filter = ["year", EnterpriseChainListFilter]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["enterprise"]
