"""Admin of the projects app; a project's stage moves through the same service as everywhere.

Also the funding applications (issue 9).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import XlsxExportMixin
from enterprises.admin import EnterpriseChainListFilter

from .choices import Stage
from .models import (
    FundingApplication,
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPhoto,
    ProjectPlan,
    ProjectReport,
    StageMove,
)
from .services import attach_thumbnail, move_project_stage, store_photo, validate_stage_move


class ProjectAdminForm(forms.ModelForm):
    stage_moved_on = forms.DateField(
        label=_("date of the stage move"),
        required=False,
        help_text=_("When the stage changes: the date of the move (today if left empty)."),
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "enterprise",
            "kind",
            "stage",
            "total_investment",
            "capacity",
            "floor_area",
            "planned_start",
            "planned_end",
            "description",
        ]

    def clean(self):
        cleaned = super().clean()
        moved_on = cleaned.get("stage_moved_on") or timezone.localdate()
        cleaned["stage_moved_on"] = moved_on
        if moved_on > timezone.localdate():
            self.add_error("stage_moved_on", _("A stage move cannot be dated in the future."))
        elif "stage" in self.changed_data and self.instance.pk:
            current = Project.objects.get(pk=self.instance.pk)
            try:
                validate_stage_move(project=current, to_stage=cleaned["stage"], moved_on=moved_on)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ProjectPlanInline(admin.TabularInline):
    model = ProjectPlan
    extra = 0
    autocomplete_fields = ["leader", "department"]


class ProjectReportInline(admin.TabularInline):
    model = ProjectReport
    extra = 0
    fields = ["period", "investment", "percent_complete", "progress_note", "status"]
    readonly_fields = ["status"]
    ordering = ["-period"]


class StageMoveInline(admin.TabularInline):
    model = StageMove
    extra = 0
    fields = ["from_stage", "to_stage", "moved_on", "moved_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    form = ProjectAdminForm
    list_display = ["name", "kind", "stage", "enterprise", "total_investment", "capacity"]
    list_filter = ["stage", "kind", EnterpriseChainListFilter, "plans__year", "plans__department"]
    list_select_related = ["enterprise"]
    search_fields = ["name", "enterprise__name"]
    autocomplete_fields = ["enterprise"]
    inlines = [ProjectPlanInline, ProjectReportInline, StageMoveInline]

    def save_model(self, request, obj, form, change):
        # A stage other than the stored one goes through the service, so the move is recorded.
        new_stage = obj.stage
        obj.stage = Project.objects.get(pk=obj.pk).stage if change else Stage.RESERVE
        super().save_model(request, obj, form, change)
        if new_stage != obj.stage:
            move_project_stage(
                project=obj,
                to_stage=new_stage,
                moved_on=form.cleaned_data["stage_moved_on"],
                acting_user=request.user,
            )


@admin.register(ProjectPlan)
class ProjectPlanAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["project", "year", "planned_investment", "leader", "department"]
    list_filter = ["year", "department", "project__kind"]
    list_select_related = ["project", "leader", "department"]
    search_fields = ["project__name", "department__name", "leader__name"]
    autocomplete_fields = ["project", "leader", "department"]


class ProjectPhotoInline(admin.TabularInline):
    model = ProjectPhoto
    extra = 0
    fields = ["image", "preview", "uploaded_by", "uploaded_at"]
    readonly_fields = ["preview", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("thumbnail"))
    def preview(self, obj):
        if not obj.pk or not obj.image:
            return "—"
        return format_html('<img src="{}" alt="" height="64">', obj.thumbnail_url)


@admin.register(ProjectReport)
class ProjectReportAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    inlines = [ProjectPhotoInline]
    list_display = ["project", "month", "investment", "percent_complete", "status"]
    list_filter = ["status", "project__stage", "project__kind"]
    list_select_related = ["project"]
    date_hierarchy = "period"
    search_fields = ["project__name", "progress_note"]
    autocomplete_fields = ["project"]
    readonly_fields = ["status", "submitted_at"]

    @admin.display(description=_("month"), ordering="period")
    def month(self, obj):
        return f"{obj.period:%Y-%m}"

    def save_formset(self, request, form, formset, change):
        # Photos added here get their thumbnail and uploader like those sent from the report page.
        if formset.model is ProjectPhoto:
            for photo in formset.save(commit=False):
                if not photo.pk:
                    photo.uploaded_by = request.user
                if "image" in _changed(formset, photo) or not photo.pk:
                    store_photo(photo)
                elif not photo.thumbnail:
                    attach_thumbnail(photo)
                photo.save()
            for photo in formset.deleted_objects:
                photo.delete()
            return
        super().save_formset(request, form, formset, change)


def _changed(formset, obj) -> list[str]:
    return next((f.changed_data for f in formset.forms if f.instance is obj), [])


@admin.register(ProjectInspection)
class ProjectInspectionAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    list_display = ["project", "year", "half", "inspected_on", "rating", "inspector"]
    list_filter = ["year", "half"]
    list_select_related = ["project", "inspector"]
    search_fields = ["project__name", "findings"]
    autocomplete_fields = ["project"]
    readonly_fields = ["inspector"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.inspector = request.user
        super().save_model(request, obj, form, change)


@admin.register(ProjectEvaluation)
class ProjectEvaluationAdmin(XlsxExportMixin, SimpleHistoryAdmin):
    """Grades are confirmed on the evaluations page, through the service; here they are read."""

    list_display = ["project", "year", "proposed_grade", "grade", "confirmed_by", "confirmed_at"]
    list_filter = ["year", "grade", "proposed_grade"]
    list_select_related = ["project", "confirmed_by"]
    search_fields = ["project__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StageMove)
class StageMoveAdmin(XlsxExportMixin, admin.ModelAdmin):
    """Stage moves are written by the project's stage field; here they are only read."""

    list_display = ["project", "from_stage", "to_stage", "moved_on", "moved_by"]
    list_filter = ["to_stage", "moved_on"]
    list_select_related = ["project", "moved_by"]
    search_fields = ["project__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
