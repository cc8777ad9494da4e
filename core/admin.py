"""The admin's changelists taken away as .xlsx: the filtered rows with the changelist's columns.

``XlsxExportMixin`` gives a ModelAdmin an "Export to Excel" button beside "Add" (all the rows the
changelist matches with its filters, search and ordering, not only the page) and the action
"Export selected to Excel". The columns are ``list_display`` with the changelist's headers; the
values are what the changelist shows (choices as their labels, booleans as 是/否, related
objects as their text), but numbers and dates keep their type so a clerk can sum and sort.
Rows come from the admin's own ``get_queryset`` (so its scoping applies) and are read in chunks.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.encoding import force_str
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .exports import XLSX, Column, attachment, render_xlsx
from .scoping import checks_references, get_scope, scope_queryset

CHUNK_SIZE = 2000
# The changelist's checkbox column is not data.
SKIPPED_COLUMNS = {"action_checkbox"}


def _yes_no(value):
    if value is None:
        return None
    return gettext("Yes") if value else gettext("No")


def _shown(value):
    """Return a value as the changelist shows it, keeping numbers and dates as they are."""
    if value is None or isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, SafeData):
        return strip_tags(str(value))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def _reader(name, model_admin):
    """Return a reader of the list_display entry ``name`` from a row, as the changelist shows it."""

    def read(obj):
        try:
            field, attr, value = lookup_field(name, obj, model_admin)
        except (AttributeError, models.ObjectDoesNotExist):
            return None
        if field is None or field.auto_created:
            if getattr(attr, "boolean", False):
                return _yes_no(value)
            return _shown(value)
        if getattr(field, "flatchoices", None):
            return (
                force_str(dict(field.flatchoices).get(value, value)) if value is not None else None
            )
        if isinstance(field, models.BooleanField):
            return _yes_no(value)
        return _shown(value)

    return read


def changelist_columns(model_admin, list_display) -> list[Column]:
    """Return the columns of a changelist: its header and its value reader for each entry."""
    return [
        Column(
            label=strip_tags(force_str(label_for_field(name, model_admin.model, model_admin))),
            value=_reader(name, model_admin),
        )
        for name in list_display
        if name not in SKIPPED_COLUMNS
    ]


def _rows(queryset):
    # Chunks keep memory flat on big lists; prefetches (if any) run once per chunk.
    return queryset.iterator(chunk_size=CHUNK_SIZE)


class XlsxExportMixin:
    """Give a ModelAdmin an .xlsx export of its filtered changelist and of selected rows."""

    change_list_template = "admin/xlsx_change_list.html"
    xlsx_export_action = "export_selected_xlsx"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        export = path(
            "export.xlsx",
            self.admin_site.admin_view(self.export_xlsx_view),
            name="{}_{}_export_xlsx".format(*info),
        )
        # Before the catch-all "<object_id>/" patterns of the ModelAdmin.
        return [export, *super().get_urls()]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if (
            self.actions is not None
            and IS_POPUP_VAR not in request.GET
            and self.has_view_permission(request)
        ):
            action = type(self).export_selected_xlsx
            actions[self.xlsx_export_action] = (
                action,
                self.xlsx_export_action,
                action.short_description,
            )
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "xlsx_export_url": reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_export_xlsx"
            ),
            "can_export_xlsx": self.has_view_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def export_xlsx_view(self, request):
        """Return every row the changelist matches (filters, search, ordering) as .xlsx."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, _("The filters of this list are not valid: nothing exported."))
            url = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
            )
            return HttpResponseRedirect(url)
        return self.xlsx_response(changelist.list_display, changelist.queryset)

    @admin.action(description=_("Export selected %(verbose_name_plural)s to Excel"))
    def export_selected_xlsx(self, request, queryset):
        """Return the selected rows of the changelist as .xlsx."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.xlsx_response(self.get_list_display(request), queryset)

    def xlsx_response(self, list_display, queryset):
        """Return ``queryset`` as an .xlsx download with the columns of ``list_display``."""
        title = force_str(self.opts.verbose_name_plural)
        content = render_xlsx(
            title=title,
            columns=changelist_columns(self, list_display),
            rows=_rows(queryset),
        )
        return attachment(
            content, XLSX, name=f"{title}.xlsx", fallback=f"{self.opts.model_name}.xlsx"
        )


def _scoped_choices(field, db_field, request):
    # A choice outside the scope is not offered, and the form refuses it if posted anyway.
    if field is not None and checks_references(db_field.related_model):
        field.queryset = scope_queryset(field.queryset, request.user)
    return field


class ScopedAdminMixin:
    """Keep an admin (or an inline) within the user's scope."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scoped_choices(field, db_field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scoped_choices(field, db_field, request)

    def _refuse_outside_scope(self, request, object_id) -> None:
        if get_scope(request.user).everything:
            return
        pk_name = self.model._meta.pk.attname
        if not self.get_queryset(request).filter(**{pk_name: object_id}).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the historical rows when the live object is not found.
        self._refuse_outside_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._refuse_outside_scope(request, object_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )
