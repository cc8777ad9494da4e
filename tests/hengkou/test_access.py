"""The authorization matrix: every page and every API operation × every role → its status.

The pages come from the URL conf and the API operations from the OpenAPI schema, so a new page
or endpoint without an entry here fails ``test_every_page_has_an_entry`` /
``test_every_api_operation_has_an_entry``. Objects in the URLs belong to department 1, whose
head, responsible person and leader are the department user, the official and the county leader
(tests/scoped_world.py); what happens with department 2's objects is test_scoping.py's business.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.scoped_world import build_world

A, EB, SO, DU, OF, CL = (
    "administrator",
    "economic_bureau",
    "supervision_office",
    "department_user",
    "official",
    "county_leader",
)
ROLES = (A, EB, SO, DU, OF, CL)
EVERYONE = frozenset(ROLES)
READ_ALL = frozenset({A, EB, SO})
RANKINGS = frozenset({A, EB, SO, CL})
IMPORTERS = frozenset({A, EB, DU})  # monthly figures: the bureau and the departments


@dataclass(frozen=True)
class Page:
    """A page: its URL from the world, who may open it, and what they get."""

    url: object  # callable(world, role) -> path
    allowed: frozenset
    status: int = 200  # for the allowed roles
    method: str = "get"
    public: bool = False
    # Allowed by permission yet outside the role's scope: 404 for these roles.
    hidden: frozenset = field(default_factory=frozenset)
    # Allowed, and sent on to their own page (302): officials land on /my/.
    redirected: frozenset = field(default_factory=frozenset)
    anonymous: int | None = None


def fixed(path):
    return lambda world, role: path


def ours(path_format, record):
    return lambda world, role: path_format.format(pk=world.ours.records[record].pk)


def month(world):
    return f"{world.today:%Y-%m}"


PAGES = {
    "home": Page(fixed("/"), EVERYONE, redirected=frozenset({OF})),
    "login": Page(fixed("/accounts/login/"), EVERYONE, status=302, public=True, anonymous=200),
    "logout": Page(fixed("/accounts/logout/"), EVERYONE, status=405, public=True, anonymous=405),
    "set_language": Page(fixed("/i18n/setlang/"), EVERYONE, status=302, public=True, anonymous=302),
    "favicon": Page(fixed("/favicon.ico"), EVERYONE, status=301, public=True, anonymous=301),
    "healthz": Page(fixed("/healthz/"), EVERYONE, public=True, anonymous=200),
    "service_worker": Page(fixed("/sw.js"), EVERYONE, public=True, anonymous=200),
    "manifest": Page(fixed("/manifest.webmanifest"), EVERYONE, public=True, anonymous=200),
    "offline_page": Page(fixed("/offline/"), EVERYONE, public=True, anonymous=200),
    "readyz": Page(fixed("/readyz/"), EVERYONE, public=True, anonymous=200),
    "notification_list": Page(fixed("/notifications/"), EVERYONE),
    "notification_open": Page(
        lambda world, role: f"/notifications/{world.notifications[role].pk}/", EVERYONE
    ),
    "dashboard": Page(fixed("/dashboard/"), RANKINGS),
    "dashboard_xlsx": Page(fixed("/dashboard/ranking.xlsx"), RANKINGS),
    "department_members": Page(ours("/dashboard/departments/{pk}/", "department"), RANKINGS),
    "dashboard_close": Page(fixed("/dashboard/close/"), frozenset({A, EB}), 405),
    "dashboard_reopen": Page(fixed("/dashboard/reopen/"), frozenset({A}), 405),
    "assessment": Page(fixed("/assessment/"), RANKINGS),
    "data_quality": Page(fixed("/data-quality/"), READ_ALL | {DU}),
    "data_quality_explain": Page(
        fixed("/data-quality/flags/999999/explain/"), READ_ALL | {DU}, 405
    ),
    "bulletin:index": Page(fixed("/bulletin/"), RANKINGS),
    "bulletin:detail": Page(fixed("/bulletin/2021-11/"), RANKINGS),
    "bulletin:xlsx": Page(fixed("/bulletin/2021-11.xlsx"), RANKINGS),
    "bulletin:docx": Page(fixed("/bulletin/2021-11.docx"), RANKINGS),
    "bulletin:pdf": Page(fixed("/bulletin/2021-11.pdf"), RANKINGS),
    "overview:overview": Page(fixed("/overview/"), RANKINGS),
    "inspection_list": Page(fixed("/inspections/"), READ_ALL),
    "notice_list": Page(fixed("/notices/"), READ_ALL | {DU}),
    "notice_detail": Page(ours("/notices/{pk}/", "supervisionnotice"), READ_ALL | {DU}),
    "enterprises:my_enterprises": Page(fixed("/my/"), EVERYONE),
    "enterprises:enterprise_detail": Page(ours("/enterprises/{pk}/", "enterprise"), EVERYONE),
    "enterprises:visit_new": Page(
        ours("/enterprises/{pk}/visits/new/", "enterprise"), frozenset({A, DU, OF})
    ),
    "enterprises:official_search": Page(fixed("/officials/search/?q=干部"), frozenset({A, DU, OF})),
    "enterprises:compliance": Page(fixed("/compliance/"), EVERYONE),
    "enterprises:official_compliance": Page(
        ours("/compliance/officials/{pk}/", "official"), EVERYONE, hidden=frozenset({CL})
    ),
    "problems:list": Page(fixed("/problems/"), EVERYONE),
    "problems:detail": Page(ours("/problems/{pk}/", "problem"), EVERYONE),
    "work_reports:board": Page(fixed("/work-reports/"), READ_ALL | {DU}),
    "work_reports:edit": Page(
        lambda world, role: f"/work-reports/{world.ours.assignment.pk}/{month(world)}/",
        READ_ALL | {DU},
    ),
    "projects:board": Page(fixed("/projects/"), READ_ALL | {DU, CL}),
    "projects:analysis": Page(fixed("/projects/analysis/"), READ_ALL | {DU, CL}),
    "projects:evaluations": Page(fixed("/projects/evaluations/"), READ_ALL),
    "projects:funding_list": Page(fixed("/projects/funding/"), READ_ALL),
    "projects:detail": Page(ours("/projects/{pk}/", "project"), READ_ALL | {DU, CL}),
    "projects:stage_move": Page(ours("/projects/{pk}/stage/", "project"), READ_ALL | {DU, CL}, 405),
    "projects:inspection_new": Page(
        ours("/projects/{pk}/inspections/", "project"), frozenset({A, SO}), 405
    ),
    "projects:report": Page(
        lambda world, role: f"/projects/{world.ours.records['project'].pk}/reports/{month(world)}/",
        READ_ALL | {DU, CL},
    ),
    "imports:index": Page(fixed("/imports/"), IMPORTERS),
    "imports:template": Page(fixed("/imports/monthly_reports/template.xlsx"), IMPORTERS),
    "imports:upload": Page(fixed("/imports/monthly_reports/"), IMPORTERS),
    "imports:confirm": Page(fixed("/imports/monthly_reports/confirm/"), IMPORTERS, 405),
    "zone:index": Page(fixed("/zone/"), EVERYONE),
    "zone:cultivation_list": Page(fixed("/zone/cultivation/"), READ_ALL),
    "zone:candidates_record": Page(fixed("/zone/cultivation/candidates/"), frozenset({A}), 405),
    "zone:chain": Page(fixed("/zone/chain/"), RANKINGS),
    "zone:matchmaking_list": Page(fixed("/zone/matchmakings/"), READ_ALL),
    "zone:loan_list": Page(fixed("/zone/loans/"), READ_ALL),
    "zone:inspection_list": Page(fixed("/zone/safety/inspections/"), READ_ALL),
    "zone:activity_list": Page(fixed("/zone/safety/activities/"), READ_ALL),
    "zone:factory_list": Page(fixed("/zone/factories/"), READ_ALL),
    "zone:facility_list": Page(fixed("/zone/facilities/"), READ_ALL),
    "zone:investor_list": Page(fixed("/zone/new-investors/"), READ_ALL),
    "annual:plans": Page(fixed("/year/plans/"), RANKINGS),
    "annual:turn": Page(fixed("/year/turn/"), frozenset({A, EB})),
    # No turn of the year in the world: the draft page of a missing turn is not found.
    "annual:draft": Page(fixed("/year/turn/999999/drafts/0/"), frozenset({A, EB}), 404),
}

SELF_GUARDED = ("admin:", "api:")


def page_names():
    """Return the name of every page of the URL conf (the admin and the API guard themselves)."""

    def walk(patterns, namespaces=()):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                yield ":".join((*namespaces, pattern.name or f"<unnamed {pattern.pattern}>"))

    names = set(walk(get_resolver().url_patterns))
    # Uploaded media are served by Django only while debugging.
    return sorted(n for n in names if not n.startswith(SELF_GUARDED) and "<unnamed" not in n)


def test_every_page_has_an_entry():
    assert set(page_names()) - set(PAGES) == set(), "add the new pages to PAGES"
    assert set(PAGES) - set(page_names()) == set(), "remove the pages that are gone"


def test_every_page_is_named():
    def unnamed(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # the admin's own redirects
                yield from unnamed(pattern.url_patterns, prefix + str(pattern.pattern))
            elif not pattern.name and "static" not in pattern.callback.__module__:
                yield prefix + str(pattern.pattern)

    assert list(unnamed(get_resolver().url_patterns)) == []


def expected_page_status(page: Page, role: str | None) -> int:
    if role is None:
        return page.anonymous if page.anonymous is not None else 302
    if role not in page.allowed:
        return 403
    if role in page.hidden:
        return 404
    if role in page.redirected:
        return 302
    return page.status


@pytest.fixture
def world(db):
    return build_world()


def _request(client, method, url):
    if method == "get":
        return client.get(url)
    # A write is undone after the request, so the next role finds the same world.
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def test_the_page_matrix(world):
    mismatches = []
    for role in (None, "no_role", *ROLES):
        client = Client()
        if role is not None:
            client.force_login(world.users[role])
        for name, page in PAGES.items():
            url = page.url(world, role or "administrator")
            response = _request(client, page.method, url)
            matrix_role = None if role is None else role
            if role == "no_role":
                expected = page.status if page.public else 403
            else:
                expected = expected_page_status(page, matrix_role)
            if response.status_code != expected:
                mismatches.append(f"{role or 'anonymous'} {name} {url}: {response.status_code}")
            if role is None and expected == 302 and not page.public:
                assert response["Location"].startswith("/accounts/login/"), name
    assert not mismatches, "\n".join(mismatches)


# --- the API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """Who may read and write a resource of API v1."""

    read: frozenset
    create: frozenset = frozenset({A})
    update: frozenset = frozenset({A})
    delete: frozenset = frozenset({A})
    record: str = ""  # the world's record used for {id}


def resource(record, read, create=frozenset({A}), update=None, delete=frozenset({A})):
    return Resource(
        read=read,
        create=create,
        update=create if update is None else update,
        delete=delete,
        record=record,
    )


ZONE = READ_ALL
RESOURCES = {
    "departments": resource("department", READ_ALL),
    "officials": resource("official", READ_ALL),
    "enterprises": resource("enterprise", EVERYONE),
    "assignments": resource("assignment", EVERYONE),
    "targets": resource("target", READ_ALL, create=frozenset({A, EB})),
    "monthly-reports": resource("monthlyreport", READ_ALL | {DU}, create=frozenset({A, EB, DU})),
    # The world's visit has no author: correcting or deleting it is a 403 for everyone.
    "visits": resource(
        "visit", EVERYONE, create=frozenset({A, DU, OF}), update=frozenset(), delete=frozenset()
    ),
    # PATCH steps are checked by the problem services: anyone who reads may ask.
    "problems": resource("problem", EVERYONE, create=frozenset({A, DU, OF}), update=EVERYONE),
    "projects": resource("project", READ_ALL | {DU, CL}),
    "project-plans": resource("projectplan", READ_ALL, create=frozenset({A, EB})),
    "project-reports": resource(
        "projectreport",
        READ_ALL | {DU},
        create=frozenset({A, EB, DU}),
        update=frozenset({A, EB, DU}),
    ),
    # An empty PATCH is a response: the department's (the office closes with status=closed).
    "supervision-notices": resource("supervisionnotice", READ_ALL | {DU}, update={A, DU}),
    "cultivations": resource("cultivation", ZONE),
    "matchmakings": resource("", ZONE),
    "loans": resource("loan", ZONE),
    "safety-inspections": resource("safetyinspection", ZONE),
    "safety-activities": resource("", ZONE),
    "standard-factories": resource("standardfactory", ZONE),
    "service-facilities": resource("", ZONE),
    "new-investors": resource("newinvestor", ZONE),
    "funding-applications": resource("fundingapplication", ZONE),
    # The pages' actions: their services decide, as on the pages. A work report is written by
    # its department only (the administrator role is not of it); an evaluation is confirmed.
    "work-reports": resource(
        "workreport",
        READ_ALL | {DU},
        create=frozenset({A, DU}),
        update=frozenset({DU}),
        delete=frozenset(),
    ),
    "inspections": resource("inspection", READ_ALL, create=frozenset({A, SO})),
    "project-inspections": resource("projectinspection", READ_ALL, create=frozenset({A, SO})),
    "project-evaluations": resource("", READ_ALL, create=frozenset({A, SO})),
    # The year's plan and the turn of the year: the leading office writes them.
    "annual-plans": resource("", RANKINGS, create=frozenset({A, EB}), delete=frozenset({A, EB})),
    "year-turns": resource("", READ_ALL, create=frozenset({A, EB}), delete=frozenset({A, EB})),
    "year-turn-assignments": resource(
        "", READ_ALL, create=frozenset({A, EB}), delete=frozenset({A, EB})
    ),
    "year-turn-targets": resource(
        "", READ_ALL, create=frozenset({A, EB}), delete=frozenset({A, EB})
    ),
    # The zone's facts: their readers include the county leaders (the overview shows them);
    # the economic bureau enters them (by hand or by import), as it does the standing.
    "milestones": resource("", ZONE | {CL}, create=frozenset({A, EB})),
    "promotion-events": resource("", ZONE | {CL}, create=frozenset({A, EB})),
    "chain-years": resource("", ZONE | {CL}, create=frozenset({A, EB})),
    # The zone's standing in the city: entered by the economic bureau, which closes the month.
    "zone-standings": resource("", ZONE | {CL}, create=frozenset({A, EB})),
    # Each user's own notifications.
    "notifications": resource("", EVERYONE),
    # Derived from the monthly reports: read only; the departments read their own.
    "figure-flags": resource("", READ_ALL | {DU}),
}

# Endpoints that are not resources: who may call them (any method they have).
ENDPOINTS = {
    "/api/v1/rankings/": RANKINGS,
    "/api/v1/rankings/{department}/members/": RANKINGS,
    # The year-end projections: the same departments' totals as the ranking.
    "/api/v1/projections/": RANKINGS,
    "/api/v1/zone-stats/": RANKINGS,
    "/api/v1/chain-stats/": RANKINGS,
    "/api/v1/assessments/": RANKINGS,
    "/api/v1/projects/{id}/stage/": READ_ALL | {DU, CL},
    "/api/v1/visit-compliance/": EVERYONE,
    # The dashboard's board for its readers; a department's own line for its users.
    "/api/v1/completeness/": RANKINGS | {DU},
    "/api/v1/data-quality/": READ_ALL | {DU},
    # Explaining a flag (the world has none: not found once allowed; the service decides who).
    "/api/v1/figure-flags/{id}/explain/": READ_ALL | {DU},
    # Whoever reads the bulletin pages (the world's November is closed).
    "/api/v1/bulletins/": RANKINGS,
    "/api/v1/bulletins/{period}/": RANKINGS,
    "/api/v1/bulletins/{period}/files/{kind}/": RANKINGS,  # the workbook (the quickest file)
    "/api/v1/periods/{period}/close/": frozenset({A, EB}),
    "/api/v1/periods/{period}/reopen/": frozenset({A}),
    "/api/v1/history/": EVERYONE,
    "/api/v1/notifications/{id}/read/": EVERYONE,  # the caller's own (the world's: not found)
    "/api/v1/schema/": EVERYONE,
    "/api/v1/docs/": EVERYONE,
    "/api/v1/ping/": EVERYONE,
    # Actions on a turn of the year (the world has none: not found once allowed).
    "/api/v1/year-turns/{id}/seed/": frozenset({A, EB}),
    "/api/v1/year-turns/{id}/confirm/": frozenset({A, EB}),
}

# Actions on a record: the roles that pass every permission check (the viewset's and the
# service's, asked before the body is read), and what they get for an empty JSON body (400: no
# photo in an upload, no field of a step; 404 for the photo 999999).
ACTIONS = {
    "/api/v1/visits/{id}/photos/": ("visit", frozenset({DU, OF}), {400}),
    "/api/v1/visits/{id}/photos/{photo_id}/": ("visit", frozenset({A, DU, OF}), {404}),
    "/api/v1/project-reports/{id}/photos/": ("projectreport", frozenset({A, DU}), {400}),
    "/api/v1/project-reports/{id}/photos/{photo_id}/": (
        "projectreport",
        frozenset({A, EB, DU}),
        {404},
    ),
    "/api/v1/problems/{id}/assign/": ("problem", frozenset({A, DU}), {400}),
    "/api/v1/problems/{id}/feedback/": ("problem", frozenset({DU, OF}), {400}),
    "/api/v1/problems/{id}/solve/": ("problem", frozenset({DU, OF}), {400}),
    "/api/v1/problems/{id}/confirm/": ("problem", frozenset({OF, CL}), {400}),
    "/api/v1/problems/{id}/reject/": ("problem", frozenset({OF, CL}), {400}),
}

ALLOWED_STATUSES = {
    "get": {200},
    "post": {201, 400},
    "patch": {200, 400},
    "delete": {204, 409},
}


def api_operations():
    """Return (path, method) for every operation of the OpenAPI schema."""
    schema = SchemaGenerator(patterns=None, urlconf=None).get_schema(request=None, public=True)
    return sorted(
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in ALLOWED_STATUSES
    )


def _resource_of(path):
    match = re.fullmatch(r"/api/v1/([a-z-]+)/(\{id\}/)?", path)
    return (match.group(1), bool(match.group(2))) if match else (None, False)


def test_every_api_operation_has_an_entry():
    missing = []
    for path, _method in api_operations():
        name, _detail = _resource_of(path)
        if path not in ENDPOINTS and path not in ACTIONS and name not in RESOURCES:
            missing.append(path)
    assert missing == [], "add the new endpoints to RESOURCES or ENDPOINTS"


def expected_api(path, method, role):
    """Return the statuses the role may get for an operation."""
    if role is None:
        return {403}
    if path in ACTIONS:
        _record, allowed, statuses = ACTIONS[path]
        return statuses if role in allowed else {403}
    if role == "no_role":
        allowed = frozenset()
    elif path in ENDPOINTS:
        allowed = ENDPOINTS[path]
    else:
        name, _detail = _resource_of(path)
        spec = RESOURCES[name]
        allowed = {
            "get": spec.read,
            "post": spec.create,
            "patch": spec.update,
            "delete": spec.delete,
        }[method]
    if role not in allowed:
        return {403}
    if path in ENDPOINTS:
        # Computed endpoints answer 400 without their query parameters.
        return {200, 400} if method == "get" else {200, 400, 409}
    return ALLOWED_STATUSES[method]


def _api_url(world, path):
    if path in ACTIONS:
        pk = world.ours.records[ACTIONS[path][0]].pk
        return path.replace("{id}", str(pk)).replace("{photo_id}", "999999")
    name, detail = _resource_of(path)
    if path in ENDPOINTS:
        return (
            path.replace("{period}", "2021-11")
            .replace("{department}", str(world.ours.department.pk))
            .replace("{id}", str(world.ours.records["project"].pk))
            .replace("{kind}", "xlsx")
        )
    if not detail:
        return path
    record = RESOURCES[name].record
    pk = world.ours.records[record].pk if record else 999_999
    return path.replace("{id}", str(pk))


def test_the_api_matrix(world):
    operations = api_operations()
    assert len(operations) > 60
    mismatches = []
    for role in (None, "no_role", *ROLES):
        client = APIClient()
        if role is not None:
            client.force_authenticate(world.users[role])
        for path, method in operations:
            url = _api_url(world, path)
            with transaction.atomic():
                response = getattr(client, method)(url, {}, format="json")
                transaction.set_rollback(True)
            expected = expected_api(path, method, role)
            name, detail = _resource_of(path)
            if (
                detail
                and name in RESOURCES
                and not RESOURCES[name].record
                and response.status_code == 404
                and expected != {403}
            ):
                continue  # a zone-wide record the world does not make: not found is right
            if "{id}" in path and response.status_code == 404 and expected != {403}:
                continue  # an action on a record the world does not make
            if response.status_code not in expected:
                mismatches.append(
                    f"{role or 'anonymous'} {method.upper()} {url}: {response.status_code}"
                    f" (expected {sorted(expected)})"
                )
    assert not mismatches, "\n".join(mismatches)
