from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Industrial projects")

    def ready(self):
        from .scopes import register_all

        register_all()
