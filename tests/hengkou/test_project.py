"""Checks on the project as a whole: migrations, translations, settings."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_message_has_a_chinese_translation():
    with open(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po", "rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert (ROOT / "locale/zh_Hans/LC_MESSAGES/django.mo").exists()


def _settings_in_subprocess(env, expression):
    code = (
        f"import django, os; django.setup(); from django.conf import settings; print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "hengkou.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_outside_debug():
    result = _settings_in_subprocess({}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_come_from_the_environment():
    result = _settings_in_subprocess(
        {
            "DJANGO_SECRET_KEY": "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "hk.example.org,127.0.0.1",
            "DATABASE_URL": "postgres://u:p@db.internal:5433/hengkou",
        },
        "settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'], "
        "settings.DATABASES['default']['NAME'], settings.LANGUAGE_CODE, settings.TIME_ZONE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['hk.example.org', '127.0.0.1'] django.db.backends.postgresql hengkou "
        "zh-hans Asia/Shanghai"
    )


def test_default_database_is_sqlite_under_var():
    result = _settings_in_subprocess({"DJANGO_DEBUG": "1"}, "settings.DATABASES['default']['NAME']")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / "var" / "hengkou.sqlite3")
