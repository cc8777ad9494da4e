"""The site's answer to an unexpected error (503 while the database is away, else 500) and to
a path that matches no route (404: the API answers JSON, ``{"detail": ...}``, as its views do).

Django calls ``server_error`` (``handler500``) for an exception that nothing handled, from a
view or from any middleware, still inside its ``except`` block. A PostgreSQL restart fails the
requests in flight with an OperationalError or InterfaceError: they get "try again in a moment"
(503, ``Retry-After``), pages as a page and the API in its JSON shape, and the next requests
reconnect by themselves (persistent connections are health-checked, CONN_HEALTH_CHECKS). The
pages are rendered without the request: its context processors would read the database.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from rest_framework.exceptions import NotFound

logger = logging.getLogger("hengkou.db")
RETRY_AFTER_SECONDS = 5


def database_unavailable(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request):
    """Return the 503 "database away" answer or the plain 500 page."""
    exception = sys.exc_info()[1]
    api = request.path.startswith("/api/")
    if database_unavailable(exception):
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        message = _("The database cannot be reached just now. Try again in a moment.")
        if api:
            response = JsonResponse({"detail": message}, status=503)
        else:
            page = render_to_string(
                "unavailable.html", {"title": _("Service unavailable"), "message": message}
            )
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    message = _("Something went wrong on our side; it has been logged. Try again later.")
    if api:
        return JsonResponse({"detail": message}, status=500)
    page = render_to_string("unavailable.html", {"title": _("Server error"), "message": message})
    return HttpResponseServerError(page)


def not_found(request, exception):
    """Return the 404 for a path that matches no route: JSON under /api/, else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
