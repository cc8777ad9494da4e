"""The quarterly inspections page at two sizes: the same queries, every department offered."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DepartmentFactory, InspectionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_inspection_page_runs_the_same_queries_at_two_sizes(client):
    client.force_login(UserFactory(is_superuser=True))

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspection_list"), {"year": 2021})
        assert response.status_code == 200
        return len(queries), response.content.decode().count("<option value=")

    InspectionFactory()
    small = count()
    for _index in range(40):
        InspectionFactory(department=DepartmentFactory())
    large = count()
    assert small[0] == large[0]
    assert large[1] - small[1] == 40  # every department is offered, whatever their number
