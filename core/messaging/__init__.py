"""Delivery channels behind one interface: e-mail, WeCom and DingTalk robots, a JSON webhook.

The channels know no app: they take a ``Message`` and send it, or raise ``DeliveryError`` with
a reason from which every secret has been removed. What to send to whom, the configuration and
the delivery log belong to the app that uses them (hengkou/messaging/).
"""

from .channels import (
    CHANNEL_CLASSES,
    DeliveryError,
    DingTalkChannel,
    EmailChannel,
    Message,
    WebhookChannel,
    WeComChannel,
    build_channel,
)
from .secrets import mask, redact, secrets_of
from .urls import validate_webhook_url

__all__ = [
    "CHANNEL_CLASSES",
    "DeliveryError",
    "DingTalkChannel",
    "EmailChannel",
    "Message",
    "WeComChannel",
    "WebhookChannel",
    "build_channel",
    "mask",
    "redact",
    "secrets_of",
    "validate_webhook_url",
]
