import re

import pytest
from django.urls import reverse

from tests.factories import OfficialFactory, UserFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese_by_default_with_a_title(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "<title>登录 · 恒口示范区工业包抓平台</title>" in html
    assert "用户名" in html
    assert 'name="viewport"' in html
    assert "img/favicon.svg" in html


def test_login_with_a_wrong_password_says_so_and_logs_in_with_the_right_one(client):
    UserFactory(username="wang")
    response = client.post(reverse("login"), {"username": "wang", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    response = client.post(reverse("login"), {"username": "wang", "password": "pass-word-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_language_switch_shows_english(client):
    client.force_login(user_with_role("official", official=True))
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Hengkou Industrial Tracker" in html
    assert "Log out" in html


def test_navigation_shows_each_user_their_areas(client):
    clerk = user_with_role("economic_bureau", username="clerk", is_staff=True)
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert reverse("admin:index") in html
    assert "数据管理" in html

    official = OfficialFactory(name="李明")
    official_user = user_with_role("official", official=official, username="official")
    client.force_login(official_user)
    html = client.get(reverse("home"), follow=True).content.decode()  # officials land on /my/
    assert reverse("admin:index") not in html
    assert "我的企业" in html


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")


@pytest.mark.parametrize("url_name", ["login", "home", "admin:index"])
def test_pages_load_no_asset_from_the_internet(client, url_name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse(url_name), follow=True).content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []


def test_home_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    user = user_with_role("department_user", official=True, is_staff=True)
    client.force_login(user)
    # 5, plus the user's permissions loaded once (2 queries) for the areas gated by a permission,
    # plus the user's scope (their roles and official: 1 query) that tells whether they hold a role.
    with django_assert_max_num_queries(7 + 1):
        assert client.get(reverse("home")).status_code == 200


def test_chinese_is_shown_whatever_the_browser_prefers(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    client.cookies["django_language"] = "xx-unknown"
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html


@pytest.mark.django_db
def test_an_official_lands_on_my_enterprises_others_on_the_home_page(client):
    from tests.roles import user_with_role

    client.force_login(user_with_role("official", official=True, username="official-only"))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/my/"
    client.force_login(user_with_role("department_user", official=True, username="dept"))
    assert client.get("/").status_code == 200
