"""The officials' installable app: manifest, service worker, offline copies of their own pages."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.urls import reverse
from django.utils import timezone

from core.offline import (
    CACHE_PREFIX,
    OFFLINE_COPY_HEADER,
    OFFLINE_DATABASE,
    OFFLINE_DATABASE_VERSION,
    OFFLINE_DRAFTS_STORE,
    OFFLINE_META_STORE,
    OFFLINE_PAGES_CACHE,
    OFFLINE_STATIC_CACHE,
)
from tests.factories import AssignmentFactory, EnterpriseFactory, OfficialFactory, UserFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def official(client):
    """An official signed in, responsible for one enterprise this year."""
    person = OfficialFactory(name="王帮扶")
    user = user_with_role("official", official=person, username="wang")
    assignment = AssignmentFactory(
        year=timezone.localdate().year, responsible=person, department=person.department
    )
    client.force_login(user)
    return assignment


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    # Workbox from this site's static files, never Google's CDN (workbox-sw's default).
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert "importScripts(CONFIG.workboxSw, CONFIG.idb);" in body
    assert config["idb"] == "/static/vendor/idb/idb.umd.js"
    assert config["workboxSw"] == "/static/vendor/workbox/workbox-sw.js"
    assert config["modules"] == {
        name: f"/static/vendor/workbox/{name}.prod.js"
        for name in (
            "workbox-core",
            "workbox-routing",
            "workbox-strategies",
            "workbox-expiration",
            "workbox-precaching",
        )
    }
    assert "modulePathCb: (name) => CONFIG.modules[name]" in body and "debug: false" in body
    assert not re.search(r"https?://", body)
    assert config["pagesCache"] == OFFLINE_PAGES_CACHE
    assert config["copyHeader"] == OFFLINE_COPY_HEADER.lower()


def test_the_service_worker_names_the_hashed_files_of_the_production_storage(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "tests.hengkou.test_offline_app.HashedNames"},
    }
    response = client.get("/sw.js")
    assert response.status_code == 200
    config = json.loads(response.content.decode().split("const CONFIG = ", 1)[1].split(";\n")[0])
    assert config["workboxSw"] == "/static/vendor/workbox/workbox-sw.0123abcd.js"
    assert config["staticPrefix"] == "/static/"


class HashedNames(StaticFilesStorage):
    """Name every static file as the manifest storage does, without collecting them."""

    def url(self, name, force=False):
        if not name:
            raise ValueError("Missing staticfiles manifest entry for ''")
        stem, dot, suffix = name.rpartition(".")
        return super().url(f"{stem}.0123abcd.{suffix}")


def test_the_workbox_files_the_service_worker_loads_are_copied_by_make_assets():
    makefile = (ROOT / "Makefile").read_text()
    assert "node_modules/workbox-sw/build/workbox-sw.js" in makefile
    for module in ("core", "routing", "strategies", "expiration", "precaching"):
        assert module in makefile.split("for module in ", 1)[1].split(";", 1)[0]
    assert "node_modules/idb/build/umd.js static/vendor/idb/idb.umd.js" in makefile
    package = json.loads((ROOT / "package.json").read_text())
    for name in (
        "workbox-sw",
        "workbox-core",
        "workbox-routing",
        "workbox-strategies",
        "workbox-expiration",
        "workbox-precaching",
        "idb",
    ):
        assert name in package["dependencies"]
        assert (
            name
            in json.loads((ROOT / "package-lock.json").read_text())["packages"][""]["dependencies"]
        )


def test_the_manifest_names_the_app_in_chinese(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "恒口包抓帮扶记录" and manifest["short_name"] == "帮扶记录"
    assert manifest["lang"] == "zh-hans"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/my/",
        "/",
        "standalone",
    )
    assert manifest["icons"][0]["src"] == "/static/img/favicon.svg"


def test_the_content_security_policy_admits_the_worker_and_the_manifest_from_this_site(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


def test_only_those_who_log_visits_get_the_app(client, official):
    page = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'data-sw="/sw.js"' in page and 'id="offline-outbox"' in page
    assert "/static/vendor/idb/idb.umd.js" in page
    client.force_login(user_with_role("economic_bureau", username="bureau"))
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "manifest" not in page and "offline.js" not in page and "offline-outbox" not in page
    client.force_login(UserFactory(is_superuser=True))
    page = client.get(reverse("dashboard")).content.decode()
    assert "offline.js" not in page


def test_the_officials_own_pages_may_be_kept_offline_and_nothing_else(client, official):
    own = official.enterprise_id
    for url in (
        reverse("enterprises:my_enterprises"),
        reverse("enterprises:enterprise_detail", args=[own]),
        reverse("enterprises:visit_new", args=[own]),
    ):
        response = client.get(url)
        assert response[OFFLINE_COPY_HEADER] == "own", url
        # The browser's own HTTP cache still keeps nothing: the copy is the service worker's.
        assert response["Cache-Control"] == "private, no-store", url
    # An enterprise the official sees (last year's assignment) but is not on this year.
    past = EnterpriseFactory()
    AssignmentFactory(enterprise=past, year=official.year - 1).team.add(official.responsible)
    for url in (
        reverse("enterprises:enterprise_detail", args=[past.pk]),
        reverse("enterprises:visit_new", args=[past.pk]),
        reverse("problems:list"),
        reverse("notification_list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert OFFLINE_COPY_HEADER not in response, url


def test_a_form_that_came_back_with_errors_is_not_kept(client, official):
    response = client.post(
        reverse("enterprises:visit_new", args=[official.enterprise_id]),
        {"visited_on": "", "problems-TOTAL_FORMS": "0", "problems-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert OFFLINE_COPY_HEADER not in response


def test_a_department_user_gets_offline_copies_of_their_own_assignments_only(client):
    person = OfficialFactory()
    user = user_with_role("department_user", official=person, username="dept")
    assignment = AssignmentFactory(
        year=timezone.localdate().year, department=person.department, responsible=person
    )
    client.force_login(user)
    response = client.get(reverse("enterprises:enterprise_detail", args=[assignment.enterprise_id]))
    assert response[OFFLINE_COPY_HEADER] == "own"
    colleague = AssignmentFactory(year=timezone.localdate().year, department=person.department)
    response = client.get(reverse("enterprises:enterprise_detail", args=[colleague.enterprise_id]))
    assert response.status_code == 200 and OFFLINE_COPY_HEADER not in response
    assert Group.objects.filter(name="department_user").exists()


def test_signing_out_forgets_the_kept_pages(client, official):
    # The sign-out button clears the cache before it posts (offline.js), and the sign-in page
    # it lands on clears it again (also after a session that simply ended).
    offline_js = (ROOT / "static/js/offline.js").read_text()
    assert f'const PAGES_CACHE = "{OFFLINE_PAGES_CACHE}"' in offline_js
    forget = offline_js.split("async function forgetThisPhone()")[1].split("\n  }\n")[0]
    assert "caches.delete(PAGES_CACHE)" in forget
    handler = offline_js.split('getElementById("logout-form")')[1]
    # Each step within a few seconds: the phone's storage never holds the sign-out back.
    assert "within(forgetThisPhone(), null)" in handler and "logout.submit()" in handler
    signed_out_js = (ROOT / "static/js/signed_out.js").read_text()
    assert f'caches.delete("{OFFLINE_PAGES_CACHE}")' in signed_out_js
    response = client.post(reverse("logout"), follow=True)
    page = response.content.decode()
    assert "/static/js/signed_out.js" in page and "offline.js" not in page
    # The service worker forgets them too when a page of the site sends it to the sign-in page.
    worker = client.get("/sw.js").content.decode()
    assert '"loginPath": "/accounts/login/"' in worker
    assert "caches.delete(PAGES)" in worker


def test_the_cache_exception_is_documented():
    security = (ROOT / "docs/security.md").read_text()
    assert "Cache-Control: private, no-store" in security
    assert OFFLINE_PAGES_CACHE in security and OFFLINE_COPY_HEADER in security
    api = (ROOT / "docs/api.md").read_text()
    assert "Idempotency-Key" in api and "Idempotent-Replayed" in api


def _config(client) -> dict:
    body = client.get("/sw.js").content.decode()
    return json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])


def test_the_files_cache_is_bounded_and_a_previous_versions_caches_are_removed(client):
    config = _config(client)
    assert config["staticCache"] == OFFLINE_STATIC_CACHE != "hengkou-static"
    assert 0 < config["staticMaxEntries"] <= 100
    assert 0 < config["staticMaxAgeSeconds"] <= 90 * 24 * 3600
    assert config["cachePrefix"] == CACHE_PREFIX
    for name in (OFFLINE_PAGES_CACHE, OFFLINE_STATIC_CACHE, "hengkou-precache"):
        assert name.startswith(CACHE_PREFIX)
    worker = (ROOT / "templates/hengkou/sw.js").read_text()
    static_route = worker.split("new workbox.strategies.StaleWhileRevalidate(", 1)[1]
    assert "new workbox.expiration.ExpirationPlugin(" in static_route.split("})", 1)[0]
    activate = worker.split('addEventListener("activate"', 1)[1].split("});", 1)[0]
    assert "name.startsWith(CONFIG.cachePrefix) && !current.has(name)" in activate
    assert "caches.delete(name)" in activate
    assert "workbox.precaching.cleanupOutdatedCaches()" in worker


def test_the_offline_page_is_precached_with_the_files_the_kept_pages_need(client):
    precache = {entry["url"]: entry["revision"] for entry in _config(client)["precache"]}
    assert precache["/offline/"]
    for name in ("js/offline.js", "js/offline_page.js", "vendor/idb/idb.umd.js", "css/site.css"):
        # Unhashed names (this storage) carry a revision of their content.
        assert precache[f"/static/{name}"], name
    # A page not kept, opened offline, gets the offline page rather than the browser's error.
    worker = (ROOT / "templates/hengkou/sw.js").read_text()
    assert "workbox.routing.setCatchHandler(" in worker
    assert "workbox.precaching.matchPrecache(OFFLINE_PAGE)" in worker


def test_the_offline_page_changes_its_revision_when_it_changes(client, settings, tmp_path):
    before = _config(client)["precache"][0]
    (tmp_path / "hengkou").mkdir()
    source = (ROOT / "templates/hengkou/offline.html").read_text()
    (tmp_path / "hengkou/offline.html").write_text(source.replace("py-4", "py-5"))
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    after = _config(client)["precache"][0]
    assert before["url"] == after["url"] == "/offline/"
    assert before["revision"] != after["revision"]


def test_the_hashed_files_are_precached_without_a_revision(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "tests.hengkou.test_offline_app.HashedNames"},
    }
    precache = {entry["url"]: entry["revision"] for entry in _config(client)["precache"]}
    assert precache["/static/js/offline.0123abcd.js"] is None
    assert precache["/offline/"]


def test_the_offline_page_is_public_the_same_for_everyone_and_in_both_languages(client, official):
    signed_in = client.get(reverse("offline_page"))
    client.logout()
    signed_out = client.get(reverse("offline_page"))
    assert signed_in.status_code == signed_out.status_code == 200
    assert signed_in.content == signed_out.content
    page = signed_out.content.decode()
    assert "王帮扶" not in signed_in.content.decode()
    assert "当前处于离线状态" in page and "You are offline" in page
    assert '<section class="offline-language" lang="en" data-language="en"' in page
    assert 'data-language-cookie="django_language"' in page
    assert "/static/js/offline_page.js" in page and "<script>" not in page
    client.cookies["django_language"] = "en"
    assert client.get(reverse("offline_page")).content == signed_out.content


def test_the_scripts_name_the_offline_database_as_the_server_does(client):
    config = _config(client)
    assert (config["database"], config["databaseVersion"]) == (
        OFFLINE_DATABASE,
        OFFLINE_DATABASE_VERSION,
    )
    assert (config["draftsStore"], config["metaStore"]) == (
        OFFLINE_DRAFTS_STORE,
        OFFLINE_META_STORE,
    )
    for script in ("static/js/offline.js", "static/js/offline_page.js"):
        text = (ROOT / script).read_text()
        assert f'const DATABASE = "{OFFLINE_DATABASE}"' in text, script
        assert f"const DATABASE_VERSION = {OFFLINE_DATABASE_VERSION};" in text, script
        assert f'const DRAFTS = "{OFFLINE_DRAFTS_STORE}"' in text, script
        assert f'const META = "{OFFLINE_META_STORE}"' in text, script
        assert f'const PAGES_CACHE = "{OFFLINE_PAGES_CACHE}"' in text, script
    signed_out = (ROOT / "static/js/signed_out.js").read_text()
    assert f'indexedDB.open("{OFFLINE_DATABASE}")' in signed_out
    assert 'objectStore("meta").delete("user")' in signed_out
    assert re.search(
        r'"visitFormPattern": "\^/enterprises/\[0-9\]\+/visits/new/\$"', json.dumps(config)
    )


def test_the_sign_out_button_shows_the_visits_not_sent(client, official):
    page = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert 'id="logout-count"' in page and 'data-template="{count} 条未发送"' in page
    assert 'id="offline-refused"' in page and 'id="offline-refused-item"' in page


def test_the_pages_are_never_replaced_by_script():
    # Online the visit form is submitted as any form; drafts are sent by fetch and answered
    # in JSON, shown in the page (no document.write of a fetched page).
    offline_js = (ROOT / "static/js/offline.js").read_text()
    assert "document.write" not in offline_js and "document.open" not in offline_js
    assert 'Accept: "application/json"' in offline_js
