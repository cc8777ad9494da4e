"""Fixtures shared by the site's tests."""

import pytest

from tests.factories import UserFactory
from tests.roles import user_with_role


@pytest.fixture
def supervisor(client):
    """Return the test client signed in as the superuser ``supervisor``."""
    client.force_login(UserFactory(username="supervisor", is_superuser=True))
    return client


@pytest.fixture
def reader(client):
    """Return the test client signed in as a clerk of the economic bureau."""
    client.force_login(user_with_role("economic_bureau"))
    return client
