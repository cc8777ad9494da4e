"""Keeping secrets out of what is shown: masks for pages, redaction for logs and errors."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

MASK = "••••"
# Query parameters that carry a credential in the robots' URLs (WeCom key, DingTalk
# access_token and sign) or in a generic webhook's.
SECRET_PARAMS = ("key", "access_token", "token", "sign", "secret", "signature")
_PARAM = re.compile(r"(?i)\b(" + "|".join(SECRET_PARAMS) + r")=([^&\s'\"]+)")


def mask(value: str) -> str:
    """Return ``value`` as a mask with its last four characters, e.g. "••••1234" ("" if empty)."""
    if not value:
        return ""
    return MASK + value[-4:] if len(value) > 8 else MASK


def redact(text: str, secrets=()) -> str:
    """Return ``text`` with each secret and every credential query parameter masked."""
    text = str(text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _PARAM.sub(lambda match: f"{match.group(1)}={MASK}", text)


def secrets_of(url: str, secret: str = "") -> tuple[str, ...]:
    """Return what must never be shown of a channel: its URL, credential parameters, secret."""
    try:
        params = parse_qsl(urlsplit(url).query)
    except ValueError:
        params = []
    found = [value for name, value in params if name.lower() in SECRET_PARAMS and len(value) > 3]
    return (url, secret, *found)
