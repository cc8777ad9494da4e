"""The computed endpoints of api.md and the supervision notices."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enterprises.models import Period, PeriodEvent
from hengkou.models import NoticeEvent, SupervisionNotice
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)


def _department(code, *, target, ytd, previous=None):
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal(target))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal(ytd))
    if previous is not None:
        MonthlyReportFactory(
            enterprise=assignment.enterprise,
            period=datetime.date(2020, 11, 1),
            output_value=Decimal(previous),
        )
    return department


@pytest.fixture
def zone():
    return [
        _department("D1", target="123", ytd="100", previous="50"),
        _department("D2", target="1200", ytd="1150"),
        _department("D3", target="1200", ytd="100"),
    ]


def test_ranking_matches_the_contract(admin_api, zone):
    response = admin_api.get("/api/v1/rankings/", {"period": "2021-11", "metric": "output_value"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2021-11"
    assert body["metric"] == "output_value"
    assert body["closed"] is False
    assert body["time_progress"] == pytest.approx(11 / 12, rel=1e-9)
    assert [row["department"] for row in body["results"]] == [zone[1].pk, zone[0].pk, zone[2].pk]
    second = body["results"][1]
    assert second == {
        "department": zone[0].pk,
        "department_name": "D1局",
        "members": 1,
        "target": "123.00",
        "ytd": "100.00",
        "ytd_targeted": "100.00",
        "completion_rate": pytest.approx(100 / 123, rel=1e-9),
        "gap": pytest.approx(100 / 123 - 11 / 12, rel=1e-9),
        "yoy_growth": pytest.approx(1.0),
        "untargeted_members": 0,
        "ytd_untargeted": "0.00",
        "completeness": 1.0,
        "rank": 2,
        "lagging": True,
        "light": "red",  # gap −0.1037: more than ten points behind time progress
    }


def test_a_ranking_row_shows_its_members_without_a_target_apart(admin_api, zone):
    without = AssignmentFactory(department=zone[0], year=2021)
    MonthlyReportFactory(
        enterprise=without.enterprise, period=datetime.date(2021, 11, 1), output_value=30
    )
    response = admin_api.get("/api/v1/rankings/", {"period": "2021-11", "metric": "output_value"})
    (row,) = [row for row in response.json()["results"] if row["department"] == zone[0].pk]
    assert (row["members"], row["untargeted_members"]) == (2, 1)
    assert (row["ytd"], row["ytd_targeted"], row["ytd_untargeted"]) == ("130.00", "100.00", "30.00")
    assert row["completion_rate"] == pytest.approx(100 / 123, rel=1e-9)  # ytd_targeted / target


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "2021-13", "metric": "output_value"}, "period"),
        ({"period": "2021-11", "metric": "happiness"}, "metric"),
        ({"metric": "output_value"}, "period"),
        ({"period": "November"}, "period"),
    ],
)
def test_bad_ranking_queries_are_400_naming_the_field(admin_api, query, field):
    response = admin_api.get("/api/v1/rankings/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_anonymous_requests_are_refused():
    client = APIClient()
    for url in (
        "/api/v1/rankings/?period=2021-11&metric=output_value",
        "/api/v1/zone-stats/?period=2021-11",
    ):
        assert client.get(url).status_code in (401, 403)
    assert client.post("/api/v1/periods/2021-11/close/").status_code in (401, 403)
    assert Period.objects.count() == 0


def test_token_authentication():
    user = user_with_role("economic_bureau")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/zone-stats/", {"period": "2021-11"}).status_code == 200


def test_zone_stats(admin_api, zone):
    body = admin_api.get("/api/v1/zone-stats/", {"period": "2021-11"}).json()
    assert body == {
        "period": "2021-11",
        "above_scale_output": "0.00",
        "above_scale_output_yoy": None,
        "investment": "0.00",
        "investment_yoy": None,
        "tech_investment": "0.00",
        "tech_investment_yoy": None,
        "enterprises": 3,
        "above_scale_enterprises": 0,
    }
    assert admin_api.get("/api/v1/zone-stats/", {"period": "2021-00"}).status_code == 400


def test_close_returns_the_notices_and_repeating_it_issues_nothing(admin_api, zone):
    response = admin_api.post("/api/v1/periods/2021-11/close/")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2021-11"
    assert body["closed_at"]
    assert [(n["department"], n["metric"], n["status"]) for n in body["notices"]] == [
        (zone[0].pk, "output_value", "issued"),
        (zone[2].pk, "output_value", "issued"),
    ]
    again = admin_api.post("/api/v1/periods/2021-11/close/")
    assert again.json() == body
    assert SupervisionNotice.objects.count() == 2

    ranking = admin_api.get("/api/v1/rankings/", {"period": "2021-11", "metric": "output_value"})
    assert ranking.json()["closed"] is True


def test_close_needs_the_permission_and_a_valid_period(zone):
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.post("/api/v1/periods/2021-11/close/").status_code == 403
    client.force_authenticate(user_with_role("supervision_office"))
    assert client.post("/api/v1/periods/2021-11/close/").status_code == 403
    assert Period.objects.count() == 0
    client.force_authenticate(UserFactory(is_superuser=True))
    response = client.post("/api/v1/periods/2021-13/close/")
    assert response.status_code == 400
    assert "period" in response.json()
    assert Period.objects.count() == 0


def test_reopen_needs_an_administrator_and_a_reason(admin_api, zone):
    admin_api.post("/api/v1/periods/2021-11/close/")
    clerk = APIClient()
    clerk.force_authenticate(UserFactory())
    assert clerk.post("/api/v1/periods/2021-11/reopen/", {"reason": "x"}).status_code == 403
    clerk.force_authenticate(user_with_role("economic_bureau"))
    assert clerk.post("/api/v1/periods/2021-11/reopen/", {"reason": "x"}).status_code == 403
    response = admin_api.post("/api/v1/periods/2021-11/reopen/", {})
    assert response.status_code == 400
    assert "reason" in response.json()
    response = admin_api.post("/api/v1/periods/2021-11/reopen/", {"reason": "数据更正"})
    assert response.json() == {"period": "2021-11", "status": "open"}
    assert PeriodEvent.objects.get(action="reopen").reason == "数据更正"
    assert admin_api.post("/api/v1/periods/2021-10/reopen/", {"reason": "x"}).status_code == 400


def test_notice_is_responded_then_closed_and_each_step_is_kept(admin_api, zone):
    admin_api.post("/api/v1/periods/2021-11/close/")
    notice = SupervisionNotice.objects.get(department=zone[2])
    url = f"/api/v1/supervision-notices/{notice.pk}/"

    response = admin_api.patch(url, {"status": "closed"}, format="json")
    assert response.status_code == 400
    response = admin_api.patch(url, {"status": "responded", "response": " "}, format="json")
    assert response.status_code == 400
    assert "response" in response.json()
    notice.refresh_from_db()
    assert notice.status == "issued"

    response = admin_api.patch(
        url, {"status": "responded", "response": "已约谈企业，制定追赶计划"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "responded"
    response = admin_api.patch(url, {"status": "closed"}, format="json")
    assert response.json()["status"] == "closed"
    assert list(NoticeEvent.objects.filter(notice=notice).values_list("status", flat=True)) == [
        "issued",
        "responded",
        "closed",
    ]
    response = admin_api.patch(url, {"status": "issued"}, format="json")
    assert response.status_code == 400


def test_notice_filters(admin_api, zone):
    admin_api.post("/api/v1/periods/2021-11/close/")
    SupervisionNotice.objects.filter(department=zone[0]).update(due_on=datetime.date(2021, 1, 1))
    list_url = "/api/v1/supervision-notices/"
    assert admin_api.get(list_url).json()["count"] == 2
    assert admin_api.get(list_url, {"department": zone[2].pk}).json()["count"] == 1
    assert admin_api.get(list_url, {"period": "2021-11"}).json()["count"] == 2
    assert admin_api.get(list_url, {"period": "2021-10"}).json()["count"] == 0
    overdue = admin_api.get(list_url, {"status": "overdue"}).json()
    assert [n["department"] for n in overdue["results"]] == [zone[0].pk]
    assert overdue["results"][0]["overdue"] is True
    assert admin_api.get(list_url, {"status": "issued"}).json()["count"] == 2
    assert admin_api.get(list_url, {"period": "2021-13"}).status_code == 400


def test_ranking_and_notices_run_the_same_queries_at_two_sizes(admin_api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert admin_api.get(url).status_code == 200
        return len(queries)

    def measure():
        ranking = "/api/v1/rankings/?period=2021-11&metric=output_value"
        live = [count(ranking), count("/api/v1/zone-stats/?period=2021-11")]
        assert admin_api.post("/api/v1/periods/2021-11/close/").status_code == 200
        closed = [count(ranking), count("/api/v1/supervision-notices/")]
        Period.objects.all().delete()
        SupervisionNotice.objects.all().delete()
        return live + closed

    for index in range(2):
        _department(f"E{index:03d}", target="1200", ytd="10")
    small = measure()
    for index in range(2, 40):
        _department(f"E{index:03d}", target="1200", ytd="10")
    large = measure()
    assert small == large


def test_visit_compliance_endpoint(admin_api):
    from tests.factories import OfficialFactory, VisitFactory

    assignment = AssignmentFactory(year=2021)
    head = OfficialFactory(department=assignment.department, rank="department_head")
    visit = VisitFactory(enterprise=assignment.enterprise, visited_on=datetime.date(2021, 11, 30))
    visit.participants.add(head, assignment.responsible)
    body = admin_api.get("/api/v1/visit-compliance/", {"period": "2021-11"}).json()
    lines = {line["duty"]: line for line in body["results"]}
    assert lines["head_monthly"] == {
        "assignment": assignment.pk,
        "enterprise": assignment.enterprise.pk,
        "official": head.pk,
        "duty": "head_monthly",
        "required": 1,
        "met": 1,
        "missed": 0,
        "due": 0,
    }
    # 30 November belongs to the week of Thursday 2 December.
    assert (lines["responsible_weekly"]["met"], lines["responsible_weekly"]["missed"]) == (0, 4)
    assert body["departments"] == [
        {
            "department": assignment.department.pk,
            "met": 1,
            "missed": 4,
            "due": 0,
            "ended": 5,
            "compliance": pytest.approx(0.2),
        }
    ]
    assert admin_api.get("/api/v1/visit-compliance/", {"period": "x"}).status_code == 400
