"""The site's records in the admin: the stored bulletins, read-only (their history)."""

from django.contrib import admin

from .models import BulletinIssue


@admin.register(BulletinIssue)
class BulletinIssueAdmin(admin.ModelAdmin):
    """Every issue of every month's bulletin, current and superseded; none can be changed."""

    list_display = ("document_number", "period", "closed_at", "built_at", "superseded_at")
    list_filter = ("year",)
    list_select_related = ("period",)
    ordering = ("-period__period", "-closed_at", "-id")
    readonly_fields = (
        "period",
        "year",
        "number",
        "document_number",
        "closed_at",
        "built_at",
        "superseded_at",
        "content",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The year's plan and the turn of the year register their own.
from .annual import admin as annual_admin  # noqa: E402, F401

# The delivery channels and the delivery log (hengkou/messaging/).
from .messaging import admin as messaging_admin  # noqa: E402, F401
