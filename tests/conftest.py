"""Fixtures shared by the whole suite.

A test module that needs a fixture of the same name but another body defines its own, which
pytest prefers to these.
"""

from pathlib import Path

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture
def admin(client):
    """Return the test client signed in as a superuser."""
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.fixture
def admin_api():
    """Return an API client authenticated as the staff superuser ``admin``."""
    client = APIClient()
    client.force_authenticate(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def media(settings, tmp_path):
    """Point MEDIA_ROOT at a folder of the test's own and return it (created on first write).

    The folder sits inside ``tmp_path``, so workbooks a test writes there stay out of it.
    """
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo data and its zone records once; each test runs in a savepoint inside it."""
    from hengkou.demo.seed import seed_demo
    from hengkou.demo.zone import seed_zone_demo

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        seed_zone_demo()
        yield
        transaction.set_rollback(True)
