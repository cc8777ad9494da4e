"""The zone's facts lists (API and pages) ask the same number of queries however many rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import (
    AssignmentFactory,
    ChainYearFactory,
    EnterpriseFactory,
    MilestoneFactory,
    OfficialFactory,
    PromotionEventFactory,
    UserFactory,
    ZoneStandingFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
CHAIN = "毛绒玩具"
BOUND = 12  # the most any of these lists or pages may ask, whatever the rows


def add_facts(n: int, offset: int, department=None) -> None:
    """Add ``n`` rows of each fact, each naming two enterprises of the chain."""
    for i in range(offset, offset + n):
        firms = [EnterpriseFactory(chain=CHAIN) for _ in range(2)]
        if department is not None:
            for firm in firms:
                AssignmentFactory(enterprise=firm, department=department, year=2021)
        milestone = MilestoneFactory(happened_on=datetime.date(2021, 1, 1 + i))
        milestone.enterprises.add(*firms)
        event = PromotionEventFactory(held_on=datetime.date(2021, 2, 1 + i))
        event.enterprises.add(*firms)
        ChainYearFactory(chain=CHAIN, year=2000 + i, output=Decimal("100.00"))
        ChainYearFactory(chain=CHAIN, year=2021, enterprise=firms[0], employment=10 + i)
        ZoneStandingFactory(year=2000 + i)


def count(call) -> int:
    call()  # a first request fills the user's permission cache and the like
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    return len(queries)


def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def department_user():
    official = OfficialFactory()
    return user_with_role("department_user", official=official, username="du"), official


@pytest.mark.parametrize(
    "resource", ["milestones", "promotion-events", "chain-years", "zone-standings"]
)
def test_a_facts_list_does_not_ask_more_with_more_rows(resource, django_assert_max_num_queries):
    api = APIClient()
    api.force_authenticate(superuser())
    url = f"/api/v1/{resource}/"
    add_facts(2, 0)
    few = count(lambda: api.get(url))
    add_facts(10, 2)
    many = count(lambda: api.get(url))
    assert many == few <= BOUND
    with django_assert_max_num_queries(few):
        api.get(url)
    assert api.get(url).json()["count"] >= 12


@pytest.mark.parametrize("resource", ["milestones", "promotion-events", "chain-years"])
def test_a_scoped_facts_list_does_not_ask_more_with_more_rows(
    resource, django_assert_max_num_queries
):
    from django.contrib.auth.models import Permission

    user, official = department_user()
    model = {"milestones": "milestone", "promotion-events": "promotionevent"}.get(
        resource, "chainyear"
    )
    user.user_permissions.add(Permission.objects.get(codename=f"view_{model}"))
    api = APIClient()
    api.force_authenticate(user)
    url = f"/api/v1/{resource}/"
    add_facts(2, 0, department=official.department)
    few = count(lambda: api.get(url))
    add_facts(10, 2, department=official.department)
    many = count(lambda: api.get(url))
    assert many == few <= BOUND
    with django_assert_max_num_queries(few):
        api.get(url)
    assert api.get(url).json()["count"] >= 10


@pytest.mark.parametrize(
    "url",
    [
        reverse("zone:chain") + f"?chain={CHAIN}&year=2021",
        reverse("overview:overview") + "?year=2021",
    ],
    ids=["chain-page", "overview"],
)
def test_the_pages_showing_the_facts_do_not_ask_more_with_more_rows(
    client, url, django_assert_max_num_queries
):
    client.force_login(user_with_role("economic_bureau"))
    add_facts(2, 0)
    few = count(lambda: client.get(url))
    add_facts(10, 2)
    many = count(lambda: client.get(url))
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(url)
