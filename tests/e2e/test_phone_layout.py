"""On a 390 px phone, every page of every role's menu fits the screen and hides no column."""

import pytest

from core.scoping import scope_queryset
from enterprises.models import Enterprise, Problem
from projects.models import Project
from tests.e2e.demo_world import load_demo, menu_urls, sign_in

PHONE = {"width": 390, "height": 844}
ROLES = ("official", "department_user", "economic_bureau", "supervision_office", "county_leader")
ADMIN_LISTS = (
    "/admin/",
    "/admin/enterprises/enterprise/",
    "/admin/enterprises/problem/",
    "/admin/enterprises/visit/",
    "/admin/enterprises/official/",
    "/admin/enterprises/monthlyreport/",
    "/admin/projects/project/",
)
SCREENSHOTS = {
    ("official", "/my/"),
    ("official", "/problems/"),
    ("economic_bureau", "/dashboard/"),
    ("supervision_office", "/work-reports/"),
    ("administrator", "/admin/enterprises/problem/"),
}

# What a person on the phone cannot reach: the page scrolls sideways, an element sticks out of the
# screen without a scroll container around it, a table hides a column, the last column of a table
# is out of its container's reach, or a stacked (card) table still needs sideways scrolling.
LAYOUT_FAILURES = """() => {
  const width = document.documentElement.clientWidth;
  const failures = [];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (typeof e.className === "string" && e.className.trim()
       ? "." + e.className.trim().split(/\\s+/).join(".") : "");
  const scroller = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const overflow = getComputedStyle(a).overflowX;
      if (a.classList.contains("table-responsive") || ["auto", "scroll"].includes(overflow)) {
        return a;
      }
    }
    return null;
  };
  if (document.documentElement.scrollWidth > width) {
    failures.push("the page is " + document.documentElement.scrollWidth + " px wide");
  }
  const wide = [...document.querySelectorAll("body *")].filter(
    (e) => e.getBoundingClientRect().right > width + 1 && !scroller(e)
  );
  if (wide.length) failures.push("beyond the right edge: " + wide.slice(0, 6).map(name).join(", "));
  for (const table of document.querySelectorAll("table")) {
    const header = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    // A table not shown at all (a collapsed menu) has nothing to reach.
    if (!header || !header.cells.length || !table.getBoundingClientRect().width) continue;
    const cells = [...header.cells];
    const last = cells[cells.length - 1];
    const stacked = table.tBodies[0] && getComputedStyle(table.tBodies[0]).display === "block";
    const box = scroller(table);
    if (stacked) {
      const row = [...table.tBodies[0].rows].find((r) => r.cells.length === cells.length);
      const cell = row && row.cells[row.cells.length - 1];
      if (cell && (!cell.getBoundingClientRect().width || !cell.dataset.label)) {
        failures.push(name(table) + ": the last cell of a card is hidden or unlabelled");
      }
      if (box && box.scrollWidth > box.clientWidth + 1) {
        failures.push(name(table) + ": a stacked table scrolls sideways");
      }
      continue;
    }
    // A header only for screen readers is fine: a column is hidden when its cells are.
    const row = [...table.tBodies].flatMap((b) => [...b.rows]).find(
      (r) => r.cells.length === cells.length
    );
    const shown = cells.map((c, i) => (row ? row.cells[i] : c));
    const hidden = cells.filter((c, i) => !shown[i].getBoundingClientRect().width);
    if (hidden.length) {
      failures.push(name(table) + " hides " + hidden.map((c) => c.textContent.trim()).join(", "));
    }
    const right = shown[shown.length - 1].getBoundingClientRect().right;
    if (box) {
      const reach = right - box.getBoundingClientRect().left + box.scrollLeft;
      if (reach > box.scrollWidth + 1) failures.push(name(table) + ": last column out of reach");
    } else if (right > width + 1) {
      failures.push(name(table) + ": last column cut off");
    }
  }
  return failures;
}"""


def _detail_pages(username: str) -> list[str]:
    """Return the pages of an enterprise, a problem and a project in reach, and the visit form.

    Pages out of the user's reach are left out: the demo's official reaches no project, its
    department user (the head of the department with the lowest code) no enterprise at all, and
    a county leader logs no visits.
    """
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    enterprise = scope_queryset(Enterprise.objects.order_by("pk"), user).first()
    problem = scope_queryset(Problem.objects.order_by("-pk"), user).first()
    project = scope_queryset(Project.objects.order_by("pk"), user).first()
    pages = []
    if enterprise:
        pages.append(f"/enterprises/{enterprise.pk}/")
        if user.has_perm("enterprises.add_visit"):
            pages.append(f"/enterprises/{enterprise.pk}/visits/new/")
    if problem:
        pages.append(f"/problems/{problem.pk}/")
    if project:
        pages.append(f"/projects/{project.pk}/")
    return pages


@pytest.mark.django_db(transaction=True)
def test_every_menu_page_fits_a_390px_phone(live_server, page, settings, tmp_path, screenshot):
    logins = load_demo(settings, tmp_path)
    page.set_viewport_size(PHONE)
    failures, checked, details_checked = [], 0, set()
    journeys = [(logins[role], ["/", "/my/", *menu_urls(logins[role].username)]) for role in ROLES]
    journeys.append((logins["administrator"], list(ADMIN_LISTS)))
    for login, urls in journeys:
        details = [] if login.role == "administrator" else _detail_pages(login.username)
        page.context.clear_cookies()
        sign_in(page, live_server.url, login)
        for url in dict.fromkeys(urls + details):
            response = page.goto(f"{live_server.url}{url}")
            if url in details and response.status != 200:
                failures.append(f"{login.role} {url}: status {response.status}")
            for failure in page.evaluate(LAYOUT_FAILURES):
                failures.append(f"{login.role} {url}: {failure}")
            checked += 1
            if url in details:
                details_checked.add(
                    url.strip("/").split("/")[0] + ("/visit" if "visits" in url else "")
                )
            if (login.role, url) in SCREENSHOTS or (url in details and login.role == "official"):
                screenshot(f"phone-390-{login.role}-{url.strip('/').replace('/', '-')}", page)
    assert checked > 60
    assert details_checked == {"enterprises", "enterprises/visit", "problems", "projects"}
    assert failures == [], "\n".join(failures)
