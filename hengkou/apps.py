from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    # Models added later bring new permissions: the role groups follow after every migrate.
    from django.contrib.auth.models import Group, Permission

    from .roles import sync_roles

    sync_roles(Group, Permission)


def tell_the_apps():
    # The apps below link to these pages and check this permission without naming them.
    from enterprises.site import SITE

    from .access import READS_RANKINGS

    SITE.figures_permission = READS_RANKINGS
    SITE.overview_url_name = "overview:overview"
    SITE.ranking_url_name = "dashboard"


class HengkouConfig(AppConfig):
    default = True  # this module holds another AppConfig (django-axes') too
    name = "hengkou"
    verbose_name = _("Hengkou site")

    def ready(self):
        from .figures import drop_figures_on_writes
        from .scopes import register_all

        register_all()
        drop_figures_on_writes()
        tell_the_apps()
        # Any decoding of an image anywhere stops at the photo limit (Pillow errs at twice it).
        from PIL import Image

        from core.images import max_pixels

        Image.MAX_IMAGE_PIXELS = max_pixels()
        # The channels' secrets are encrypted with these keys (core/crypto.py).
        from django.core import checks

        from core.crypto import check_secrets_keys, check_secrets_keys_deploy

        checks.register(check_secrets_keys)
        checks.register(check_secrets_keys_deploy, deploy=True)
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="hengkou.sync_roles")


class AxesConfig(AxesAppConfig):
    """django-axes, named in Chinese in the admin (its own app name is not translated)."""

    verbose_name = _("Login protection")
