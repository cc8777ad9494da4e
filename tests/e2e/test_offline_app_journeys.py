"""The officials' app without signal: the offline page, refused drafts, and signing out."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from enterprises.models import Visit, VisitPhoto
from tests.factories import AssignmentFactory, OfficialFactory
from tests.roles import user_with_role

from .conftest import sign_out_on_a_phone

DRAFTS = """async () => {
    const db = await idb.openDB("hengkou-offline");
    return (await db.getAll("visit-drafts")).map(
        (d) => ({key: d.key, user: d.user, state: d.state || "", files: d.files.length}));
}"""


def _photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(buffer, "JPEG")
    return {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _official(username, name):
    official = OfficialFactory(name=name)
    user_with_role("official", official=official, username=username)
    assignment = AssignmentFactory(
        year=timezone.localdate().year,
        responsible=official,
        department=official.department,
        enterprise__name=f"{name}的企业",
    )
    return official, assignment


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/my/")
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")


def _open_form_and_keep_it(page, live_server, assignment):
    """Open the visit form online (so that it is kept), and wait for its copy."""
    path = f"/enterprises/{assignment.enterprise_id}/visits/new/"
    page.goto(f"{live_server.url}{path}")
    page.wait_for_function(
        "async (path) => Boolean(await caches.match(path, {ignoreVary: true}))", arg=path
    )
    return path


def _user_id(username):
    return get_user_model().objects.get(username=username).pk


def _answer_the_next_dialog(page, *, accept: bool) -> list:
    """Answer the page's next confirm(); the list returned receives its question."""
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return asked


def _wait_for(page, asked: list) -> None:
    # Up to 20 s: the sign-out reads the drafts from IndexedDB before it asks, which took over
    # 5 s once on a machine running two test suites side by side.
    for _ in range(400):
        if asked:
            return
        page.wait_for_timeout(50)
    raise AssertionError("nothing was asked")


def _not_begun() -> str:
    """A date before the first year the enterprises are sponsored (this year)."""
    return datetime.date(timezone.localdate().year - 1, 6, 1).isoformat()


@pytest.mark.django_db(transaction=True)
def test_a_page_not_kept_opened_offline_shows_the_offline_page(live_server, offline_phone):
    context, page = offline_phone
    _li, assignment = _official("li", "李离线")
    # Caches of a previous version of the worker, and one of another app of the site's origin.
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """async () => {
            for (const name of ["hengkou-static", "hengkou-pages-v0", "another-app"]) {
                await (await caches.open(name)).put("/x", new Response("x"));
            }
        }"""
    )
    _sign_in(page, live_server, "li")
    form_path = _open_form_and_keep_it(page, live_server, assignment)
    # The worker's activation removed the previous version's caches, and only those.
    names = page.evaluate("caches.keys()")
    assert "hengkou-static" not in names and "hengkou-pages-v0" not in names
    assert {"another-app", "hengkou-own-pages", "hengkou-static-v2", "hengkou-precache"} <= set(
        names
    )

    context.set_offline(True)
    # A visit kept on the phone, counted by the offline page.
    page.goto(f"{live_server.url}{form_path}")
    page.get_by_label("帮扶情况").fill("离线记录")
    page.get_by_role("button", name="保存帮扶记录").click()
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "1")

    # The problems' list was never opened: no browser error, the app's offline page.
    response = page.goto(f"{live_server.url}/problems/")
    assert response.status == 200 and response.from_service_worker
    expect(page.get_by_role("heading", name="当前处于离线状态")).to_be_visible()
    expect(page.get_by_text("1 条离线记录的帮扶待发送。")).to_be_visible()
    expect(page.get_by_text("You are offline")).to_be_hidden()
    kept = page.locator(".offline-language:not([hidden]) .offline-pages a")
    expect(kept.first).to_be_visible()
    titles = kept.all_text_contents()
    assert any(title.startswith("我的企业") for title in titles)
    assert any("李离线的企业" in title for title in titles)
    assert page.evaluate("document.documentElement.lang") == "zh-hans"

    # In English for who chose English (the language cookie), as the pages are.
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.get_by_text("1 visit logged offline is waiting to be sent.")).to_be_visible()
    assert page.title().startswith("No connection")

    # A kept page listed there opens without a connection.
    page.locator(
        ".offline-language:not([hidden]) .offline-pages a", has_text="李离线的企业"
    ).first.click()
    expect(page.locator("h1").first).not_to_have_text(re.compile("offline"))
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_visit_form_posted_when_the_network_fails_is_kept_by_the_service_worker(
    live_server, offline_phone, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    context, page = offline_phone
    _li, assignment = _official("li", "李离线")
    _sign_in(page, live_server, "li")
    _open_form_and_keep_it(page, live_server, assignment)
    key = page.locator("#id_idempotency_key").input_value()
    page.get_by_label("帮扶情况").fill("提交时断网")
    page.get_by_label("现场照片").set_input_files(_photo())
    # The form is posted as any form (no script in the way); the network fails on the way.
    context.set_offline(True)
    page.evaluate("HTMLFormElement.prototype.submit.call(document.getElementById('visit-form'))")
    page.wait_for_url(re.compile(r"/offline/#kept$"))
    expect(page.get_by_text("您的帮扶记录已保存在本机，网络恢复后自动发送。")).to_be_visible()
    expect(page.get_by_text("1 条离线记录的帮扶待发送。")).to_be_visible()
    assert page.evaluate(DRAFTS) == [
        {"key": key, "user": str(_user_id("li")), "state": "pending", "files": 1}
    ]
    # Back online, the offline page goes to "my enterprises", which sends it: one visit.
    context.set_offline(False)
    page.wait_for_url(re.compile(r"/my/$"))
    expect(page.locator("#offline-status")).to_contain_text("1 条帮扶记录已发送")
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "0")
    visit = Visit.objects.get()
    assert (visit.idempotency_key, visit.notes) == (key, "提交时断网")
    assert VisitPhoto.objects.filter(visit=visit).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_draft_stays_with_its_messages_and_is_corrected_in_the_form(
    live_server, offline_phone, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    context, page = offline_phone
    _li, assignment = _official("li", "李离线")
    _sign_in(page, live_server, "li")
    form_path = _open_form_and_keep_it(page, live_server, assignment)

    # Two visits kept offline: one good, one dated before the enterprise was sponsored.
    context.set_offline(True)
    page.goto(f"{live_server.url}{form_path}")
    page.get_by_label("帮扶情况").fill("第一条")
    page.get_by_role("button", name="保存帮扶记录").click()
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "1")
    page.get_by_label("帮扶日期").fill(_not_begun())
    page.get_by_label("帮扶情况").fill("日期填错的一条")
    page.get_by_label("现场照片").set_input_files(_photo())
    page.get_by_role("button", name="保存帮扶记录").click()
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "2")
    refused_key = [d["key"] for d in page.evaluate(DRAFTS) if d["files"] == 1][0]

    # Back online, in the background: the good one is sent and linked, the other is refused,
    # kept and shown with the server's message; no page was replaced.
    context.set_offline(False)
    status = page.locator("#offline-status")
    expect(status).to_contain_text("1 条帮扶记录已发送")
    good = Visit.objects.get()
    link = status.get_by_role("link", name="查看帮扶记录")
    expect(link).to_have_attribute(
        "href", f"/enterprises/{assignment.enterprise_id}/#visit-{good.pk}"
    )
    assert page.url.endswith(form_path)
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "1")
    refused = page.locator("#offline-refused .refused-draft")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("李离线的企业")
    expect(refused.locator(".refused-messages")).to_contain_text(
        f"{timezone.localdate().year}-01-01"
    )
    assert page.evaluate(DRAFTS) == [
        {"key": refused_key, "user": str(_user_id("li")), "state": "refused", "files": 1}
    ]
    # Sent again (the count tapped), it is not: refused drafts wait for their author.
    page.evaluate("window.hengkouOffline.sendKept()")
    assert Visit.objects.count() == 1

    # Opened in the form: filled in as kept, with its photo and the message; corrected, sent.
    refused.get_by_role("link", name="修改").click()
    expect(page.locator("#draft-errors")).to_contain_text(f"{timezone.localdate().year}-01-01")
    expect(page.get_by_label("帮扶情况")).to_have_value("日期填错的一条")
    expect(page.get_by_label("帮扶日期")).to_have_value(_not_begun())
    assert page.locator("#id_idempotency_key").input_value() == refused_key
    assert page.evaluate("document.getElementById('id_photos').files.length") == 1
    page.get_by_label("帮扶日期").fill(timezone.localdate().isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="保存帮扶记录").click()
    assert page.url.endswith("/my/")
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "0")
    expect(page.locator("#offline-refused")).to_be_hidden()
    corrected = Visit.objects.get(idempotency_key=refused_key)
    assert corrected.notes == "日期填错的一条" and corrected.visited_on == timezone.localdate()
    assert VisitPhoto.objects.filter(visit=corrected).count() == 1
    assert Visit.objects.count() == 2
    assert page.evaluate(DRAFTS) == []


@pytest.mark.django_db(transaction=True)
def test_signing_out_with_unsent_visits_asks_and_another_user_never_sees_or_sends_them(
    live_server, offline_phone, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    context, page = offline_phone
    _li, assignment = _official("li", "李离线")
    _official("wang", "王同机")
    _sign_in(page, live_server, "li")
    form_path = _open_form_and_keep_it(page, live_server, assignment)
    context.set_offline(True)
    page.goto(f"{live_server.url}{form_path}")
    page.get_by_label("帮扶日期").fill(_not_begun())
    page.get_by_role("button", name="保存帮扶记录").click()
    context.set_offline(False)
    # Refused, so still on the phone, and counted on the sign-out button.
    expect(page.locator("#offline-refused .refused-draft")).to_have_count(1)
    expect(page.locator("#logout-count")).to_have_text("1 条未发送")

    # Signing out asks first; "cancel" keeps the official signed in.
    asked = _answer_the_next_dialog(page, accept=False)
    sign_out_on_a_phone(page)
    _wait_for(page, asked)
    assert asked == [
        "还有 1 条离线记录的帮扶未发送。它们保留在本机，下次您在本机登录后发送。现在退出吗？"
    ]
    expect(page.locator("#offline-outbox")).to_be_visible()
    assert page.url.endswith(form_path)
    asked = _answer_the_next_dialog(page, accept=True)
    page.get_by_role("button", name="退出").click()
    _wait_for(page, asked)
    # The sign-out first reads the drafts and empties the caches (seconds on a loaded machine).
    expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    page.wait_for_function("async () => !(await caches.has('hengkou-own-pages'))")

    # Another official on the same phone: neither sees nor sends the first one's draft.
    _sign_in(page, live_server, "wang")
    page.evaluate("window.hengkouOffline.sendKept()")
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "0")
    expect(page.locator("#offline-outbox")).to_be_hidden()
    expect(page.locator("#logout-count")).to_be_hidden()
    expect(page.locator("#offline-refused")).to_be_hidden()
    assert [d["user"] for d in page.evaluate(DRAFTS)] == [str(_user_id("li"))]
    assert not Visit.objects.exists()
    # Offline, the offline page counts the second official's (none), not the first one's.
    context.set_offline(True)
    page.goto(f"{live_server.url}/problems/")
    expect(page.get_by_text("没有待发送的帮扶记录。")).to_be_visible()
    # Back online, the offline page gives way to the page asked for.
    with page.expect_navigation():
        context.set_offline(False)
    expect(page.get_by_role("button", name="切换导航")).to_be_visible()

    # The first official, back on the phone, finds it again and discards it.
    sign_out_on_a_phone(page)  # nothing of theirs unsent: nothing asked
    # The sign-out first reads the drafts and empties the caches (seconds on a loaded machine).
    expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    _sign_in(page, live_server, "li")
    refused = page.locator("#offline-refused .refused-draft")
    expect(refused).to_have_count(1)
    asked = _answer_the_next_dialog(page, accept=True)
    refused.get_by_role("button", name="放弃").click()
    _wait_for(page, asked)
    assert asked == ["放弃这条帮扶记录？它将从本机删除，不再发送。"]
    expect(page.locator("#offline-refused")).to_be_hidden()
    expect(page.locator("#offline-outbox")).to_have_attribute("data-count", "0")
    assert page.evaluate(DRAFTS) == []
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_phone_whose_storage_does_not_answer_still_signs_out(live_server, offline_phone):
    # The sign-out's housekeeping (reading the drafts, emptying the kept pages) waits on the
    # phone's storage; when that never answers, the sign-out goes on after a few seconds.
    context, page = offline_phone
    _official("li", "李四")
    _sign_in(page, live_server, "li")
    page.evaluate(
        """() => {
            const never = () => new Promise(() => {});
            caches.delete = never;
            IDBObjectStore.prototype.delete = never;
            IDBIndex.prototype.getAll = never;
        }"""
    )
    sign_out_on_a_phone(page)
    expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    # The sign-in page empties the kept pages again (signed_out.js).
    page.wait_for_function("async () => !(await caches.has('hengkou-own-pages'))")
