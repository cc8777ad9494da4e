from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HengkouConfig(AppConfig):
    name = "hengkou"
    verbose_name = _("Hengkou site")
