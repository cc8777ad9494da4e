"""What the apps above tell enterprises at start-up (enterprises/site.py), and what it changes.

The zone's pages and the projects' board link to pages and check a permission of the apps above
without naming them; the site and projects register those names in their ``AppConfig.ready``.
"""

import re

import pytest
from django.urls import reverse

from enterprises.site import SITE, Site, ZoneLink
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def card_links(page: str) -> list[str]:
    return re.findall(r'<a class="card[^"]*" href="([^"]+)"', page)


def test_the_site_and_projects_registered_what_the_apps_below_need():
    assert SITE.figures_permission == "hengkou.view_rankingsnapshot"
    assert reverse(SITE.overview_url_name) == "/overview/"
    assert reverse(SITE.ranking_url_name) == "/dashboard/"
    assert [link.url_name for link in SITE.zone_links] == ["projects:funding_list"]


def test_the_zone_index_lists_the_registered_lists_after_the_chain(admin_client):
    page = admin_client.get(reverse("zone:index")).content.decode()
    assert card_links(page) == [
        reverse(name)
        for name in (
            "zone:cultivation_list",
            "zone:chain",
            "projects:funding_list",
            "zone:matchmaking_list",
            "zone:loan_list",
            "zone:inspection_list",
            "zone:activity_list",
            "zone:factory_list",
            "zone:facility_list",
            "zone:investor_list",
        )
    ]
    assert f'<a href="{reverse("overview:overview")}">' in page


def test_a_registered_list_shows_to_holders_of_its_permission_only(client):
    client.force_login(user_with_role("official"))
    page = client.get(reverse("zone:index")).content.decode()
    assert reverse("projects:funding_list") not in page
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("zone:index")).content.decode()
    assert reverse("projects:funding_list") in page


def test_without_the_sites_names_the_pages_link_to_nothing_and_admit_no_one(
    admin_client, monkeypatch
):
    monkeypatch.setattr(SITE, "figures_permission", "")
    monkeypatch.setattr(SITE, "overview_url_name", "")
    monkeypatch.setattr(SITE, "ranking_url_name", "")
    monkeypatch.setattr(SITE, "zone_links", [])
    index = admin_client.get(reverse("zone:index"))
    assert index.status_code == 200
    page = index.content.decode()
    assert f'<a href="{reverse("overview:overview")}">' not in page  # the navigation keeps its own
    links = card_links(page)
    assert reverse("projects:funding_list") not in links
    assert reverse("zone:chain") not in links
    assert reverse("zone:cultivation_list") in links
    assert admin_client.get(reverse("zone:chain")).status_code == 403
    assert admin_client.get("/api/v1/chain-stats/", {"chain": "毛绒玩具"}).status_code == 403
    board = admin_client.get(reverse("projects:board"), {"year": 2021})
    assert board.status_code == 200
    assert "metric=investment" not in board.content.decode()
    assert "metric=tech_investment" not in board.content.decode()


def test_a_zone_link_registered_twice_is_listed_once():
    site = Site()
    first = ZoneLink("A", "", "zone:loan_list", "bi-x", "enterprises.view_loan")
    again = ZoneLink("B", "", "zone:loan_list", "bi-y", "enterprises.view_loan")
    site.add_zone_link(first)
    site.add_zone_link(again)
    assert site.zone_links == [again]
