"""The zone's facts of a period not begun are refused everywhere: milestones, promotion events,
chain years, standings and safety activities through API v1 (400 on the field), the admin and
the imports (a row error), with nothing written. A year that has begun, the current one too, is
taken; a date before 2000-01-01 is refused like every year of the site before 2000.

Today is fixed at 2026-12-04 (Asia/Shanghai).
"""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from enterprises.models import (
    ChainYear,
    Milestone,
    PromotionEvent,
    SafetyActivity,
    SafetyInspection,
    ZoneStanding,
)
from tests.core.imports.helpers import xlsx
from tests.factories import UserFactory, ZoneStandingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
TODAY = datetime.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def today():
    noon = datetime.datetime(2026, 12, 4, 12, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(noon, tick=False):
        yield TODAY


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    return client


def zh(message, **params):
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def future_date():
    return zh("A date cannot be in the future.")


def year_not_begun(year):
    return zh("The year %(year)s has not begun yet.", year=year)


def too_early():
    return zh(
        "Ensure this value is greater than or equal to %(limit_value)s.", limit_value="2000-01-01"
    )


MILESTONE = {"kind": "platform", "title": "协同创新中心揭牌", "level": "city"}
EVENT = {"title": "名优特色产品展销会", "city": "西安"}
CHAIN = {"chain": "毛绒玩具", "employment": 3107}
STANDING = {"indicator": "value_added", "rank": 2, "out_of": 13}
ACTIVITY = {"kind": "training", "title": "安全生产培训", "participants": 30}
INSPECTION = {"kind": "scheduled", "area": "工业"}


def refusal(resource, model, body, field, message, name):
    return pytest.param(resource, model, body, field, message, id=name)


def not_begun(year):
    return lambda: year_not_begun(year)


MILESTONES, EVENTS, ACTIVITIES = "milestones", "promotion-events", "safety-activities"
REFUSALS = [
    refusal(MILESTONES, Milestone, {**MILESTONE, "happened_on": "2099-01-01"}, "happened_on",
            future_date, "milestone-2099"),
    refusal(MILESTONES, Milestone, {**MILESTONE, "happened_on": "2026-12-05"}, "happened_on",
            future_date, "milestone-tomorrow"),
    refusal(MILESTONES, Milestone, {**MILESTONE, "happened_on": "0001-01-01"}, "happened_on",
            too_early, "milestone-year-1"),
    refusal(EVENTS, PromotionEvent, {**EVENT, "held_on": "2099-01-01"}, "held_on",
            future_date, "event-2099"),
    refusal(EVENTS, PromotionEvent, {**EVENT, "held_on": "1999-12-31"}, "held_on",
            too_early, "event-1999"),
    refusal("chain-years", ChainYear, {**CHAIN, "year": 2099}, "year",
            not_begun(2099), "chain-2099"),
    refusal("chain-years", ChainYear, {**CHAIN, "year": 2027}, "year",
            not_begun(2027), "chain-next-year"),
    refusal("zone-standings", ZoneStanding, {**STANDING, "year": 2099}, "year",
            not_begun(2099), "standing-2099"),
    refusal(ACTIVITIES, SafetyActivity, {**ACTIVITY, "held_on": "2099-01-01"}, "held_on",
            future_date, "activity-2099"),
    refusal("safety-inspections", SafetyInspection, {**INSPECTION, "inspected_on": "2099-01-01"},
            "inspected_on", future_date, "safety-inspection-2099"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "model", "body", "field", "message"), REFUSALS)
def test_the_api_refuses_a_fact_of_a_period_not_begun(api, resource, model, body, field, message):
    response = api.post(f"/api/v1/{resource}/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {field: [message()]}
    assert not model.objects.exists()


@pytest.mark.parametrize(
    ("resource", "model", "body"),
    [
        ("milestones", Milestone, {**MILESTONE, "happened_on": "2026-12-04"}),
        ("promotion-events", PromotionEvent, {**EVENT, "held_on": "2000-01-01"}),
        ("chain-years", ChainYear, {**CHAIN, "year": 2026}),
        ("zone-standings", ZoneStanding, {**STANDING, "year": 2026}),
        ("safety-activities", SafetyActivity, {**ACTIVITY, "held_on": "2026-12-04"}),
    ],
)
def test_a_fact_of_today_or_this_year_is_taken(api, resource, model, body):
    response = api.post(f"/api/v1/{resource}/", body, format="json")
    assert response.status_code == 201, response.content
    assert model.objects.count() == 1


def test_the_api_refuses_moving_a_standing_into_a_year_not_begun(api):
    standing = ZoneStandingFactory(year=2026)
    response = api.patch(f"/api/v1/zone-standings/{standing.pk}/", {"year": 2099}, format="json")
    assert response.status_code == 400
    assert response.json() == {"year": [year_not_begun(2099)]}
    standing.refresh_from_db()
    assert standing.year == 2026


@pytest.mark.parametrize(
    ("model_name", "data", "field", "message"),
    [
        ("milestone", {**MILESTONE, "happened_on": "2099-01-01"}, "happened_on", future_date),
        ("promotionevent", {**EVENT, "held_on": "2099-01-01"}, "held_on", future_date),
        ("chainyear", {**CHAIN, "year": 2099}, "year", lambda: year_not_begun(2099)),
        ("zonestanding", {**STANDING, "year": 2099}, "year", lambda: year_not_begun(2099)),
        ("safetyactivity", {**ACTIVITY, "held_on": "2099-01-01"}, "held_on", future_date),
    ],
)
def test_the_admin_refuses_a_fact_of_a_period_not_begun(
    admin_client, model_name, data, field, message
):
    response = admin_client.post(reverse(f"admin:enterprises_{model_name}_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message()]}
    model = response.context["adminform"].form._meta.model
    assert not model.objects.exists()


# --- imports ------------------------------------------------------------------------------------


def run(kind, rows):
    return run_import(kind=get_kind(kind), source=io.BytesIO(xlsx(rows)), user=None)


def test_the_standings_import_refuses_a_year_not_begun_naming_the_row():
    rows = [
        ["年度", "指标", "排名", "参与排名数", "数值", "单位", "备注"],
        [2026, "value_added", 2, 13, None, None, None],
        [2099, "industrial_investment", 3, 13, None, None, None],
    ]
    result = run("zone_standings", rows)
    assert not result.ok
    assert [(error.row, error.message) for error in result.errors] == [(3, year_not_begun(2099))]
    assert not ZoneStanding.objects.exists()


def test_the_activities_import_refuses_a_date_in_the_future_naming_the_row():
    rows = [
        ["日期", "类型", "标题", "参加人员", "发放宣传资料", "培训人数", "地点"],
        ["2026-12-04", "training", "安全生产培训", 30, None, None, None],
        ["2099-01-01", "training", "应急演练", 30, None, None, None],
    ]
    result = run("safety_activities", rows)
    assert not result.ok
    assert [(error.row, error.message) for error in result.errors] == [(3, future_date())]
    assert not SafetyActivity.objects.exists()
