from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Industrial projects")

    def ready(self):
        from .scopes import register_all

        register_all()

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
