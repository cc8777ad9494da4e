"""completeness/: the who-has-not-reported board of the dashboard, through the API (issue 20)."""

import datetime

import lxml.html
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOV = datetime.date(2021, 11, 1)
URL = "/api/v1/completeness/"
# Three days after November's deadline (5 December).
ASKED = datetime.datetime(2021, 12, 8, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def asked_on_8_december():
    with time_machine.travel(ASKED, tick=False):
        yield


def _member(department, name, *, submitted=None):
    enterprise = AssignmentFactory(
        department=department, year=2021, enterprise__name=name
    ).enterprise
    if submitted is not None:
        MonthlyReportFactory(enterprise=enterprise, period=NOV, submitted_at=submitted)
    return enterprise


@pytest.fixture
def zone():
    """D1: one on time, one late, two missing; D2: all reported on time; D3: none reported."""
    on_time = datetime.datetime(2021, 12, 5, 23, 59, tzinfo=SHANGHAI)
    late = datetime.datetime(2021, 12, 6, 0, 0, 1, tzinfo=SHANGHAI)
    d1, d2, d3 = (DepartmentFactory(code=code, name=f"{code}局") for code in ("D1", "D2", "D3"))
    _member(d1, "甲企业", submitted=on_time)
    _member(d1, "乙企业", submitted=late)
    missing_d1 = [_member(d1, "B企业"), _member(d1, "A企业")]
    _member(d2, "戊企业", submitted=on_time)
    missing_d3 = [_member(d3, "己企业")]
    AssignmentFactory(department=d3, year=2020)  # another year: not a member
    return {"departments": (d1, d2, d3), "missing": (missing_d1, missing_d3)}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _rows(client, **params):
    response = client.get(URL, {"period": "2021-11", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_each_department_reads_as_on_the_dashboard(zone, admin_api, supervisor):
    body = _rows(admin_api)
    response = supervisor.get(reverse("dashboard"), {"period": "2021-11"})
    doc = lxml.html.fromstring(response.content.decode())
    shown = [
        [cell.text_content().strip() for cell in row.xpath("./td")]
        for row in doc.xpath("//table[@id='completeness-table']/tbody/tr")
    ]
    assert body["count"] == len(shown) == 3
    assert [
        [row["department_name"], f"{row['reported']}/{row['members']}"] for row in body["results"]
    ] == [cells[:2] for cells in shown]
    for row, cells in zip(body["results"][:2], shown, strict=False):  # the two missing reports
        assert cells[3] == "、".join(member["name"] for member in row["missing_members"])
    board = response.context["dashboard"].board
    page = response.context["completeness"].object_list
    assert [row["on_time_rate"] for row in body["results"]] == [
        None if line.on_time_rate is None else float(line.on_time_rate) for line in page
    ]
    assert {row["days_left"] for row in body["results"]} == {board.days_left} == {-3}


def test_rows_name_the_members_without_a_report_with_the_counts(zone, admin_api):
    d1, d2, d3 = zone["departments"]
    missing_d1, missing_d3 = zone["missing"]
    body = _rows(admin_api)
    assert (body["next"], body["previous"]) == (None, None)
    first = body["results"][0]
    assert first == {
        "department": d1.pk,
        "department_code": "D1",
        "department_name": "D1局",
        "period": "2021-11",
        "members": 4,
        "reported": 2,
        "on_time": 1,
        "missing": [missing_d1[1].pk, missing_d1[0].pk],  # by name: A before B
        "missing_members": [
            {"enterprise": missing_d1[1].pk, "name": "A企业"},
            {"enterprise": missing_d1[0].pk, "name": "B企业"},
        ],
        "completeness": 0.5,
        "on_time_rate": 0.5,
        "deadline": "2021-12-05",
        "days_left": -3,
    }
    # Missing reports first, then by code.
    assert [row["department"] for row in body["results"]] == [d1.pk, d3.pk, d2.pk]
    d3_row, d2_row = body["results"][1:]
    assert (d3_row["missing"], d3_row["reported"], d3_row["on_time_rate"]) == (
        [missing_d3[0].pk],
        0,
        None,
    )
    assert (d2_row["missing"], d2_row["completeness"], d2_row["on_time_rate"]) == ([], 1.0, 1.0)


def test_days_left_count_down_to_the_deadline(zone, admin_api):
    with time_machine.travel(datetime.datetime(2021, 12, 1, 9, tzinfo=SHANGHAI), tick=False):
        assert _rows(admin_api)["results"][0]["days_left"] == 4


def test_the_board_pages_like_the_other_lists(zone, admin_api):
    d1, d2, d3 = zone["departments"]
    first = _rows(admin_api, page_size=2)
    assert first["count"] == 3
    assert [row["department"] for row in first["results"]] == [d1.pk, d3.pk]
    assert "page=2" in first["next"]
    second = _rows(admin_api, page_size=2, page=2)
    assert [row["department"] for row in second["results"]] == [d2.pk]
    assert admin_api.get(URL, {"period": "2021-11", "page": 9}).status_code == 404


def test_a_department_user_sees_their_own_department_only(zone):
    d1, d2, d3 = zone["departments"]
    clerk = user_with_role("department_user", official=OfficialFactory(department=d3))
    body = _rows(_api(clerk))
    assert [row["department"] for row in body["results"]] == [d3.pk]
    assert body["count"] == 1
    # The readers of the rankings see the dashboard's board: every department.
    for role in ("county_leader", "supervision_office", "economic_bureau"):
        assert _rows(_api(user_with_role(role)))["count"] == 3


def test_who_reads_neither_rankings_nor_reports_is_refused(zone):
    official = user_with_role(
        "official", official=OfficialFactory(department=zone["departments"][0])
    )
    assert _api(official).get(URL, {"period": "2021-11"}).status_code == 403
    assert APIClient().get(URL, {"period": "2021-11"}).status_code in (401, 403)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"period": ""},
        {"period": "2021-13"},
        {"period": "2021-1"},
        {"period": "11/2021"},
        {"period": "1999-12"},
        {"period": "2022-01"},  # has not begun on 8 December 2021
    ],
)
def test_a_missing_malformed_or_unstarted_period_is_a_400(zone, admin_api, params):
    response = admin_api.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == ["period"]


def test_the_current_month_is_shown_once_begun(zone, admin_api):
    body = _rows(admin_api, period="2021-12")
    assert body["results"][0]["days_left"] == 28  # due 5 January
    assert all(row["reported"] == 0 for row in body["results"])


def _department(code, *, missing):
    department = DepartmentFactory(code=code)
    _member(department, f"{code}按时", submitted=datetime.datetime(2021, 12, 1, tzinfo=SHANGHAI))
    for index in range(missing):
        _member(department, f"{code}未报{index}")
    return department


def test_the_same_queries_whatever_the_number_of_departments():
    clerk_department = _department("C00", missing=2)
    clerk = user_with_role("department_user", official=OfficialFactory(department=clerk_department))
    admin = user_with_role("administrator")

    def count(user) -> int:
        cache.clear()
        client = _api(get_user_model().objects.get(pk=user.pk))  # no permissions cached yet
        with CaptureQueriesContext(connection) as queries:
            body = _rows(client)
        assert body["results"]
        return len(queries)

    for index in range(2):
        _department(f"E{index:02d}", missing=index)
    small = [count(admin), count(clerk)]
    for index in range(2, 30):
        _department(f"E{index:02d}", missing=index % 4)
    large = [count(admin), count(clerk)]
    assert small == large
