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

from core.offline import OFFLINE_COPY_HEADER, OFFLINE_PAGES_CACHE
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
    assert "importScripts(CONFIG.workboxSw);" in body
    assert config["workboxSw"] == "/static/vendor/workbox/workbox-sw.js"
    assert config["modules"] == {
        name: f"/static/vendor/workbox/{name}.prod.js"
        for name in ("workbox-core", "workbox-routing", "workbox-strategies")
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
    for module in ("core", "routing", "strategies"):
        assert module in makefile.split("for module in ", 1)[1].split(";", 1)[0]
    assert "node_modules/idb/build/umd.js static/vendor/idb/idb.umd.js" in makefile
    package = json.loads((ROOT / "package.json").read_text())
    for name in ("workbox-sw", "workbox-core", "workbox-routing", "workbox-strategies", "idb"):
        assert name in package["dependencies"]


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
    assert "caches.delete(PAGES_CACHE)" in offline_js.split('getElementById("logout-form")')[1]
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
