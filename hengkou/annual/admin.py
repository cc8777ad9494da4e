"""The annual work plan in the admin, its goals inline; the turns of the year, read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AnnualPlan, PlanGoal, YearTurn


class PlanGoalInline(admin.TabularInline):
    model = PlanGoal
    extra = 1
    fields = ("metric", "goal_value", "growth_rate", "unit", "note")


@admin.register(AnnualPlan)
class AnnualPlanAdmin(SimpleHistoryAdmin):
    """A year's work plan (实施方案): its text or document, and its goals per indicator."""

    list_display = ("year", "title", "updated_at")
    search_fields = ("title",)
    inlines = [PlanGoalInline]


@admin.register(YearTurn)
class YearTurnAdmin(admin.ModelAdmin):
    """Who started and confirmed each year; the drafts are worked on the turn's own page."""

    list_display = ("year", "from_year", "status", "started_by", "confirmed_by", "confirmed_at")
    list_select_related = ("started_by", "confirmed_by")
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
