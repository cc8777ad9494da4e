"""Everything a person can do on a page, a system can do through the API (issue 20).

The URLconf's page write views (every non-API, non-admin URL pattern whose view accepts POST,
PUT, PATCH or DELETE) are found by looking at the views themselves, and each must have an entry
here: the API operations that do what it does (as the OpenAPI schema names them), or a
deliberate exception with its reason. A new page write view without an entry fails the test.
"""

import inspect
import re
import types
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.views import View
from rest_framework.test import APIClient

from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
API = "/api/v1"

# URL name of the page write view -> the API operations that do what it does.
COUNTERPARTS: dict[str, set[str]] = {
    "dashboard_close": {f"POST {API}/periods/{{period}}/close/"},
    "dashboard_reopen": {f"POST {API}/periods/{{period}}/reopen/"},
    # GET shows the notification; POST marks it read and follows its link.
    "notification_open": {f"POST {API}/notifications/{{id}}/read/"},
    "data_quality_explain": {f"POST {API}/figure-flags/{{id}}/explain/"},
    "notice_detail": {f"PATCH {API}/supervision-notices/{{id}}/"},
    "inspection_list": {f"POST {API}/inspections/"},
    # A visit with the problems raised on the spot and the photos taken.
    "enterprises:visit_new": {
        f"POST {API}/visits/",
        f"POST {API}/problems/",
        f"POST {API}/visits/{{id}}/photos/",
        f"DELETE {API}/visits/{{id}}/photos/{{photo_id}}/",
    },
    "problems:detail": {
        f"POST {API}/problems/{{id}}/{step}/"
        for step in ("assign", "feedback", "solve", "confirm", "reject")
    },
    "work_reports:edit": {f"POST {API}/work-reports/", f"PATCH {API}/work-reports/{{id}}/"},
    # The page detects the year's candidates and records each as a `candidate` path; a system
    # that has its own list records them one by one.
    "zone:candidates_record": {f"POST {API}/cultivations/"},
    "projects:evaluations": {f"POST {API}/project-evaluations/"},
    "projects:stage_move": {f"POST {API}/projects/{{id}}/stage/"},
    "projects:inspection_new": {f"POST {API}/project-inspections/"},
    "projects:report": {
        f"POST {API}/project-reports/",
        f"PATCH {API}/project-reports/{{id}}/",
        f"POST {API}/project-reports/{{id}}/photos/",
        f"DELETE {API}/project-reports/{{id}}/photos/{{photo_id}}/",
    },
    # The turn of the year: start it, seed the targets, add or drop a draft, confirm or discard.
    "annual:turn": {
        f"POST {API}/year-turns/",
        f"POST {API}/year-turns/{{id}}/seed/",
        f"POST {API}/year-turns/{{id}}/confirm/",
        f"DELETE {API}/year-turns/{{id}}/",
        f"POST {API}/year-turn-assignments/",
        f"DELETE {API}/year-turn-assignments/{{id}}/",
    },
    "annual:draft": {
        f"PATCH {API}/year-turn-assignments/{{id}}/",
        f"PATCH {API}/year-turn-targets/{{id}}/",
    },
    # Importing a confirmed workbook creates or updates rows of its kind, all or none.
    "imports:confirm": {
        f"{method} {API}/{resource}/{suffix}"
        for resource in (
            "enterprises",
            "assignments",
            "targets",
            "monthly-reports",
            "project-plans",
            "project-reports",
        )
        for method, suffix in (("POST", ""), ("PATCH", "{id}/"))
    }
    | {f"PATCH {API}/year-turn-targets/{{id}}/"},  # the turn's draft targets
}

# Page write views with no API counterpart, on purpose.
EXCEPTIONS: dict[str, str] = {
    # The browser's session: the API authenticates each request (token or session) instead.
    "login": "signs a browser in",
    "logout": "signs a browser out",
    # The page language is a cookie; API clients send Accept-Language.
    "set_language": "switches the pages' language",
    # Checks an uploaded workbook and shows its preview: it writes no record (imports:confirm
    # does, and has its counterparts above).
    "imports:upload": "prepares an import's preview",
}


# --- finding the page write views ---------------------------------------------------------------

# Reading what a request posts, or asking whether it is a write.
_HANDLES_WRITES = re.compile(
    r"request\.(POST|FILES|body)\b|request\.method\b[^\n]*[\"'](POST|PUT|PATCH|DELETE)[\"']"
)


def _ours(function) -> bool:
    """Return whether a function is this project's (its helpers are followed; a library's not)."""
    source = Path(inspect.getsourcefile(function) or "").resolve()
    root = Path(settings.BASE_DIR).resolve()
    return source.is_relative_to(root) and not source.is_relative_to(root / ".venv")


def _walk(patterns, namespace=""):
    """Yield (URL name, view) for every named pattern, with its namespace."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, pattern.callback


def _declared_methods(view) -> set[str] | None:
    """Return the methods a require_http_methods wrapper (require_POST …) admits, else None."""
    function = view
    while function is not None:
        if isinstance(function, types.FunctionType):
            closure = inspect.getclosurevars(function).nonlocals
            if "request_method_list" in closure:
                return {method.upper() for method in closure["request_method_list"]}
        function = getattr(function, "__wrapped__", None)
    return None


def _innermost(view):
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _reads_writes(function, seen: set) -> bool:
    """Return whether a view function, or a function of this project it calls, handles a write.

    The view is read whoever wrote it (Django's set_language is one); the functions it calls
    are followed within this project.
    """
    if function in seen or not isinstance(function, types.FunctionType):
        return False
    seen.add(function)
    if _HANDLES_WRITES.search(inspect.getsource(function)):
        return True
    called = inspect.getclosurevars(function)
    return any(
        _reads_writes(_innermost(value), seen)
        for value in [*called.globals.values(), *called.nonlocals.values()]
        if isinstance(_innermost(value), types.FunctionType) and _ours(_innermost(value))
    )


def accepts_writes(view) -> bool:
    """Return whether a page view accepts POST, PUT, PATCH or DELETE and acts on it."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        offered = {
            method.upper()
            for method in view_class.http_method_names
            if hasattr(view_class, method) and method != "options"
        }
        return bool(offered & WRITES)
    declared = _declared_methods(view)
    if declared is not None:
        return bool(declared & WRITES)
    return _reads_writes(_innermost(view), set())


def page_write_views() -> set[str]:
    """Return the URL names of the page write views (the admin, the API and media left out)."""
    return {
        name
        for name, view in _walk(get_resolver().url_patterns)
        if name.split(":")[0] not in ("admin", "api")
        and view.__module__ != "django.views.static"
        and accepts_writes(view)
    }


def schema_operations() -> set[str]:
    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau"))
    response = client.get(f"{API}/schema/", {"format": "json"})
    assert response.status_code == 200
    return {
        f"{method.upper()} {path}"
        for path, operations in response.json()["paths"].items()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


# --- the tests ----------------------------------------------------------------------------------


def unlisted_write_views() -> set[str]:
    return page_write_views() - COUNTERPARTS.keys() - EXCEPTIONS.keys()


def test_every_page_write_view_has_an_api_counterpart_or_a_stated_exception():
    found = page_write_views()
    unlisted = unlisted_write_views()
    assert not unlisted, (
        f"Page write views without an API counterpart: {sorted(unlisted)}. Build the API "
        "operation and add it to COUNTERPARTS, or add the page to EXCEPTIONS with the reason."
    )
    stale = (COUNTERPARTS.keys() | EXCEPTIONS.keys()) - found
    assert not stale, f"Entries for pages that are no longer write views: {sorted(stale)}"
    assert not COUNTERPARTS.keys() & EXCEPTIONS.keys()


def test_each_counterpart_is_an_operation_of_the_schema():
    operations = schema_operations()
    missing = {
        page: sorted(wanted - operations)
        for page, wanted in COUNTERPARTS.items()
        if wanted - operations
    }
    assert not missing, f"Counterparts the API schema lacks: {missing}"


def test_the_finder_sees_each_way_a_view_takes_writes():
    """The finder recognises a write by require_POST, by `request.method` in a view or in a
    helper it calls, and by a class-based view's handlers; a page that only reads is none."""
    found = page_write_views()
    assert {"dashboard_close", "projects:stage_move"} <= found  # require_POST
    assert "inspection_list" in found  # request.method == "POST" in the view
    assert "notice_detail" in found  # request.POST read by a helper
    assert {"login", "logout"} <= found  # class-based views with post()
    assert "set_language" in found  # Django's own view
    reads = {"dashboard", "bulletin:xlsx", "bulletin:index", "healthz", "zone:loan_list"}
    assert not reads & found
    assert "enterprises:official_search" not in found  # require_GET


# A site with two new page write views, to show that the test above would fail on them.
def _new_form_page(request):
    if request.method == "POST":
        return HttpResponse(status=204)
    return HttpResponse()


class _NewFormView(View):
    def post(self, request):
        return HttpResponse(status=204)


urlpatterns = [
    path("", include("hengkou.urls")),
    path("new-page/", login_required(_new_form_page), name="new_page"),
    path("new-form/", _NewFormView.as_view(), name="new_form"),
]


@pytest.mark.urls(__name__)
def test_a_new_page_write_view_without_an_entry_is_reported():
    assert unlisted_write_views() == {"new_page", "new_form"}
