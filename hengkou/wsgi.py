"""WSGI entry point of the Hengkou Industrial Tracker."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengkou.settings")
application = get_wsgi_application()
