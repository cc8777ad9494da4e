from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Industrial projects")

    def ready(self):
        from core.images import delete_files_with_rows

        from .models import ProjectPhoto
        from .scopes import register_all

        register_all()
        delete_files_with_rows(ProjectPhoto)

        from enterprises.site import SITE, ZoneLink

        SITE.add_zone_link(
            ZoneLink(
                _("Funding applications"),
                _("Applications to special funds: requested, approved and received."),
                "projects:funding_list",
                "bi-cash-coin",
                "projects.view_fundingapplication",
            )
        )

        from . import imports  # noqa: F401  (registers the Excel import kinds of projects)
