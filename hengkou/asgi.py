"""ASGI entry point of the Hengkou Industrial Tracker."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengkou.settings")
application = get_asgi_application()
