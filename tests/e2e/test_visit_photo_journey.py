"""On a phone: a photo chosen on the visit form survives an error and is saved with the visit."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from enterprises.models import PendingVisitPhoto, Visit, VisitPhoto
from tests.factories import AssignmentFactory, OfficialFactory
from tests.roles import user_with_role

PHONE = {"width": 390, "height": 844}


def _photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(buffer, "PNG")
    return {"name": "现场.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


@pytest.mark.django_db(transaction=True)
def test_a_photo_survives_a_form_error_and_is_saved_with_the_visit(
    live_server, page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    official = OfficialFactory(name="张帮扶")
    user_with_role("official", official=official, username="zhang")
    assignment = AssignmentFactory(
        year=timezone.localdate().year,
        responsible=official,
        department=official.department,
        enterprise__name="安康恒口通用机械有限公司",
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/enterprises/{assignment.enterprise_id}/visits/new/")

    # The visit kind is a pair of toggle buttons big enough for a thumb.
    emergency = page.locator("label[for='id_kind_1']")
    expect(emergency).to_have_text("紧急事项")
    for label in page.locator("#visit-kind label").all():
        assert label.bounding_box()["height"] >= 44
    emergency.click()
    expect(page.locator("#id_kind_1")).to_be_checked()

    # Photo chosen, but the only participant unticked: the form comes back with its error.
    page.get_by_label("张帮扶").uncheck()
    page.get_by_label("帮扶情况").fill("查看生产线改造进度")
    page.get_by_label("现场照片").set_input_files(_photo())
    page.get_by_role("button", name="保存帮扶记录").click()
    expect(page.locator("body")).to_contain_text("请至少选择一名参加人员")
    kept = page.locator("#kept-photos img")
    expect(kept).to_have_count(1)
    # The thumbnail is served back (it loads after the page, on a busy machine a moment later).
    page.wait_for_function("image => image.complete", arg=kept.element_handle())
    assert kept.evaluate("image => image.naturalWidth") == 640
    expect(page.locator("#id_kind_1")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("phone-visit-form-photo-kept", page)
    assert not Visit.objects.exists() and PendingVisitPhoto.objects.count() == 1

    # Fixed, without choosing the photo again: saved with it.
    page.get_by_label("张帮扶").check()
    page.get_by_role("button", name="保存帮扶记录").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录对安康恒口通用机械有限公司")
    visit = Visit.objects.get()
    assert visit.kind == "emergency"
    (photo,) = VisitPhoto.objects.filter(visit=visit)
    with photo.image.open("rb") as stored:
        assert Image.open(stored).size == (640, 480)
    assert not PendingVisitPhoto.objects.exists()

    # The enterprise's page shows it.
    page.goto(f"{live_server.url}/enterprises/{assignment.enterprise_id}/")
    expect(page.locator(f"img[src='{photo.image.url}']")).to_be_visible()
