"""Lists ordered first by a month or a year, sliced a group at a time: the same rows as the
whole ordered queryset, for every slice, in a few queries."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.pagination import GroupedRows
from enterprises.models import Assignment, MonthlyReport, Target
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NAMES = ["ALPHA", "BETA", "ALPHA", "Z9", "A10", "GAMMA"]


@pytest.fixture
def walk(monkeypatch):
    """Walk the groups whatever the list's size (the site does so beyond 5,000 rows)."""
    monkeypatch.setattr(GroupedRows, "small", 0)


def _world(seed: int):
    """Reports, targets and assignments over several months and years, names clashing."""
    rng = random.Random(seed)
    enterprises = [EnterpriseFactory(name=rng.choice(NAMES)) for _ in range(9)]
    departments = [DepartmentFactory(code=code) for code in ("K", "B", "X")]
    for enterprise in enterprises:
        for month in rng.sample(range(1, 13), rng.randint(0, 6)):
            year = rng.choice([2020, 2021])
            MonthlyReportFactory(enterprise=enterprise, period=datetime.date(year, month, 1))
        for year in rng.sample([2019, 2020, 2021], rng.randint(0, 3)):
            for metric in rng.sample(["output_value", "tax", "revenue"], rng.randint(1, 3)):
                TargetFactory(enterprise=enterprise, year=year, metric=metric)
            AssignmentFactory(enterprise=enterprise, year=year, department=rng.choice(departments))


QUERYSETS = {
    "period": lambda: MonthlyReport.objects.order_by("-period", "enterprise__name", "id"),
    "year": lambda: Target.objects.order_by("-year", "enterprise__name", "metric", "id"),
    "assignment year": lambda: Assignment.objects.order_by(
        "-year", "department__code", "enterprise__name", "id"
    ),
}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", list(QUERYSETS))
@pytest.mark.usefixtures("walk")
def test_every_slice_equals_the_ordered_querysets(seed, kind):
    _world(seed)
    field = kind.split()[-1]
    expected = [row.pk for row in QUERYSETS[kind]()]
    rows = GroupedRows(QUERYSETS[kind](), field=field)
    assert len(rows) == rows.count() == len(expected)
    bounds = sorted({0, 1, 2, 3, 5, 8, 13, len(expected) // 2, len(expected) - 1, len(expected)})
    for start in bounds:
        for stop in [*bounds, len(expected) + 4]:
            assert [row.pk for row in rows[start:stop]] == expected[start:stop], (start, stop)
    assert [row.pk for row in rows[1::2]] == expected[1::2]
    assert [row.pk for row in rows[-3:]] == expected[-3:]
    if expected:
        assert rows[0].pk == expected[0]
        assert rows[-1].pk == expected[-1]
    with pytest.raises(IndexError):
        rows[len(expected)]


def test_a_small_list_is_sliced_as_it_is():
    _world(4)
    expected = [row.pk for row in QUERYSETS["period"]()][2:7]
    rows = GroupedRows(QUERYSETS["period"](), field="period")
    rows.count()
    with CaptureQueriesContext(connection) as queries:
        assert [row.pk for row in rows[2:7]] == expected
    assert len(queries) == 1


def test_the_ordering_must_lead_with_the_field():
    with pytest.raises(ValueError, match="-period"):
        GroupedRows(MonthlyReport.objects.order_by("enterprise__name"), field="period")


@pytest.mark.usefixtures("walk")
def test_the_first_page_reads_one_group_in_two_queries():
    for month in (10, 11):
        MonthlyReportFactory.create_batch(4, period=datetime.date(2021, month, 1))
    rows = GroupedRows(QUERYSETS["period"](), field="period")
    assert rows.count() == 8  # as the paginator asks first
    with CaptureQueriesContext(connection) as queries:
        page = rows[0:3]
    assert len(queries) == 2  # the latest month, then its first rows
    assert {row.period for row in page} == {datetime.date(2021, 11, 1)}


# Through the API: the pages of the three lists are those of the ordered queryset.

ENDPOINTS = {
    "monthly-reports": QUERYSETS["period"],
    "targets": QUERYSETS["year"],
    "assignments": QUERYSETS["assignment year"],
}


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(username="root", is_superuser=True))
    return client


@pytest.mark.parametrize("resource", list(ENDPOINTS))
@pytest.mark.parametrize("walking", [True, False])
def test_api_pages_are_those_of_the_ordered_list(api, monkeypatch, resource, walking):
    if walking:
        monkeypatch.setattr(GroupedRows, "small", 0)
    _world(5)
    expected = [row.pk for row in ENDPOINTS[resource]()]
    got, page = [], 1
    while True:
        body = api.get(f"/api/v1/{resource}/", {"page_size": 4, "page": page}).json()
        assert body["count"] == len(expected)
        got += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert got == expected


@pytest.mark.parametrize("resource", list(ENDPOINTS))
@pytest.mark.usefixtures("walk")
def test_api_pages_run_the_same_queries_at_two_sizes(api, resource):
    def count(page):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/{resource}/", {"page_size": 5, "page": page})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 5
        return len(queries)

    def grow(n):
        for _ in range(n):
            enterprise = EnterpriseFactory()
            MonthlyReportFactory(enterprise=enterprise)
            TargetFactory(enterprise=enterprise)
            AssignmentFactory(enterprise=enterprise)

    grow(12)
    small = count(1), count(2)
    grow(40)
    assert (count(1), count(2)) == small
