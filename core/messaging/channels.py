"""The channels: each sends a ``Message`` in the format its service documents.

- WeCom (企业微信) group robot: POST ``{"msgtype": "markdown", "markdown": {"content": …}}`` to
  ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY``; success is HTTP 200 with
  ``{"errcode": 0, "errmsg": "ok"}``.
- DingTalk (钉钉) custom robot: POST ``{"msgtype": "markdown", "markdown": {"title": …, "text":
  …}}`` to ``https://oapi.dingtalk.com/robot/send?access_token=TOKEN``; with the signing option,
  ``timestamp`` (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(secret,
  f"{timestamp}\\n{secret}"))) are added to the query; errcode likewise.
- The generic JSON webhook: POST ``{"event", "id", "title", "text", "url"}``; with a secret, the
  headers ``X-Hengkou-Timestamp`` (seconds) and ``X-Hengkou-Signature`` =
  ``sha256=`` + hex HMAC-SHA256(secret, f"{timestamp}.{body}"); any 2xx is success.
- E-mail: one message to one address through Django's mail backend.

Every failure raises ``DeliveryError`` whose reason names no key, token, signature or secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote_plus

import requests
from django.conf import settings
from django.core.mail import send_mail

from .net import AddressRefused, guarded_session
from .secrets import redact, secrets_of
from .urls import address_allowed

# WeCom refuses markdown content over 4096 bytes (UTF-8); the text is cut to fit.
WECOM_MAX_BYTES = 4096
REASON_MAX = 500


@dataclass(frozen=True)
class Message:
    """What is sent: a title, markdown text, an absolute link back to the page, and its event."""

    title: str
    text: str
    url: str
    event: str
    id: str
    link_label: str = "→"

    def markdown(self) -> str:
        """Return the title, the text and the link as markdown."""
        return f"### {self.title}\n\n{self.text}\n\n[{self.link_label}]({self.url})"


class DeliveryError(Exception):
    """A message that could not be delivered, with a reason that holds no secret."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _cut_utf8(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


class HttpChannel(ABC):
    """A channel that posts JSON to a webhook; subclasses say what body and what success."""

    kind = ""

    def __init__(self, url: str, secret: str = ""):
        self.url = url
        self.secret = secret

    @property
    def secrets(self) -> tuple[str, ...]:
        return secrets_of(self.url, self.secret)

    def fail(self, reason: str):
        raise DeliveryError(redact(reason, self.secrets)[:REASON_MAX])

    @abstractmethod
    def request(self, message: Message) -> tuple[str, bytes, dict]:
        """Return the URL, the body and the headers of the request for ``message``."""

    def check(self, response) -> None:
        """Raise DeliveryError unless ``response`` says the message was accepted."""
        if response.status_code != 200:
            self.fail(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            self.fail(f"HTTP {response.status_code}: not a JSON answer")
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            errcode = answer.get("errcode") if isinstance(answer, dict) else None
            errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
            self.fail(f"errcode {errcode}: {errmsg}")

    def send(self, message: Message) -> None:
        """Post ``message``; raise DeliveryError with a redacted reason if it was not accepted."""
        url, body, headers = self.request(message)
        timeout = getattr(settings, "HENGKOU_MESSAGING_TIMEOUT", 5)
        session = guarded_session(partial(address_allowed, kind=self.kind))
        try:
            response = session.post(
                url,
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8", **headers},
                timeout=timeout,
                allow_redirects=False,
            )
        except AddressRefused as refused:
            self.fail(f"address refused: {refused}")
        except requests.Timeout:
            self.fail(f"no answer within {timeout} s (timeout)")
        except requests.ConnectionError as error:
            reason = (
                "connection refused" if "refused" in str(error).lower() else "connection failed"
            )
            self.fail(f"{reason}: {type(error).__name__}")
        except requests.RequestException as error:
            self.fail(f"request failed: {type(error).__name__}")
        finally:
            session.close()
        self.check(response)


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


class WeComChannel(HttpChannel):
    """A WeCom (企业微信) group robot."""

    kind = "wecom"

    def request(self, message):
        content = _cut_utf8(message.markdown(), WECOM_MAX_BYTES)
        return self.url, _json({"msgtype": "markdown", "markdown": {"content": content}}), {}


def dingtalk_sign(secret: str, timestamp: int) -> str:
    """Return DingTalk's ``sign`` for ``timestamp`` (ms), URL-encoded as its query wants."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


class DingTalkChannel(HttpChannel):
    """A DingTalk (钉钉) custom robot, signed when it has a secret (加签)."""

    kind = "dingtalk"

    def request(self, message):
        url = self.url
        if self.secret:
            timestamp = int(time.time() * 1000)
            separator = "&" if "?" in url else "?"
            sign = dingtalk_sign(self.secret, timestamp)
            url = f"{url}{separator}timestamp={timestamp}&sign={sign}"
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": message.markdown()},
        }
        return url, _json(body), {}


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the generic webhook's signature header value for ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class WebhookChannel(HttpChannel):
    """A generic JSON webhook, signed with HMAC-SHA256 when it has a secret."""

    kind = "webhook"

    def request(self, message):
        body = _json(
            {
                "event": message.event,
                "id": message.id,
                "title": message.title,
                "text": message.text,
                "url": message.url,
            }
        )
        headers = {}
        if self.secret:
            timestamp = int(time.time())
            headers = {
                "X-Hengkou-Timestamp": str(timestamp),
                "X-Hengkou-Signature": webhook_signature(self.secret, timestamp, body),
            }
        return self.url, body, headers

    def check(self, response):
        if not 200 <= response.status_code < 300:
            self.fail(f"HTTP {response.status_code}")


class EmailChannel:
    """One e-mail address, through Django's mail backend."""

    kind = "email"

    def __init__(self, address: str, secret: str = ""):
        self.address = address

    def send(self, message: Message) -> None:
        try:
            send_mail(
                message.title,
                f"{message.text}\n\n{message.url}",
                None,
                [self.address],
                fail_silently=False,
            )
        except Exception as error:  # noqa: BLE001 - any mail failure is a failed delivery
            raise DeliveryError(f"mail not sent: {type(error).__name__}") from None


CHANNEL_CLASSES = {
    cls.kind: cls for cls in (EmailChannel, WeComChannel, DingTalkChannel, WebhookChannel)
}


def build_channel(kind: str, target: str, secret: str = ""):
    """Return the channel of ``kind`` for ``target`` (an address or webhook URL)."""
    return CHANNEL_CLASSES[kind](target, secret)
