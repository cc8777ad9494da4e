"""Every page of every role's menu passes axe-core's WCAG 2.0/2.1 A and AA rules (无障碍, 适老化).

axe-core comes from npm (package.json's devDependencies, pinned by package-lock.json) and is never
served: the test reads node_modules/axe-core/axe.min.js and injects it into each page. The site's
Content-Security-Policy rightly refuses an injected script, so this test's browser contexts bypass
the policy; the other journeys keep checking it.
"""

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from hengkou.navigation import areas_for

from .demo_world import load_demo, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = [
    "official",
    "department_user",
    "economic_bureau",
    "supervision_office",
    "county_leader",
    "administrator",
]
# Pages reached from the menus rather than listed in them: the first link of each kind is checked.
DETAIL_PAGES = {
    "enterprise": re.compile(r"^/enterprises/\d+/(\?.*)?$"),
    "problem": re.compile(r"^/problems/\d+/(\?.*)?$"),
    "project": re.compile(r"^/projects/\d+/(\?.*)?$"),
    "drill-down": re.compile(r"^/dashboard/departments/\d+/\?(.*&)?metric=output_value"),
    "bulletin": re.compile(r"^/bulletin/\d{4}-\d{2}/$"),
    "notice": re.compile(r"^/notices/\d+/$"),
}
ADMIN_PAGES = ["/admin/", "/admin/enterprises/enterprise/"]
RUN_AXE = """tags => axe
  .run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(results => results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    summary: v.nodes.length ? v.nodes[0].failureSummary : "",
  })))"""
LINKS = "[...document.querySelectorAll('a[href^=\"/\"]')].map(a => a.getAttribute('href'))"


def _axe_source() -> str:
    """Return axe-core's script; without it skip, or fail under CI (like a missing Chromium)."""
    if not AXE.exists():
        message = (
            f"axe-core not found at {AXE}: install the front-end packages with `make assets` "
            "(npm ci installs package.json's devDependencies)."
        )
        if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):
            pytest.fail(message + " The accessibility check must run in CI.")
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


class Audit:
    """Open pages, run axe on each and keep every violation with the page it was found on."""

    def __init__(self, base_url: str, source: str):
        self.base_url = base_url
        self.source = source
        self.violations: list[tuple[str, dict]] = []
        self.nodes_per_page: Counter[str] = Counter()
        self.pages = 0

    def check(self, page, path: str, label: str, *, open_menu: bool = False) -> list[str]:
        """Open ``path``, run axe there and return the paths the page links to."""
        response = page.goto(f"{self.base_url}{path}")
        assert response is not None and response.ok, f"{label} {path}: HTTP {response.status}"
        toggler = page.locator("button.navbar-toggler")
        if open_menu and toggler.is_visible():
            # On a phone the navigation is collapsed: open it, so that its links are checked too.
            toggler.click()
            page.locator("#nav-areas.show").wait_for()
        self.run(page, f"{label} {path}")
        return page.evaluate(LINKS)

    def run(self, page, where: str) -> None:
        page.add_script_tag(content=self.source)
        found = page.evaluate(RUN_AXE, WCAG_TAGS)
        self.pages += 1
        for violation in found:
            self.violations.append((where, violation))
            self.nodes_per_page[where] += violation["count"]

    def report(self) -> str:
        lines = [f"{len(self.violations)} violations on {len(self.nodes_per_page)} pages:"]
        for where, violation in self.violations:
            lines.append(
                f"- {where}: {violation['id']} ({violation['impact']}, "
                f"{violation['count']} nodes) e.g. {'; '.join(violation['targets'])}"
            )
            lines.append("    " + violation["summary"].replace("\n", "\n    "))
        lines.append("Failing nodes per page:")
        lines += [f"  {count:4} {where}" for where, count in self.nodes_per_page.items()]
        return "\n".join(lines)


def _menu(username: str) -> list[str]:
    """Return the pages of ``username``'s menu as the navigation draws it (the pages that open)."""
    return [area.url for area in areas_for(get_user_model().objects.get(username=username))]


def _new_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
    return context, context.new_page()


def _switch_language(page, name: str) -> None:
    """Switch language the way a person does: with the switcher in the footer."""
    page.locator(".language-switch").get_by_role("button", name=name).click()
    page.wait_for_load_state()


@pytest.mark.timeout(1200)  # the whole demo and every menu page: 120-150 s on a quiet machine
@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_roles_menu_passes_axe(live_server, browser, settings, tmp_path):
    """Each role's menu pages and the pages they lead to, in Chinese; each page once in English
    and once at 390 px with the navigation open; the login page and the admin: no violation."""
    source = _axe_source()
    logins = load_demo(settings, tmp_path)
    assert sorted(logins) == sorted(ROLES)
    audit = Audit(live_server.url, source)
    details_seen = {}  # kind -> (role, path)
    menus = {}  # path -> the first role whose menu has it

    context, page = _new_page(browser, DESKTOP)
    audit.check(page, "/accounts/login/", "anonymous")
    _switch_language(page, "English")
    audit.run(page, "anonymous /accounts/login/ (English)")
    context.close()
    context, page = _new_page(browser, PHONE)
    audit.check(page, "/accounts/login/", "anonymous 390px", open_menu=True)
    context.close()

    for role in ROLES:
        login = logins[role]
        menu = _menu(login.username)
        assert menu, role
        for path in ["/", *menu]:
            menus.setdefault(path, role)
        context, page = _new_page(browser, DESKTOP)
        sign_in(page, live_server.url, login)
        links = []
        for path in ["/", *menu]:
            links += audit.check(page, path, role)
        for kind, pattern in DETAIL_PAGES.items():
            path = next((link for link in links if pattern.match(link)), None)
            if path:
                audit.check(page, path, f"{role} {kind}")
                details_seen.setdefault(kind, (role, path))
        if role == "administrator":
            for path in ADMIN_PAGES:
                audit.check(page, path, role)
        if "/bulletin/" in menu:
            # A menu opened, with the current page marked in it.
            page.goto(f"{live_server.url}/bulletin/")
            page.locator(".navbar .dropdown-toggle.active").click()
            page.locator(".navbar .dropdown-menu.show").wait_for()
            audit.run(page, f"{role} /bulletin/ (menu open)")
        context.close()

    # The demo leads to every kind of page from some menu, so none goes unchecked.
    assert set(details_seen) == set(DETAIL_PAGES), set(DETAIL_PAGES) - set(details_seen)

    # Every page once more in English (longer labels) and at 390 px, as the first role to have it.
    for role in ROLES:
        pages = [path for path, first in menus.items() if first == role]
        pages += [path for first, path in details_seen.values() if first == role]
        english, phone = list(pages), list(pages)
        if role == "administrator":
            english += ADMIN_PAGES[:1]
        context, page = _new_page(browser, DESKTOP)
        sign_in(page, live_server.url, logins[role])
        _switch_language(page, "English")
        for path in english:
            audit.check(page, path, f"{role} (English)")
        context.close()
        context, page = _new_page(browser, PHONE)
        sign_in(page, live_server.url, logins[role])
        for path in phone:
            audit.check(page, path, f"{role} 390px", open_menu=True)
        context.close()

    print(f"axe-core checked {audit.pages} pages: {len(audit.violations)} violations")
    assert audit.violations == [], audit.report()
