"""The admin site: every ModelAdmin of the domain apps is scoped by default when it registers."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from core.admin import ScopedAdminMixin, XlsxExportMixin

from .roles import DOMAIN_APPS


def scoped(admin_class):
    """Return ``admin_class`` with row-level scoping mixed in (and into its inlines).

    A changelist also gets its Excel export, so no list of the admin lacks one.
    """
    if issubclass(admin_class, ScopedAdminMixin):
        return admin_class
    inlines = [scoped(inline) for inline in getattr(admin_class, "inlines", [])]
    bases = (ScopedAdminMixin, admin_class)
    if issubclass(admin_class, admin.ModelAdmin) and not issubclass(admin_class, XlsxExportMixin):
        bases = (ScopedAdminMixin, XlsxExportMixin, admin_class)
    return type(
        admin_class.__name__,
        bases,
        {"__module__": admin_class.__module__, "inlines": inlines},
    )


class HengkouAdminSite(admin.AdminSite):
    """The default admin site, scoping each domain model's admin to the user's rows."""

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models:
            chosen = admin_class or admin.ModelAdmin
            if model._meta.app_label in DOMAIN_APPS:
                chosen = scoped(chosen)
            super().register(model, chosen, **options)


class HengkouAdminConfig(AdminConfig):
    default_site = "hengkou.admin_site.HengkouAdminSite"
