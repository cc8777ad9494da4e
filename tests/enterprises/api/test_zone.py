"""API v1 resources of the zone's records: writes validated, filters, scope, constant queries."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from enterprises.models import Cultivation, Loan, SafetyInspection
from tests.factories import (
    AssignmentFactory,
    CultivationFactory,
    EnterpriseFactory,
    FundingApplicationFactory,
    LoanFactory,
    MatchmakingFactory,
    NewInvestorFactory,
    OfficialFactory,
    SafetyActivityFactory,
    SafetyInspectionFactory,
    ServiceFacilityFactory,
    StandardFactoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date
API = "/api/v1"


def make_matchmaking(**kwargs):
    meeting = MatchmakingFactory(**kwargs)
    meeting.enterprises.add(EnterpriseFactory(), EnterpriseFactory())
    return meeting


# Each resource and how to make one of its rows.
RESOURCES = {
    "cultivations": CultivationFactory,
    "matchmakings": make_matchmaking,
    "loans": LoanFactory,
    "safety-inspections": SafetyInspectionFactory,
    "safety-activities": SafetyActivityFactory,
    "standard-factories": StandardFactoryFactory,
    "service-facilities": ServiceFacilityFactory,
    "new-investors": NewInvestorFactory,
    "funding-applications": FundingApplicationFactory,
}


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    return client


def role_client(role: str, **official):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    if official:
        OfficialFactory(user=user, **official)
    client = APIClient()
    client.force_authenticate(user)
    return client


def list_queries(api, resource: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = api.get(f"{API}/{resource}/", {"page_size": 1000})
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_queries_are_the_same_for_2_and_40_rows(api, resource):
    make = RESOURCES[resource]
    for _ in range(2):
        make()
    few = list_queries(api, resource)
    for _ in range(38):
        make()
    assert api.get(f"{API}/{resource}/").json()["count"] == 40
    assert list_queries(api, resource) == few


@pytest.mark.parametrize("resource", RESOURCES)
def test_reading_needs_the_view_permission_and_anonymous_is_refused(resource):
    RESOURCES[resource]()
    assert APIClient().get(f"{API}/{resource}/").status_code in (401, 403)
    assert role_client("official").get(f"{API}/{resource}/").status_code == 403
    response = role_client("economic_bureau").get(f"{API}/{resource}/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_cultivation_is_created_and_moved_along_its_path(api):
    firm = EnterpriseFactory()
    body = {
        "enterprise": firm.pk,
        "title": "above_scale",
        "year": 2021,
        "identified_on": "2021-01-12",
    }
    response = api.post(f"{API}/cultivations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "candidate"
    url = f"{API}/cultivations/{response.json()['id']}/"
    refused = api.patch(url, {"status": "recognised"}, format="json")
    assert refused.status_code == 400
    assert Cultivation.objects.get().status == "candidate"
    moved = api.patch(
        url,
        {"status": "recognised", "applied_on": "2021-03-01", "decided_on": "2021-05-01"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    duplicate = api.post(f"{API}/cultivations/", body, format="json")
    assert duplicate.status_code == 400
    assert Cultivation.objects.count() == 1


def test_cultivation_dates_must_follow_each_other(api):
    body = {
        "enterprise": EnterpriseFactory().pk,
        "title": "high_tech",
        "year": 2021,
        "status": "applying",
        "identified_on": "2021-05-01",
        "applied_on": "2021-04-01",
    }
    response = api.post(f"{API}/cultivations/", body, format="json")
    assert response.status_code == 400
    assert not Cultivation.objects.exists()


def test_a_matchmaking_lists_its_enterprises_and_filters_by_one(api):
    first, second = EnterpriseFactory(), EnterpriseFactory()
    body = {
        "held_on": "2021-03-18",
        "title": "第一次银企对接会",
        "banks": "工行",
        "enterprises": [first.pk, second.pk],
        "loans_amount": "7000",
    }
    response = api.post(f"{API}/matchmakings/", body, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["enterprises"]) == sorted([first.pk, second.pk])
    assert response.json()["loans_amount"] == "7000.00"
    make_matchmaking()
    listed = api.get(f"{API}/matchmakings/", {"enterprise": first.pk}).json()
    assert [row["id"] for row in listed["results"]] == [response.json()["id"]]
    assert api.get(f"{API}/matchmakings/", {"year": 2020}).json()["count"] == 0


def test_loans_refuse_bad_amounts_and_terms_and_filter_the_risk_fund(api):
    firm = EnterpriseFactory()
    base = {"enterprise": firm.pk, "bank": "农商行", "granted_on": "2021-03-25"}
    for bad in ({"amount": "0", "term_months": 12}, {"amount": "10", "term_months": 0}):
        response = api.post(f"{API}/loans/", {**base, **bad}, format="json")
        assert response.status_code == 400
        assert set(bad) & set(response.json())
    assert not Loan.objects.exists()
    ok = api.post(
        f"{API}/loans/",
        {**base, "amount": "300", "term_months": 12, "under_risk_fund": True},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    LoanFactory()
    risk = api.get(f"{API}/loans/", {"under_risk_fund": "true"}).json()
    assert [row["id"] for row in risk["results"]] == [ok.json()["id"]]
    assert api.get(f"{API}/loans/", {"year": "abc"}).status_code == 400


def test_inspections_need_a_deadline_for_open_hazards_and_say_when_overdue(api):
    body = {
        "inspected_on": "2021-09-28",
        "kind": "holiday",
        "area": "工业",
        "hazards_found": 2,
        "hazards_rectified": 1,
    }
    refused = api.post(f"{API}/safety-inspections/", body, format="json")
    assert refused.status_code == 400
    too_many = api.post(
        f"{API}/safety-inspections/", {**body, "hazards_rectified": 3}, format="json"
    )
    assert too_many.status_code == 400
    assert not SafetyInspection.objects.exists()
    response = api.post(
        f"{API}/safety-inspections/", {**body, "rectify_deadline": "2021-10-15"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["overdue"] is True
    assert response.json()["open_hazards"] == 1
    assert api.get(f"{API}/safety-inspections/", {"overdue": "true"}).json()["count"] == 1
    assert api.get(f"{API}/safety-inspections/", {"overdue": "false"}).json()["count"] == 0


def test_factories_facilities_activities_and_investors_are_written(api):
    firm = EnterpriseFactory()
    writes = {
        "standard-factories": {
            "park": "园区",
            "building": "1#",
            "area": "4800",
            "occupant": firm.pk,
            "year_built": 2021,
        },
        "service-facilities": {"name": "客商政务服务中心", "kind": "service_centre", "year": 2021},
        "safety-activities": {"kind": "drill", "held_on": "2021-05-12", "title": "消防演练"},
        "new-investors": {"enterprise": firm.pk, "year": 2021, "investment": "1000"},
    }
    for resource, body in writes.items():
        response = api.post(f"{API}/{resource}/", body, format="json")
        assert response.status_code == 201, (resource, response.json())
        again = api.post(f"{API}/{resource}/", body, format="json")
        assert again.status_code == 400, resource
    assert api.get(f"{API}/new-investors/", {"major": "true"}).json()["results"][0]["is_major"]
    assert api.get(f"{API}/standard-factories/", {"occupied": "false"}).json()["count"] == 0
    refused = api.post(
        f"{API}/standard-factories/",
        {**writes["standard-factories"], "building": "2#", "area": "0"},
    )
    assert refused.status_code == 400


def test_a_row_in_use_is_not_deleted(api):
    loan = LoanFactory(matchmaking=make_matchmaking())
    assert api.delete(f"{API}/matchmakings/{loan.matchmaking_id}/").status_code == 204
    loan.refresh_from_db()
    assert loan.matchmaking is None


def test_a_department_user_reads_only_its_enterprises_and_writes_only_for_them():
    official = OfficialFactory()
    own = AssignmentFactory(department=official.department).enterprise
    other = AssignmentFactory().enterprise
    LoanFactory(enterprise=own)
    LoanFactory(enterprise=other)
    user = UserFactory()
    user.groups.add(Group.objects.get(name="department_user"))
    official.user = user
    official.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_loan", "add_loan"]))
    client = APIClient()
    client.force_authenticate(user)
    listed = client.get(f"{API}/loans/").json()
    assert [row["enterprise"] for row in listed["results"]] == [own.pk]
    body = {"bank": "农商行", "amount": "1", "granted_on": "2021-01-01", "term_months": 6}
    assert client.post(f"{API}/loans/", {**body, "enterprise": other.pk}).status_code == 400
    assert client.post(f"{API}/loans/", {**body, "enterprise": own.pk}).status_code == 201
    assert Loan.objects.filter(enterprise=other).count() == 1
