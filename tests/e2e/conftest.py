"""Browser journeys: Playwright for Python driving Debian's Chromium against the live server.

Chromium comes from Debian (apt-get install chromium), never from ``playwright install``.
Where it is missing the journeys skip with that advice, except under CI, where they fail.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`."
        if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):
            pytest.fail(message + " The browser journeys must run in CI.")
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def sign_out_on_a_phone(page):
    """Open the phone's collapsed menu, wait until it is open, and press 退出.

    Pressed while Bootstrap still animates the menu open (a few milliseconds after the
    toggle), the click can miss the button and nothing happens: CI lost sign-outs that way.
    """
    page.get_by_role("button", name="切换导航").click()
    expect(page.locator("#nav-areas")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("button", name="退出").click()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under var/screenshots/ for a person to look at.

    It shoots the test's ``page`` unless another page is given.
    """

    def take(name, target=None):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = target or request.getfixturevalue("page")
        target.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """Fail a journey whose pages broke the Content-Security-Policy (seen on the console)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    yield
    assert violations == []


@pytest.fixture
def offline_phone(browser):
    """A phone-sized browser context whose pages run service workers (the offline app's
    journeys); the journey fails on any Content Security Policy violation logged."""
    context = browser.new_context(
        service_workers="allow",
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield context, page
    context.close()
    assert violations == []
