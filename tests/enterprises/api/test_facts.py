"""API v1 resources of the zone's facts: milestones, promotion events, chain years, standings,
and the safety activities' new counts: writes validated, filters, scope, refusals."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from enterprises.models import ChainYear, Milestone, PromotionEvent, SafetyActivity, ZoneStanding
from tests.factories import (
    AssignmentFactory,
    ChainYearFactory,
    EnterpriseFactory,
    MilestoneFactory,
    OfficialFactory,
    PromotionEventFactory,
    SafetyActivityFactory,
    UserFactory,
    ZoneStandingFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    return client


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def history_user(model, pk):
    return model.history.filter(id=pk).latest("history_date").history_user


def test_a_milestone_is_created_with_its_enterprises_and_filtered(api):
    firm = EnterpriseFactory()
    body = {
        "happened_on": "2021-10-13",
        "kind": "platform",
        "title": "纳米多功能性纤维纤维协同创新中心揭牌投用",
        "level": "city",
        "enterprises": [firm.pk],
        "institutions": "苏州大学",
    }
    response = api.post(f"{API}/milestones/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["enterprises"] == [firm.pk]
    created = Milestone.objects.get()
    assert history_user(Milestone, created.pk).is_superuser
    MilestoneFactory(happened_on="2020-06-30")
    assert api.get(f"{API}/milestones/", {"year": 2021}).json()["count"] == 1
    assert api.get(f"{API}/milestones/", {"enterprise": firm.pk}).json()["count"] == 1
    assert api.get(f"{API}/milestones/", {"level": "national"}).json()["count"] == 1
    duplicate = api.post(f"{API}/milestones/", body, format="json")
    assert duplicate.status_code == 400
    assert Milestone.objects.count() == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"level": "county"},
        {"kind": "party"},
        {"happened_on": "2021-13-01"},
        {"enterprises": [999999]},
        {"enterprises": "1"},
        {"title": ""},
    ],
)
def test_a_bad_milestone_is_a_400_naming_the_field_and_writes_nothing(api, bad):
    body = {"happened_on": "2021-06-30", "kind": "recognition", "title": "基地", **bad}
    response = api.post(f"{API}/milestones/", body, format="json")
    assert response.status_code == 400
    assert set(bad) <= set(response.json())
    assert all(response.json()[name] for name in bad)
    assert not Milestone.objects.exists()


def test_promotion_events_list_their_enterprises_and_filter_by_city(api):
    firms = [EnterpriseFactory(), EnterpriseFactory()]
    for city in ("西安", "南宁"):
        body = {
            "held_on": "2021-09-10",
            "title": "名优特色产品展销活动",
            "city": city,
            "enterprises": [f.pk for f in firms],
        }
        response = api.post(f"{API}/promotion-events/", body, format="json")
        assert response.status_code == 201, response.json()
    listed = api.get(f"{API}/promotion-events/", {"city": "南"}).json()
    assert [row["city"] for row in listed["results"]] == ["南宁"]
    assert sorted(listed["results"][0]["enterprises"]) == sorted(f.pk for f in firms)
    again = api.post(f"{API}/promotion-events/", body, format="json")
    assert again.status_code == 400
    assert PromotionEvent.objects.count() == 2


def test_chain_years_one_per_chain_and_year_and_per_enterprise(api):
    firm = EnterpriseFactory(chain="毛绒玩具")
    body = {
        "chain": "毛绒玩具",
        "year": 2021,
        "cumulative_output": "109800",
        "employment": 3107,
        "poverty_employment": 378,
        "income_increase": "30000",
    }
    response = api.post(f"{API}/chain-years/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["cumulative_output"] == "109800.00"
    assert response.json()["enterprise"] is None
    duplicate = api.post(f"{API}/chain-years/", body, format="json")
    assert duplicate.status_code == 400
    assert "non_field_errors" in duplicate.json()
    own = api.post(
        f"{API}/chain-years/",
        {"chain": "毛绒玩具", "year": 2021, "enterprise": firm.pk, "employment": 1046},
        format="json",
    )
    assert own.status_code == 201, own.json()
    assert api.get(f"{API}/chain-years/", {"whole_chain": "true"}).json()["count"] == 1
    assert api.get(f"{API}/chain-years/", {"enterprise": firm.pk}).json()["count"] == 1
    assert ChainYear.objects.count() == 2


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"employment": 10, "poverty_employment": 11}, "poverty_employment"),
        ({"output": "-1"}, "output"),
        ({"year": 1999}, "year"),
        ({"employment": "many"}, "employment"),
        ({"income_increase": "1.234"}, "income_increase"),
    ],
)
def test_a_bad_chain_year_is_a_400_and_writes_nothing(api, bad, field):
    response = api.post(f"{API}/chain-years/", {"chain": "毛绒玩具", "year": 2021, **bad})
    assert response.status_code == 400
    assert response.json()[field]
    assert not ChainYear.objects.exists()


def test_the_economic_bureau_enters_the_zone_standing_and_others_may_not():
    bureau = user_with_role("economic_bureau")
    body = {"year": 2021, "indicator": "value_added", "rank": 2, "out_of": 13}
    response = client_of(bureau).post(f"{API}/zone-standings/", body, format="json")
    assert response.status_code == 201, response.json()
    assert history_user(ZoneStanding, response.json()["id"]) == bureau
    for role in ("supervision_office", "department_user", "county_leader"):
        refused = client_of(user_with_role(role)).post(
            f"{API}/zone-standings/", {**body, "year": 2020}, format="json"
        )
        assert refused.status_code == 403, role
    assert ZoneStanding.objects.count() == 1
    patched = client_of(bureau).patch(
        f"{API}/zone-standings/{response.json()['id']}/", {"rank": 1}, format="json"
    )
    assert patched.status_code == 200
    assert client_of(bureau).get(f"{API}/zone-standings/", {"year": 2021}).json()["count"] == 1


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"rank": 14}, "non_field_errors"),
        ({"rank": 0}, "rank"),
        ({"indicator": "gdp"}, "indicator"),
        ({"out_of": "x"}, "out_of"),
    ],
)
def test_a_bad_standing_is_a_400_with_a_message_and_writes_nothing(api, bad, field):
    body = {"year": 2021, "indicator": "value_added", "rank": 2, "out_of": 13, **bad}
    response = api.post(f"{API}/zone-standings/", body, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert not ZoneStanding.objects.exists()


def _department_user(*codenames):
    official = OfficialFactory()
    user = user_with_role("department_user", official=official)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return official, user


def test_a_department_user_reads_the_facts_of_its_enterprises_and_names_no_other():
    official, user = _department_user(
        "view_milestone", "add_milestone", "view_chainyear", "add_chainyear"
    )
    own = AssignmentFactory(department=official.department).enterprise
    other = AssignmentFactory().enterprise
    mine, theirs, zone = MilestoneFactory(), MilestoneFactory(), MilestoneFactory()
    mine.enterprises.add(own)
    theirs.enterprises.add(other)
    ChainYearFactory(enterprise=own)
    ChainYearFactory(enterprise=other)
    ChainYearFactory()
    client = client_of(user)
    listed = client.get(f"{API}/milestones/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert zone.pk not in [row["id"] for row in listed["results"]]
    assert client.get(f"{API}/milestones/{theirs.pk}/").status_code == 404
    assert [r["enterprise"] for r in client.get(f"{API}/chain-years/").json()["results"]] == [
        own.pk
    ]
    body = {"happened_on": "2021-12-15", "kind": "product", "title": "样品问世"}
    refused = client.post(f"{API}/milestones/", {**body, "enterprises": [other.pk]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["enterprises"]
    refused = client.post(
        f"{API}/chain-years/", {"chain": "毛绒玩具", "year": 2022, "enterprise": other.pk}
    )
    assert refused.status_code == 400
    assert Milestone.objects.count() == 3 and ChainYear.objects.count() == 3
    made = client.post(f"{API}/milestones/", {**body, "enterprises": [own.pk]}, format="json")
    assert made.status_code == 201, made.json()


def test_facts_are_refused_to_anonymous_and_officials():
    PromotionEventFactory()
    ZoneStandingFactory()
    for resource in ("milestones", "promotion-events", "chain-years", "zone-standings"):
        assert APIClient().get(f"{API}/{resource}/").status_code in (401, 403)
        official = client_of(user_with_role("official"))
        assert official.get(f"{API}/{resource}/").status_code == 403
        # The county leaders read them (the overview shows them), within their scope; they
        # write none.
        leader = client_of(user_with_role("county_leader"))
        assert leader.get(f"{API}/{resource}/").status_code == 200
        assert leader.post(f"{API}/{resource}/", {}, format="json").status_code == 403


def test_safety_activities_carry_materials_and_people_trained(api):
    old = SafetyActivityFactory()
    assert old.materials_distributed is None and old.people_trained is None
    body = {
        "kind": "publicity",
        "held_on": "2021-06-01",
        "title": "安全生产知识宣传",
        "materials_distributed": 200,
    }
    response = api.post(f"{API}/safety-activities/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["materials_distributed"] == 200
    assert response.json()["people_trained"] is None
    listed = api.get(f"{API}/safety-activities/", {"kind": "publicity"}).json()
    assert listed["count"] == 1
    refused = api.post(
        f"{API}/safety-activities/",
        {**body, "title": "宣传", "materials_distributed": -5},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["materials_distributed"]
    assert SafetyActivity.objects.count() == 2
