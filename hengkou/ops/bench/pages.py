"""Every page of the supervisors' and officials' menus, and the API endpoints, timed in process.

The pages come from the navigation itself (``navigation_for``), so a page added to a menu is
measured without anyone listing it here. Each page is requested through the whole Django stack
with the test client, logged in as its user, at the measured month with its period, year and
metric in the query (pages that take none ignore them), and timed twice: without any figures
cache (the embedded default: the per-process memory cache and ``HENGKOU_FIGURES_CACHE_SECONDS``
0) and with the Redis figures cache warmed (what ``REDIS_URL`` sets up: Redis for the cache and
the cached_db sessions).
"""

from __future__ import annotations

import datetime
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import translation

from enterprises.models import Assignment

from ...navigation import navigation_for
from .common import CACHE_MODES, CHAINS, NO_CACHE, REDIS, PageRead, Timing
from .servers import SharedCache

# The embedded default: no Redis, the figures cache off, sessions in the database.
NO_CACHE_SETTINGS = {
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hengkou-bench-no-cache",
        }
    },
    "SESSION_ENGINE": "django.contrib.sessions.backends.db",
    "HENGKOU_FIGURES_CACHE_SECONDS": 0,
}


@dataclass(frozen=True)
class Page:
    """A URL to time, whose it is, and what to call it."""

    audience: str
    key: str
    name: str
    url: str


def period_query(*, period: datetime.date, metric: str) -> str:
    return urllib.parse.urlencode(
        {"period": f"{period:%Y-%m}", "year": period.year, "metric": metric}
    )


def menu_pages(user, *, audience: str, query: str) -> list[Page]:
    """Return the home page and every page the navigation offers ``user``, each with ``query``."""
    pages = [Page(audience, "home", "home page", f"/?{query}")]
    with translation.override("en"):
        for item in navigation_for(user):
            for area in item.areas:
                pages.append(Page(audience, area.key, str(area.label), f"{area.url}?{query}"))
    return pages


def api_endpoints(
    client: Client, *, period: datetime.date, metric: str, department_id: int | None
) -> list[Page]:
    """Return the trivial views, the figures endpoints and every list the API root names.

    The figures endpoints are asked for the measured month; the lists, as the API root links
    them, for their first page.
    """
    query = urllib.parse.urlencode({"period": f"{period:%Y-%m}", "metric": metric})
    month = urllib.parse.urlencode({"period": f"{period:%Y-%m}"})
    chain = urllib.parse.urlencode({"chain": CHAINS[0], "year": period.year})
    pages = [
        Page("api", "healthz", "trivial Django view (/healthz/)", reverse("healthz")),
        Page("api", "ping", "trivial DRF view (/api/v1/ping/)", reverse("api:ping")),
        Page("api", "rankings", "ranking API", f"{reverse('api:rankings')}?{query}"),
    ]
    if department_id is not None:
        members = reverse("api:ranking-members", kwargs={"department": department_id})
        pages.append(
            Page("api", "ranking_members", "ranking drill-down API, largest department",
                 f"{members}?{query}")
        )  # fmt: skip
    pages += [
        Page("api", "zone_stats", "zone statistics API", f"{reverse('api:zone-stats')}?{month}"),
        Page("api", "visit_compliance", "visit compliance API",
             f"{reverse('api:visit-compliance')}?{month}"),
        Page("api", "chain_stats", "industry chain API", f"{reverse('api:chain-stats')}?{chain}"),
    ]  # fmt: skip
    root = client.get(reverse("api:api-root"), HTTP_ACCEPT="application/json", secure=True)
    for name, url in root.json().items():
        path = urllib.parse.urlsplit(url).path
        pages.append(Page("api", name, f"{name} list API (first page)", path))
    return pages


def largest_department(year: int) -> int | None:
    """Return the id of the department with the most members in ``year``."""
    row = (
        Assignment.objects.filter(year=year)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by("-n", "department_id")
        .first()
    )
    return row["department_id"] if row else None


def _request(client: Client, url: str):
    return client.get(url, secure=True)


def measure_pages(
    pages: list[tuple[Page, Client]],
    *,
    repeat: int,
    shared_cache: SharedCache | None,
    log: Callable[[str], None],
) -> tuple[list[PageRead], str]:
    """Time every page without a cache and with the Redis figures cache warm.

    One untimed round of each mode (which also fills the cache), then ``repeat`` rounds in
    which the modes alternate and, within a mode, the pages take turns: a load spike from
    another process slows both modes alike. A page that does not answer 200 is left out, and
    the note says so. Returns the reads and a note on what was not measured.
    """
    notes = []
    timed: list[tuple[PageRead, Client]] = []
    with override_settings(**NO_CACHE_SETTINGS):
        for page, client in pages:
            status = _request(client, page.url).status_code
            if status != 200:
                notes.append(f"{page.audience} {page.name} ({page.url}) answered {status}")
                continue
            timed.append((PageRead(page.audience, page.key, page.name, page.url), client))
    modes = {NO_CACHE: NO_CACHE_SETTINGS}
    if shared_cache is not None:
        modes[REDIS] = shared_cache.settings()
    else:
        notes.append("with Redis: not measured, no Redis reachable (BENCH_REDIS_URL)")
    log(f"pages and endpoints: {len(timed)} URLs, {' and '.join(map(CACHE_MODES.get, modes))} …")
    samples = {(mode, read.ident): [] for mode in modes for read, _client in timed}
    try:
        for round_ in range(repeat + 1):
            for mode, overrides in modes.items():
                with override_settings(**overrides):
                    for read, client in timed:
                        started = time.perf_counter()
                        _getter(client, read.url)()
                        if round_:  # the first round warms up
                            samples[mode, read.ident].append(time.perf_counter() - started)
        for mode, overrides in modes.items():
            with override_settings(**overrides):
                for read, client in timed:
                    read.timings[mode] = Timing(read.name, tuple(samples[mode, read.ident]))
                    with CaptureQueriesContext(connection) as captured:
                        _request(client, read.url)
                    read.queries[mode] = len(captured)
    finally:
        if shared_cache is not None:
            shared_cache.clear()
    for read, _client in timed:
        p50s = ", ".join(
            f"{CACHE_MODES[mode]} {read.p50_ms(mode):.1f} ms ({read.queries[mode]} queries)"
            for mode in read.timings
        )
        log(f"{read.audience} · {read.name}: {p50s}")
    return [read for read, _client in timed], "; ".join(notes)


def _getter(client: Client, url: str):
    def get():
        response = _request(client, url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return get
