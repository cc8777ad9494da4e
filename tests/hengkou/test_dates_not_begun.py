"""Quarterly inspections and annual plans of a period not begun are refused everywhere: API v1
(400 on the field), the inspections page and the admin (plans; inspections have none), with
nothing written.

Today is fixed at 2026-12-04 (Asia/Shanghai): 2026 and its fourth quarter have begun.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from hengkou.models import AnnualPlan, Inspection
from tests.factories import AnnualPlanFactory, DepartmentFactory, InspectionFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)
FUTURE_DATE = "A date cannot be in the future."
YEAR_NOT_BEGUN = "The year %(year)s has not begun yet."
OUTSIDE_QUARTER = "A quarter's inspection is dated within that quarter: from %(start)s to %(end)s."


@pytest.fixture(autouse=True)
def today():
    noon = datetime.datetime(2026, 12, 4, 12, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(noon, tick=False):
        yield TODAY


def zh(message, **params):
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- quarterly inspections ----------------------------------------------------------------------

INSPECTION_REFUSALS = [
    pytest.param(
        {"year": 2099, "quarter": 4, "inspected_on": "2099-12-01"},
        {"year": [zh(YEAR_NOT_BEGUN, year=2099)], "inspected_on": [zh(FUTURE_DATE)]},
        id="year-2099",
    ),
    pytest.param(
        {"year": 2026, "quarter": 4, "inspected_on": "2026-12-31"},
        {"inspected_on": [zh(FUTURE_DATE)]},
        id="date-in-the-future",
    ),
    pytest.param(
        {"year": 2026, "quarter": 4, "inspected_on": "2026-01-15"},
        {"inspected_on": [zh(OUTSIDE_QUARTER, start="2026-10-01", end="2026-12-31")]},
        id="before-its-quarter",
    ),
    pytest.param(
        {"year": 2026, "quarter": 3, "inspected_on": "2026-10-08"},
        {"inspected_on": [zh(OUTSIDE_QUARTER, start="2026-07-01", end="2026-09-30")]},
        id="days-after-its-quarter",
    ),
    pytest.param(
        {"year": 2026, "quarter": 2, "inspected_on": "2025-12-20"},
        {"inspected_on": [zh("The inspection date is not in the inspection's year.")]},
        id="another-year",
    ),
]


def inspection_body(department, **extra):
    return {
        "year": 2026,
        "quarter": 3,
        "department": department.pk,
        "inspected_on": "2026-09-28",
        "findings": "帮扶台账完整",
        "score": "92.50",
        **extra,
    }


@pytest.mark.parametrize(("extra", "errors"), INSPECTION_REFUSALS)
def test_the_api_refuses_an_inspection_of_a_period_not_begun(extra, errors):
    client = api_for(user_with_role("supervision_office"))
    response = client.post(
        "/api/v1/inspections/", inspection_body(DepartmentFactory(), **extra), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == errors
    assert not Inspection.objects.exists()


def test_the_api_refuses_moving_an_inspection_into_the_future():
    inspection = InspectionFactory(year=2026, quarter=4, inspected_on=TODAY)
    client = api_for(user_with_role("supervision_office"))
    response = client.patch(
        f"/api/v1/inspections/{inspection.pk}/", {"inspected_on": "2026-12-05"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"inspected_on": [zh(FUTURE_DATE)]}
    inspection.refresh_from_db()
    assert inspection.inspected_on == TODAY


@pytest.mark.parametrize(
    ("extra", "day"),
    [
        ({"quarter": 4, "inspected_on": "2026-12-04"}, TODAY),  # today counts
        ({"quarter": 3, "inspected_on": "2026-09-30"}, datetime.date(2026, 9, 30)),  # last day
        ({"quarter": 2, "inspected_on": "2026-04-01"}, datetime.date(2026, 4, 1)),  # first day
    ],
)
def test_an_inspection_of_a_begun_quarter_is_recorded(extra, day):
    client = api_for(user_with_role("supervision_office"))
    response = client.post(
        "/api/v1/inspections/", inspection_body(DepartmentFactory(), **extra), format="json"
    )
    assert response.status_code == 201, response.content
    assert Inspection.objects.get().inspected_on == day


@pytest.mark.parametrize(("extra", "errors"), INSPECTION_REFUSALS)
def test_the_inspections_page_refuses_a_period_not_begun(client, extra, errors):
    client.force_login(user_with_role("supervision_office"))
    response = client.post(
        reverse("inspection_list"), inspection_body(DepartmentFactory(), **extra)
    )
    assert response.status_code == 200  # the form again, with its errors
    form_errors = response.context["form"].errors
    assert {field: list(messages) for field, messages in form_errors.items()} == errors
    assert not Inspection.objects.exists()


# --- annual plans -------------------------------------------------------------------------------


def plan_too_far(year):
    return zh(
        "An annual plan is written for the current year or, in advance, the next one: "
        "%(year)s is after %(latest)s.",
        year=year,
        latest=2027,
    )


@pytest.mark.parametrize("year", [2028, 2099])
def test_the_api_refuses_an_annual_plan_beyond_next_year(year):
    client = api_for(user_with_role("economic_bureau"))
    body = {"year": year, "title": "方案", "goals": [{"metric": "tax", "goal_value": "1.00"}]}
    response = client.post("/api/v1/annual-plans/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"year": [plan_too_far(year)]}
    assert not AnnualPlan.objects.exists()


def test_the_api_refuses_moving_a_plan_beyond_next_year():
    plan = AnnualPlanFactory(year=2026)
    client = api_for(user_with_role("economic_bureau"))
    response = client.patch(f"/api/v1/annual-plans/{plan.pk}/", {"year": 2099}, format="json")
    assert response.status_code == 400
    assert response.json() == {"year": [plan_too_far(2099)]}
    plan.refresh_from_db()
    assert plan.year == 2026


@pytest.mark.parametrize("year", [2021, 2026, 2027])
def test_a_plan_for_this_year_the_next_or_a_past_one_is_written(year):
    client = api_for(user_with_role("economic_bureau"))
    response = client.post("/api/v1/annual-plans/", {"year": year, "title": "方案"}, format="json")
    assert response.status_code == 201, response.content
    assert AnnualPlan.objects.get().year == year


def test_the_admin_refuses_an_annual_plan_beyond_next_year(admin_client):
    data = {
        "year": 2099,
        "title": "方案",
        "text": "",
        "goals-TOTAL_FORMS": 0,
        "goals-INITIAL_FORMS": 0,
        "goals-MIN_NUM_FORMS": 0,
        "goals-MAX_NUM_FORMS": 1000,
    }
    response = admin_client.post(reverse("admin:hengkou_annualplan_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"year": [plan_too_far(2099)]}
    assert not AnnualPlan.objects.exists()
