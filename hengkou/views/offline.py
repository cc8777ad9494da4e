"""The installable app of the officials: its manifest and its service worker."""

import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.offline import (
    OFFLINE_COPY_HEADER,
    OFFLINE_COPY_VALUE,
    OFFLINE_PAGES_CACHE,
    OFFLINE_STATIC_CACHE,
)

# The Workbox modules the service worker loads, served from static/vendor/workbox/ (make assets).
WORKBOX_MODULES = ("workbox-core", "workbox-routing", "workbox-strategies")


@require_GET
def service_worker(request):
    """Serve the service worker at the site's root, so that its scope is the whole site.

    It holds no user data (anyone may fetch it); the pages register it for officials only. It
    is revalidated on every check (``no-cache``) so that a new version reaches phones at once.
    """
    config = {
        "workboxSw": static("vendor/workbox/workbox-sw.js"),
        "modules": {name: static(f"vendor/workbox/{name}.prod.js") for name in WORKBOX_MODULES},
        "pagesCache": OFFLINE_PAGES_CACHE,
        "staticCache": OFFLINE_STATIC_CACHE,
        "copyHeader": OFFLINE_COPY_HEADER.lower(),
        "copyValue": OFFLINE_COPY_VALUE,
        # The prefix itself, not a file: static("") fails with the manifest storage.
        "staticPrefix": settings.STATIC_URL,
        "loginPath": reverse("login"),
    }
    response = render(
        request,
        "hengkou/sw.js",
        {"config": json.dumps(config, indent=2, ensure_ascii=False)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """Return the web app manifest that makes the officials' pages an installable app."""
    response = JsonResponse(
        {
            "name": _("Hengkou visit log"),
            "short_name": _("Visit log"),
            "description": _(
                "My enterprises and the visit form of the Hengkou Industrial Tracker, usable "
                "without signal: visits logged offline are sent when the connection returns."
            ),
            "lang": get_language(),
            "start_url": reverse("enterprises:my_enterprises"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#f8f9fa",
            "theme_color": "#a31515",
            "icons": [
                {
                    "src": static("img/favicon.svg"),
                    "sizes": "any",
                    "type": "image/svg+xml",
                    "purpose": "any",
                }
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-cache"
    return response
