"""Secrets encrypted at rest: a model field whose database values are Fernet tokens.

Keys: ``HENGKOU_SECRETS_KEYS``, a list of Fernet keys (``Fernet.generate_key()``: 32 bytes,
URL-safe base64). The first encrypts, every one decrypts (``MultiFernet``), so a key is rotated
by putting the new one first and running ``manage.py rotate_secrets`` before dropping the old.
Without the setting (development, tests) one key is derived from ``SECRET_KEY``; a deployment
check refuses that in production (``check_secrets_keys``, docs/messaging.md).

A stored value is ``"fernet:" + token``; an empty value stays empty (there is nothing to hide).
A value that no key decrypts reads as ``Undecryptable``: an empty string that keeps the stored
token, so saving the row again never destroys it and the caller can say what is wrong.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.db import models

from .models import BoundedTextField

PREFIX = "fernet:"


class Undecryptable(str):
    """A stored secret that no configured key decrypts: reads as "", keeps its token."""

    def __new__(cls, token: str):
        value = super().__new__(cls, "")
        value.token = token
        return value


def configured_keys() -> list[str]:
    """Return the keys of HENGKOU_SECRETS_KEYS (a list, or one comma-separated string)."""
    keys = getattr(settings, "HENGKOU_SECRETS_KEYS", None) or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key and key.strip()]


def derived_key(secret_key: str) -> str:
    """Return the development key derived from ``secret_key`` (never used when keys are set)."""
    digest = hashlib.sha256(b"hengkou-secrets-at-rest:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet() -> MultiFernet:
    keys = configured_keys() or [derived_key(settings.SECRET_KEY)]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    """Return ``value`` as stored: "fernet:" + a token of the first key ("" stays "")."""
    if isinstance(value, Undecryptable):
        return value.token
    if not value:
        return ""
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def is_encrypted(stored: str) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def decrypt(stored: str) -> str:
    """Return the plain value of ``stored``, or Undecryptable(stored) if no key opens it.

    A value without the prefix is plain text written before encryption (the migration that
    encrypts existing rows reads them this way) and is returned as it is.
    """
    if not is_encrypted(stored):
        return stored or ""
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError):
        return Undecryptable(stored)


class EncryptedTextField(BoundedTextField):
    """Text that is encrypted in the database and plain in Python; ``max_length`` is the plain
    text's, validated by the model, forms and serializers like any bounded text (the column is
    a TEXT: a token is longer than its text)."""

    def deconstruct(self):
        # Its own path and bound in migrations (a BoundedTextField's read as a plain TextField).
        return models.TextField.deconstruct(self)

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value)


def check_secrets_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse keys that are not Fernet keys (always)."""
    errors = []
    for index, key in enumerate(configured_keys(), start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    f"HENGKOU_SECRETS_KEYS: key {index} is not a Fernet key (32 bytes in URL-safe "
                    "base64, as Fernet.generate_key() makes).",
                    id="hengkou.E101",
                )
            )
    return errors


def check_secrets_keys_deploy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a deployment without its own keys (the key derived from SECRET_KEY is for
    development: it changes whenever SECRET_KEY does)."""
    if configured_keys():
        return []
    return [
        checks.Error(
            "HENGKOU_SECRETS_KEYS is not set: the channels' webhook keys and signing secrets "
            "would be encrypted with a key derived from SECRET_KEY.",
            hint='Set HENGKOU_SECRETS_KEYS to a key made by `python -c "from '
            'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"` '
            "(docs/messaging.md).",
            id="hengkou.E102",
        )
    ]
