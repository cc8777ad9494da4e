"""At phone size: an official files a project's monthly report with a photo and sees it."""

import mimetypes
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from projects.models import ProjectPhoto, ProjectReport
from tests.factories import OfficialFactory, ProjectPlanFactory
from tests.roles import user_with_role

PHONE = {"width": 360, "height": 740}


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()


def _serve_media(context, live_server, settings):
    """Serve uploaded files from the storage, as nginx or object storage does in production."""

    def fulfil(route):
        name = route.request.url.split(settings.MEDIA_URL, 1)[1]
        with default_storage.open(name) as handle:
            route.fulfill(
                status=200,
                body=handle.read(),
                content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            )

    context.route(f"{live_server.url}/{settings.MEDIA_URL}**", fulfil)


@pytest.mark.django_db(transaction=True)
def test_an_official_files_a_monthly_report_with_a_photo_and_sees_it_on_the_project_page(
    live_server, browser, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    official = OfficialFactory(name="李专干")
    user_with_role("department_user", official=official, username="li")
    plan = ProjectPlanFactory(
        year=today.year,
        department=official.department,
        planned_investment=Decimal("1200.00"),
        project__name="魔芋特色产业融合发展项目",
        project__stage="started",
    )
    project = plan.project
    photo_path = tmp_path / "site.png"
    Image.new("RGB", (640, 480), (200, 120, 40)).save(photo_path, "PNG")

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    _serve_media(context, live_server, settings)
    page = context.new_page()
    _login(page, live_server.url, "li")
    page.goto(f"{live_server.url}/projects/?year={today.year}")
    page.locator(f".project-line[data-project='{project.pk}'] a").first.click()
    expect(page.locator("h1")).to_contain_text("魔芋特色产业融合发展项目")

    page.goto(f"{live_server.url}/projects/{project.pk}/reports/{today:%Y-%m}/")
    page.locator("input[name='investment']").fill("350.5")
    page.locator("input[name='percent_complete']").fill("35")
    page.locator("textarea[name='progress_note']").fill("厂房主体封顶，设备陆续进场")
    page.locator("textarea[name='problems']").fill("施工用电需增容")
    page.locator("input[name='photos']").set_input_files(str(photo_path))
    screenshot("phone-project-report-form", page)
    page.locator("#project-report-form button[type='submit']").click()

    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#reports")).to_contain_text(f"{today:%Y-%m}")
    expect(page.locator("#reports")).to_contain_text("350.50")
    thumbnail = page.locator("#photos img")
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") == 320
    screenshot("phone-project-page", page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    report = ProjectReport.objects.get()
    photo = ProjectPhoto.objects.get()
    assert (report.project, report.investment, report.percent_complete) == (
        project,
        Decimal("350.50"),
        35,
    )
    assert photo.report == report and photo.uploaded_by.username == "li"
    assert default_storage.exists(photo.image.name) and default_storage.exists(photo.thumbnail.name)
    href = page.locator("#photos a").first.get_attribute("href")
    assert href.endswith(photo.image.name)
    context.close()
