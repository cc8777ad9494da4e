"""On a phone without signal: a visit logged offline is kept, counted and sent once when back."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from enterprises.models import Visit, VisitPhoto
from tests.factories import AssignmentFactory, OfficialFactory
from tests.roles import user_with_role

from .conftest import SCREENSHOTS, sign_out_on_a_phone

PHONE = {"width": 390, "height": 844}
PAGES_CACHE = "hengkou-own-pages"


def _photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(buffer, "JPEG")
    return {"name": "车间.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


KEPT = (
    "async ([name, path]) => "
    "Boolean(await (await caches.open(name)).match(path, {ignoreVary: true}))"
)


def _kept(page, path) -> bool:
    return page.evaluate(KEPT, [PAGES_CACHE, path])


@pytest.mark.django_db(transaction=True)
def test_a_visit_logged_offline_is_sent_once_when_the_connection_returns(
    live_server, offline_phone, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    context, page = offline_phone
    official = OfficialFactory(name="李离线")
    user_with_role("official", official=official, username="li")
    assignment = AssignmentFactory(
        year=timezone.localdate().year,
        responsible=official,
        department=official.department,
        enterprise__name="恒口新材料有限公司",
    )
    other = AssignmentFactory(year=timezone.localdate().year)
    form_path = f"/enterprises/{assignment.enterprise_id}/visits/new/"

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("li")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/my/")
    # The manifest is linked, in Chinese; the service worker takes the page over.
    manifest = page.evaluate(
        "async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()"
    )
    assert manifest["name"] == "恒口包抓帮扶记录" and manifest["start_url"] == "/my/"
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")

    # "My enterprises" fetches ahead its enterprises' cards and visit forms; online, the form
    # is opened once more and kept.
    page.goto(f"{live_server.url}{form_path}")
    page.wait_for_function(KEPT, arg=[PAGES_CACHE, form_path])
    assert _kept(page, "/my/")
    assert _kept(page, f"/enterprises/{assignment.enterprise_id}/")
    # Never another official's enterprise (it is outside this one's scope anyway).
    assert not _kept(page, f"/enterprises/{other.enterprise_id}/")

    # No signal: the form opens from the phone, the visit is kept there with its photo.
    context.set_offline(True)
    page.goto(f"{live_server.url}{form_path}")
    expect(page.get_by_role("heading", name="记录帮扶")).to_be_visible()
    key = page.locator("#id_idempotency_key").input_value()
    assert len(key) == 36
    page.get_by_label("帮扶情况").fill("离线记录：检查新生产线")
    page.get_by_label("现场照片").set_input_files(_photo())
    page.get_by_role("button", name="保存帮扶记录").click()
    outbox = page.locator("#offline-outbox")
    expect(outbox).to_have_text("1 条帮扶记录待发送")
    expect(page.locator("#offline-status")).to_contain_text("已保存在本机")
    # A fresh draft: a new key, the notes cleared.
    assert page.locator("#id_idempotency_key").input_value() not in ("", key)
    assert page.get_by_label("帮扶情况").input_value() == ""
    assert not Visit.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "phone-offline-visit-waiting.png"), full_page=True)
    draft = page.evaluate(
        """async () => {
            const db = await idb.openDB("hengkou-offline");
            return (await db.getAll("visit-drafts")).map((d) => ({...d, files: d.files.length}));
        }"""
    )
    assert [(d["key"], d["files"]) for d in draft] == [(key, 1)]

    # Back online: the draft is sent, the count goes away, one visit with its photo.
    context.set_offline(False)
    expect(outbox).to_be_hidden()
    expect(outbox).to_have_attribute("data-count", "0")
    expect(page.locator("#offline-status")).to_contain_text("1 条帮扶记录已发送")
    visit = Visit.objects.get()
    assert (visit.idempotency_key, visit.notes) == (key, "离线记录：检查新生产线")
    assert visit.enterprise_id == assignment.enterprise_id
    (photo,) = VisitPhoto.objects.filter(visit=visit)
    with photo.image.open("rb") as stored:
        assert Image.open(stored).size == (640, 480)

    # The same draft sent again (a lost answer, a second tab): no second visit.
    page.evaluate(
        """async (key) => {
            const db = await idb.openDB("hengkou-offline");
            const blob = new Blob(["x"], {type: "text/plain"});
            const form = new FormData(document.getElementById("visit-form"));
            const fields = [];
            for (const [name, value] of form.entries()) {
                if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
                    fields.push([name, name === "idempotency_key" ? key : value]);
                }
            }
            await db.put("visit-drafts", {
                key, user: document.getElementById("offline-script").dataset.user,
                action: location.pathname, enterprise: "", fields, files: [], savedAt: "",
            });
            await window.hengkouOffline.sendKept();
        }""",
        key,
    )
    expect(outbox).to_have_attribute("data-count", "0")
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1

    # Signing out empties the pages kept on the phone. (Under load the sign-out may still find
    # the sent draft and ask: the answer is yes, nothing is left to keep.)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_out_on_a_phone(page)
    # The sign-out first reads the drafts and empties the caches (seconds on a loaded machine).
    expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    page.wait_for_function(
        "async (name) => !(await caches.has(name))", arg=PAGES_CACHE, timeout=5000
    )
