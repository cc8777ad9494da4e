from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises and sponsorship")

    def ready(self):
        from . import receivers
        from .scopes import register_all

        register_all()
        receivers.connect()
