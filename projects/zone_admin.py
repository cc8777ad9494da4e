"""Admin of the funding applications (issue 9)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import XlsxExportMixin

from .zone_models import FundingApplication


@admin.register(FundingApplication)
class FundingApplicationAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = [
        "programme",
        "year",
        "project",
        "enterprise",
        "status",
        "requested",
        "approved",
        "received",
    ]
    list_filter = ["year", "status", "programme"]
    list_select_related = ["project", "enterprise"]
    search_fields = ["programme", "project__name", "enterprise__name"]
    autocomplete_fields = ["project", "enterprise"]
