"""The demo as a world for browser checks of every menu page (layout, accessibility).

``load_demo`` runs ``setup_demo`` into the test database (about 20 s) and returns one login per
role; ``menu_urls`` lists the pages of a user's menu, as the navigation draws it.
"""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from hengkou.demo.logins import demo_logins
from hengkou.navigation import areas_for


def load_demo(settings, tmp_path):
    """Load the demo into the (transactional) test database; return its logins by role."""
    settings.VAR_DIR = tmp_path
    call_command("setup_demo", stdout=StringIO())
    return {login.role: login for login in demo_logins()}


def menu_urls(username: str) -> list[str]:
    """Return the path of every area in ``username``'s menu (those the navigation draws)."""
    user = get_user_model().objects.get(username=username)
    return [area.url for area in areas_for(user)]


def sign_in(page, base_url: str, login) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(login.username)
    page.get_by_label("密码").fill(login.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
