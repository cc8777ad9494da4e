"""Who may close or reopen a month: one rule and one message for the page and the API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from rest_framework.test import APIClient

from enterprises.models import Period
from hengkou.access import CLOSE_MONTH, REOPEN_MONTH
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

CLOSE_REFUSAL = "只有经济委、局或管理员可以关账。"
REOPEN_REFUSAL = "只有管理员可以重新开账。"


def test_the_economic_bureau_closes_but_only_an_administrator_reopens():
    bureau = user_with_role("economic_bureau")
    office = user_with_role("supervision_office")
    assert CLOSE_MONTH.allows(bureau) and not REOPEN_MONTH.allows(bureau)
    assert not CLOSE_MONTH.allows(office)
    CLOSE_MONTH.check(bureau)
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        REOPEN_MONTH.check(bureau)
    assert str(refused.value) == "Only an administrator reopens a month."


def test_the_api_refuses_a_close_saying_who_may_and_writes_nothing():
    client = APIClient()
    client.force_authenticate(user_with_role("supervision_office"))
    response = client.post("/api/v1/periods/2021-11/close/")
    assert response.status_code == 403
    assert CLOSE_REFUSAL in response.content.decode()
    assert Period.objects.count() == 0


def test_the_api_refuses_a_reopen_saying_who_may_and_the_month_stays_closed():
    Period.objects.create(period=datetime.date(2021, 11, 1), status="closed")
    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau"))
    response = client.post("/api/v1/periods/2021-11/reopen/", {"reason": "更正"}, format="json")
    assert response.status_code == 403
    assert REOPEN_REFUSAL in response.content.decode()
    assert Period.objects.get().status == "closed"
