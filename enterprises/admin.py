"""Admin of the enterprises app, for clerks: searchable, filterable, constant in queries."""

from django.contrib import admin, messages
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import XlsxExportMixin

from . import choices
from .choices import ReportStatus
from .models import (
    Assignment,
    ChainYear,
    Cultivation,
    Department,
    Enterprise,
    EnterpriseTitle,
    Loan,
    Matchmaking,
    Milestone,
    MonthlyReport,
    NewInvestor,
    Official,
    Problem,
    PromotionEvent,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
    Target,
    Visit,
    ZoneStanding,
)
from .services.figures import delete_monthly_reports, save_monthly_report

admin.site.site_header = _("Hengkou Industrial Tracker")
admin.site.site_title = _("Hengkou Industrial Tracker")
admin.site.index_title = _("Data administration")


class ChainListFilter(admin.SimpleListFilter):
    """Filter by industry chain, listing the chains that exist."""

    title = _("industry chain")
    parameter_name = "chain"
    field_path = "chain"

    def lookups(self, request, model_admin):
        chains = (
            Enterprise.objects.exclude(chain="")
            .order_by("chain")
            .values_list("chain", flat=True)
            .distinct()
        )
        return [(chain, chain) for chain in chains]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field_path: self.value()})
        return queryset


class EnterpriseChainListFilter(ChainListFilter):
    field_path = "enterprise__chain"


class AboveScaleYearFilter(admin.SimpleListFilter):
    """Filter enterprises above designated size in a year."""

    title = _("above scale in year")
    parameter_name = "above_scale_year"

    def lookups(self, request, model_admin):
        years = (
            EnterpriseTitle.objects.filter(title=choices.TitleKind.ABOVE_SCALE)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    EnterpriseTitle.objects.filter(
                        enterprise=OuterRef("pk"),
                        title=choices.TitleKind.ABOVE_SCALE,
                        year=self.value(),
                    )
                )
            )
        return queryset


class ReportDepartmentFilter(admin.SimpleListFilter):
    """Filter monthly reports by the department sponsoring the enterprise in the report's year."""

    title = _("sponsoring department")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Department.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    Assignment.objects.filter(
                        enterprise=OuterRef("enterprise"),
                        department_id=self.value(),
                        year=ExtractYear(OuterRef("period")),
                    )
                )
            )
        return queryset


@admin.register(Department)
class DepartmentAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Official)
class OfficialAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["name", "department", "rank", "title", "user"]
    list_filter = ["rank", "department"]
    list_select_related = ["department", "user"]
    search_fields = ["name", "department__name", "phone"]
    autocomplete_fields = ["department", "user"]

    def get_search_results(self, request, queryset, search_term):
        # The leader of an assignment or a project plan is picked among county-level leaders only.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "leader":
            queryset = queryset.filter(rank=choices.OfficialRank.COUNTY_LEADER)
        return queryset, may_have_duplicates


class EnterpriseTitleInline(admin.TabularInline):
    model = EnterpriseTitle
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "chain", "chain_role", "employees", "poverty_employees"]
    list_filter = [ChainListFilter, "chain_role", AboveScaleYearFilter]
    search_fields = ["name", "credit_code"]
    inlines = [EnterpriseTitleInline]


@admin.register(EnterpriseTitle)
class EnterpriseTitleAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "title", "year", "level"]
    list_filter = ["title", "year", "level"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["enterprise"]


class TeamMemberInline(admin.TabularInline):
    model = Assignment.team.through
    extra = 1
    autocomplete_fields = ["official"]
    verbose_name = _("team member")
    verbose_name_plural = _("team (工作专班)")


@admin.register(Assignment)
class AssignmentAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["year", "enterprise", "department", "leader", "responsible", "plan_deadline"]
    list_filter = ["year", "department", EnterpriseChainListFilter]
    list_select_related = ["enterprise", "department", "leader", "responsible"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "department__name"]
    autocomplete_fields = ["enterprise", "leader", "department", "responsible"]
    exclude = ["team"]
    inlines = [TeamMemberInline]


class ProblemInline(admin.StackedInline):
    model = Problem
    extra = 0
    fk_name = "visit"
    autocomplete_fields = ["enterprise", "department", "raised_by"]


@admin.register(Visit)
class VisitAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["visited_on", "enterprise", "kind", "participant_names"]
    list_filter = ["kind", "visited_on"]
    list_select_related = ["enterprise"]
    date_hierarchy = "visited_on"
    search_fields = ["enterprise__name", "participants__name", "notes"]
    autocomplete_fields = ["enterprise", "participants"]
    readonly_fields = ["created_by"]
    inlines = [ProblemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("participants")

    @admin.display(description=_("participants"))
    def participant_names(self, obj):
        return "、".join(official.name for official in obj.participants.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Problem)
class ProblemAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = [
        "enterprise",
        "category",
        "severity",
        "department",
        "status",
        "raised_on",
        "due_on",
    ]
    list_filter = ["status", "category", "severity", "department"]
    list_select_related = ["enterprise", "department"]
    date_hierarchy = "raised_on"
    search_fields = ["enterprise__name", "description"]
    autocomplete_fields = ["enterprise", "visit", "department", "raised_by"]


@admin.register(Target)
class TargetAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "metric", "value"]
    list_filter = ["year", "metric"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["enterprise"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = [
        "enterprise",
        "month",
        "output_value",
        "value_added",
        "revenue",
        "profit",
        "tax",
        "employees",
        "status",
    ]
    list_filter = ["status", ReportDepartmentFilter, EnterpriseChainListFilter]
    list_select_related = ["enterprise"]
    date_hierarchy = "period"
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["status", "submitted_at"]

    @admin.display(description=_("month"), ordering="period")
    def month(self, obj):
        return f"{obj.period:%Y-%m}"

    def save_model(self, request, obj, form, change):
        save_monthly_report(report=obj)
        # The clerk sees at once what the data-quality checks flagged (the board lists it too).
        for flag in obj.flags.filter(explanation="").order_by("rule", "metric"):
            messages.warning(
                request,
                _("Flagged by the data-quality checks: %(message)s") % {"message": flag.message},
            )

    def delete_model(self, request, obj):
        delete_monthly_reports(reports=MonthlyReport.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        delete_monthly_reports(reports=queryset)

    def has_change_permission(self, request, obj=None):
        # A locked report changes only after an administrator reopens its month.
        if obj is not None and obj.status == ReportStatus.LOCKED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ReportStatus.LOCKED:
            return False
        return super().has_delete_permission(request, obj)


# --- the rest of the article: cultivation, finance, safety, parks ---------------------------------


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
    list_display = [
        "held_on",
        "kind",
        "title",
        "participants",
        "materials_distributed",
        "people_trained",
    ]
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


@admin.register(Milestone)
class MilestoneAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["happened_on", "kind", "level", "title"]
    list_filter = ["kind", "level"]
    date_hierarchy = "happened_on"
    search_fields = ["title", "institutions", "note"]
    autocomplete_fields = ["enterprises"]


@admin.register(PromotionEvent)
class PromotionEventAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["held_on", "city", "title"]
    list_filter = ["city"]
    date_hierarchy = "held_on"
    search_fields = ["title", "city", "note"]
    autocomplete_fields = ["enterprises"]


@admin.register(ChainYear)
class ChainYearAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = [
        "chain",
        "year",
        "enterprise",
        "output",
        "cumulative_output",
        "employment",
        "income_increase",
        "supporting_enterprises",
    ]
    list_filter = ["chain", "year"]
    list_select_related = ["enterprise"]
    search_fields = ["chain", "enterprise__name", "note"]
    autocomplete_fields = ["enterprise"]


@admin.register(ZoneStanding)
class ZoneStandingAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["year", "indicator", "rank", "out_of", "value", "unit"]
    list_filter = ["year", "indicator"]
    search_fields = ["note"]
