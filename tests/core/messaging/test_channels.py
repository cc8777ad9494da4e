"""Each channel posts its service's documented format; a failure's reason holds no secret."""

import socket

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core.messaging import (
    DeliveryError,
    DingTalkChannel,
    EmailChannel,
    Message,
    WebhookChannel,
    WeComChannel,
    mask,
    redact,
    validate_webhook_url,
)
from tests.receivers import DING_SECRET, HOOK_SECRET, KEY, TOKEN, Receiver

MESSAGE = Message(
    title="督办通知：D2 产值 2026-11",
    text="**D2** 完成率 83.3%，时间进度 91.7%。",
    url="http://tracker.example/notices/7/",
    event="notice",
    id="notice-7",
    link_label="在系统中查看",
)
SECRETS = (KEY, TOKEN, DING_SECRET, HOOK_SECRET)


@pytest.fixture(autouse=True)
def loopback_receivers(settings):
    """Let the channels connect to the receivers on 127.0.0.1, as only tests may."""
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = ["127.0.0.1/32"]


def _assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text


def test_wecom_posts_markdown_content_with_the_link():
    with Receiver("wecom") as receiver:
        WeComChannel(receiver.url).send(MESSAGE)
    assert receiver.problems == []
    content = receiver.received[0]["markdown"]["content"]
    assert "督办通知：D2 产值 2026-11" in content
    assert "[在系统中查看](http://tracker.example/notices/7/)" in content


def test_wecom_cuts_long_content_to_its_4096_byte_limit():
    long = Message(**{**MESSAGE.__dict__, "text": "很长" * 3000})
    with Receiver("wecom") as receiver:
        WeComChannel(receiver.url).send(long)
    assert receiver.problems == []
    assert len(receiver.received[0]["markdown"]["content"].encode()) <= 4096


def test_dingtalk_signed_request_carries_a_valid_timestamp_and_sign():
    with Receiver("dingtalk", secret=DING_SECRET) as receiver:
        DingTalkChannel(receiver.url, DING_SECRET).send(MESSAGE)
    assert receiver.problems == []
    assert receiver.received[0]["markdown"]["title"] == MESSAGE.title
    assert "(http://tracker.example/notices/7/)" in receiver.received[0]["markdown"]["text"]


def test_dingtalk_with_a_wrong_secret_is_refused_by_the_receiver():
    with (
        Receiver("dingtalk", secret=DING_SECRET) as receiver,
        pytest.raises(DeliveryError) as error,
    ):
        DingTalkChannel(receiver.url, "SECwrong").send(MESSAGE)
    assert receiver.problems == [["bad signature"]]
    _assert_no_secret(error.value.reason)


def test_unsigned_dingtalk_sends_no_sign():
    with Receiver("dingtalk") as receiver:
        DingTalkChannel(receiver.url).send(MESSAGE)
    assert receiver.problems == []
    assert "sign=" not in receiver.raw_paths[0]


def test_webhook_posts_its_documented_body_with_a_valid_signature():
    with Receiver("webhook", secret=HOOK_SECRET) as receiver:
        WebhookChannel(receiver.url, HOOK_SECRET).send(MESSAGE)
    assert receiver.problems == []
    assert receiver.received[0] == {
        "event": "notice",
        "id": "notice-7",
        "title": MESSAGE.title,
        "text": MESSAGE.text,
        "url": MESSAGE.url,
    }


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((500, {"errcode": 500, "errmsg": "boom"}), "HTTP 500"),
        ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "errcode 93000: invalid"),
    ],
)
def test_wecom_failures_give_the_reason(answer, reason):
    with Receiver("wecom") as receiver:
        receiver.answers.append(answer)
        with pytest.raises(DeliveryError) as error:
            WeComChannel(receiver.url).send(MESSAGE)
    assert reason in error.value.reason
    _assert_no_secret(error.value.reason)
    _assert_no_secret(str(error.value))


def test_an_errmsg_repeating_the_key_is_redacted():
    with Receiver("dingtalk") as receiver:
        receiver.answers.append((200, {"errcode": 310000, "errmsg": f"bad token {TOKEN}"}))
        with pytest.raises(DeliveryError) as error:
            DingTalkChannel(receiver.url).send(MESSAGE)
    assert "errcode 310000" in error.value.reason
    _assert_no_secret(error.value.reason)


def test_a_timeout_is_a_failure(settings):
    settings.HENGKOU_MESSAGING_TIMEOUT = 0.3
    with Receiver("wecom") as receiver:
        receiver.answers.append("hang")
        with pytest.raises(DeliveryError) as error:
            WeComChannel(receiver.url).send(MESSAGE)
    assert "timeout" in error.value.reason
    _assert_no_secret(error.value.reason)


def test_a_refused_connection_is_a_failure():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeliveryError) as error:
        WeComChannel(f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={KEY}").send(MESSAGE)
    assert "connection" in error.value.reason
    _assert_no_secret(error.value.reason)


def test_email_channel_sends_the_text_and_the_link(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailChannel("office@example.org").send(MESSAGE)
    assert mail.outbox[0].to == ["office@example.org"]
    assert MESSAGE.url in mail.outbox[0].body


def test_mask_and_redact():
    assert mask("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd1234") == "••••1234"
    assert mask("short") == "••••"
    assert mask("") == ""
    text = f"POST /robot/send?access_token={TOKEN}&timestamp=1&sign=abc%2B and {DING_SECRET}"
    redacted = redact(text, [DING_SECRET])
    _assert_no_secret(redacted)
    assert "sign=abc" not in redacted


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom"),
        ("https://evil.example/cgi-bin/webhook/send?key=k", "wecom"),
        ("https://127.0.0.1/robot/send?access_token=t", "dingtalk"),
        ("https://10.0.0.8/hook", "webhook"),
        ("https://localhost/hook", "webhook"),
        ("https://user:pw@hooks.example/hook", "webhook"),
        ("ftp://hooks.example/hook", "webhook"),
        ("https://hooks.example:notaport/hook", "webhook"),
    ],
)
def test_addresses_outside_the_allow_list_are_refused_without_repeating_them(url, kind):
    with pytest.raises(ValidationError) as error:
        validate_webhook_url(url, kind=kind)
    assert url not in " ".join(error.value.messages)


def test_official_hosts_pass_by_default():
    assert validate_webhook_url(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", kind="wecom"
    )
    assert validate_webhook_url(
        "https://oapi.dingtalk.com/robot/send?access_token=t", kind="dingtalk"
    )
    assert validate_webhook_url("https://hooks.example/hengkou", kind="webhook")


def test_loopback_only_when_the_settings_allow_it(settings):
    url = f"http://127.0.0.1:8123/cgi-bin/webhook/send?key={KEY}"
    with pytest.raises(ValidationError):
        validate_webhook_url(url, kind="wecom")
    settings.HENGKOU_MESSAGING_ALLOW_HTTP = True
    settings.HENGKOU_MESSAGING_HOSTS = {"wecom": ["127.0.0.1"]}
    assert validate_webhook_url(url, kind="wecom") == url
