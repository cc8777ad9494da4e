"""Row-level scoping for the admin: every changelist, form, choice and history view in scope.

The site (hengkou/admin_site.py) mixes ``ScopedAdminMixin`` into every ModelAdmin and inline of
the domain apps when they register, so a new admin is scoped without anyone remembering to.
"""

from django.http import Http404

from .scoping import checks_references, get_scope, scope_queryset


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
