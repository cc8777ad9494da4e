"""Checks on the project as a whole: migrations, translations, settings."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from hengkou.roles import ROLES

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_migrations_match_the_models(real_migrations):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _columns(cursor, introspection, table) -> set[str]:
    return {column.name for column in introspection.get_table_description(cursor, table)}


@pytest.mark.django_db
def test_the_migrations_build_a_fresh_database_like_the_models(tmp_path):
    """Run from nothing, the migrations build the tables and columns the models do, and the roles.

    The suite builds its own database from the models (``--no-migrations``), so this is where
    the migrations run: nothing left unapplied, the same schema, the roles' groups.
    """
    fresh = tmp_path / "fresh.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{fresh}", "DJANGO_DEBUG": "1"}
    env.pop("DATABASE_REPLICA_URL", None)
    for args in (["migrate", "--noinput", "-v0"], ["migrate", "--check", "-v0"]):
        run = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stdout + run.stderr
    with sqlite3.connect(fresh) as migrated:
        migrated_tables = {
            name: {row[1] for row in migrated.execute(f'PRAGMA table_info("{name}")')}
            for (name,) in migrated.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        roles = {name for (name,) in migrated.execute("SELECT name FROM auth_group")}
    with connection.cursor() as cursor:
        introspection = connection.introspection
        built = {t: _columns(cursor, introspection, t) for t in introspection.table_names(cursor)}
    assert migrated_tables == built
    assert roles == set(ROLES)


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
