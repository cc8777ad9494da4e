"""The installable app of the officials: its manifest and its service worker."""

import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.offline import (
    CACHE_PREFIX,
    OFFLINE_COPY_HEADER,
    OFFLINE_COPY_VALUE,
    OFFLINE_DATABASE,
    OFFLINE_DATABASE_VERSION,
    OFFLINE_DRAFTS_STORE,
    OFFLINE_META_STORE,
    OFFLINE_PAGES_CACHE,
    OFFLINE_STATIC_CACHE,
    OFFLINE_STATIC_MAX_AGE_SECONDS,
    OFFLINE_STATIC_MAX_ENTRIES,
)

# The Workbox modules the service worker loads, served from static/vendor/workbox/ (make assets).
WORKBOX_MODULES = (
    "workbox-core",
    "workbox-routing",
    "workbox-strategies",
    "workbox-expiration",
    "workbox-precaching",
)
# Precached with the offline page: the files it needs, and those of the pages kept offline
# (base.html and the visit form), so that a kept page still works after a new version of the
# worker replaced the files' cache.
PRECACHED_FILES = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/idb/idb.umd.js",
    "css/site.css",
    "img/favicon.svg",
    "js/tables.js",
    "js/offline.js",
    "js/offline_page.js",
    "js/visit_form.js",
)


def _offline_page_html() -> str:
    """Render the offline page: the same for everyone, in every language of the site."""
    return render_to_string(
        "hengkou/offline.html",
        {
            "languages": [code for code, _name in settings.LANGUAGES],
            "default_language": settings.LANGUAGE_CODE,
            "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        },
    )


def _revision(name: str, url: str) -> str | None:
    """Return the precache revision of a static file: none when its URL carries its hash."""
    path = finders.find(name) if url.endswith("/" + name) else None
    if not path:
        return None
    with open(path, "rb") as source:
        return hashlib.sha256(source.read()).hexdigest()[:16]


def _precache_manifest() -> list[dict]:
    """Return what the service worker precaches: the offline page and the files pages need."""
    files = []
    for name in PRECACHED_FILES:
        url = static(name)
        files.append({"url": url, "revision": _revision(name, url)})
    page = hashlib.sha256(_offline_page_html().encode())
    page.update(json.dumps(files).encode())
    return [{"url": reverse("offline_page"), "revision": page.hexdigest()[:16]}, *files]


@require_GET
def service_worker(request):
    """Serve the service worker at the site's root, so that its scope is the whole site.

    It holds no user data (anyone may fetch it); the pages register it for officials only. It
    is revalidated on every check (``no-cache``) so that a new version reaches phones at once.
    """
    config = {
        "workboxSw": static("vendor/workbox/workbox-sw.js"),
        "modules": {name: static(f"vendor/workbox/{name}.prod.js") for name in WORKBOX_MODULES},
        "idb": static("vendor/idb/idb.umd.js"),
        "cachePrefix": CACHE_PREFIX,
        "pagesCache": OFFLINE_PAGES_CACHE,
        "staticCache": OFFLINE_STATIC_CACHE,
        "staticMaxEntries": OFFLINE_STATIC_MAX_ENTRIES,
        "staticMaxAgeSeconds": OFFLINE_STATIC_MAX_AGE_SECONDS,
        "precache": _precache_manifest(),
        "offlinePage": reverse("offline_page"),
        # The visit form's address, whatever the enterprise: a post of it is kept when it fails.
        "visitFormPattern": "^"
        + re.escape(reverse("enterprises:visit_new", args=[0])).replace("/0/", "/[0-9]+/")
        + "$",
        "database": OFFLINE_DATABASE,
        "databaseVersion": OFFLINE_DATABASE_VERSION,
        "draftsStore": OFFLINE_DRAFTS_STORE,
        "metaStore": OFFLINE_META_STORE,
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
def offline_page(request):
    """Serve the page shown for a page not kept on the phone when there is no connection.

    The service worker precaches it; it holds no user data (the pages kept and the visits not
    sent are read on the phone by static/js/offline_page.js) and comes in both languages, the
    one shown being the language chosen on the site (its cookie), as the pages are.
    """
    response = HttpResponse(_offline_page_html())
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
