"""Secrets at rest: Fernet tokens in the database, keys rotated, a wrong key read as such."""

import pytest
from cryptography.fernet import Fernet
from django.core import checks

from core.crypto import (
    PREFIX,
    Undecryptable,
    check_secrets_keys,
    check_secrets_keys_deploy,
    decrypt,
    derived_key,
    encrypt,
)

SECRET = "SECdingtalk-signing-secret-9012"


def test_a_value_is_stored_as_a_token_and_read_back(settings):
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
    stored = encrypt(SECRET)
    assert stored.startswith(PREFIX) and SECRET not in stored
    assert encrypt(SECRET) != stored  # a fresh IV each time
    assert decrypt(stored) == SECRET
    assert encrypt("") == "" and decrypt("") == ""


def test_a_new_first_key_encrypts_while_the_old_one_still_decrypts(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.HENGKOU_SECRETS_KEYS = [old]
    stored_with_old = encrypt(SECRET)
    settings.HENGKOU_SECRETS_KEYS = [new, old]
    assert decrypt(stored_with_old) == SECRET
    stored_with_new = encrypt(SECRET)
    settings.HENGKOU_SECRETS_KEYS = [new]
    assert decrypt(stored_with_new) == SECRET
    assert isinstance(decrypt(stored_with_old), Undecryptable)


def test_a_value_no_key_opens_reads_empty_and_is_written_back_unchanged(settings):
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
    stored = encrypt(SECRET)
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
    unreadable = decrypt(stored)
    assert isinstance(unreadable, Undecryptable) and unreadable == ""
    assert encrypt(unreadable) == stored


def test_without_keys_development_derives_one_from_the_secret_key(settings):
    settings.HENGKOU_SECRETS_KEYS = []
    stored = encrypt(SECRET)
    settings.HENGKOU_SECRETS_KEYS = [derived_key(settings.SECRET_KEY)]
    assert decrypt(stored) == SECRET
    settings.SECRET_KEY = "another-secret-key"
    settings.HENGKOU_SECRETS_KEYS = []
    assert isinstance(decrypt(stored), Undecryptable)


def test_a_deployment_without_keys_fails_the_deploy_check(settings):
    settings.HENGKOU_SECRETS_KEYS = []
    errors = check_secrets_keys_deploy()
    assert [error.id for error in errors] == ["hengkou.E102"]
    assert "HENGKOU_SECRETS_KEYS is not set" in errors[0].msg
    deploy = checks.run_checks(include_deployment_checks=True)
    assert "hengkou.E102" in {message.id for message in deploy}
    # Not outside the deployment checks: development runs without keys.
    assert "hengkou.E102" not in {message.id for message in checks.run_checks()}
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
    assert check_secrets_keys_deploy() == []


@pytest.mark.parametrize("key", ["not-a-key", "c2hvcnQ="])
def test_a_key_that_is_not_a_fernet_key_is_an_error_with_its_position(settings, key):
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode(), key]
    errors = check_secrets_keys()
    assert [error.id for error in errors] == ["hengkou.E101"]
    assert "key 2" in errors[0].msg and key not in errors[0].msg
