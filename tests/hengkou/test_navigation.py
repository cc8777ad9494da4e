import re

import pytest

from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

CURRENT = re.compile(
    r'<a class="(?:nav-link|dropdown-item) active" aria-current="page" href="([^"]+)"'
)


def current_links(client, path):
    return CURRENT.findall(client.get(path).content.decode())


def test_the_navigation_marks_only_the_area_of_the_page_as_current(client):
    client.force_login(user_with_role("economic_bureau"))
    # /problems/ and /projects/ share their first letters: only the open one is current.
    assert current_links(client, "/problems/") == ["/problems/"]
    assert current_links(client, "/projects/") == ["/projects/"]
    assert current_links(client, "/projects/analysis/") == ["/projects/"]
    assert current_links(client, "/dashboard/departments/1/") == ["/dashboard/"]
    # An area inside a menu is current there, and its menu is marked too.
    page = client.get("/bulletin/").content.decode()
    assert CURRENT.findall(page) == ["/bulletin/"]
    assert 'class="nav-link dropdown-toggle active"' in page
    assert current_links(client, "/") == []
