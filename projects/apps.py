from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Industrial projects")

    def ready(self):
        from .scopes import register_all

        register_all()

        from . import imports  # noqa: F401  (registers the Excel import kinds of projects)
