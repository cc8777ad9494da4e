"""The test suite's own settings (hengkou/test_settings.py)."""

from pathlib import Path

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlites_test_database_is_a_file_so_the_live_servers_threads_have_their_own_connections():
    # An in-memory database makes Django hand the test's connection to the live server's threads,
    # and two threads on one sqlite3 connection can deadlock in C (CI hung there).
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL gives every thread its own connection")
    assert not connection.is_in_memory_db()
    assert Path(connection.settings_dict["NAME"]).is_file()
