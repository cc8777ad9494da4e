"""The enterprises resources of API v1: CRUD, filters, refusals and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.api.serializers import HTML_CUTOFF
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    MonthlyYtd,
    Official,
    Period,
    Problem,
    ProblemEvent,
    Target,
    Visit,
)
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    TargetFactory,
    UserFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
VALID_CODE = "91350100M000100Y43"


@pytest.fixture
def clerk_api():
    """A logged-in user with no model permission."""
    client = APIClient()
    client.force_authenticate(UserFactory(username="clerk"))
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def close(month):
    Period.objects.create(period=month, status="closed", closed_at=timezone.now())


# --- authentication ------------------------------------------------------------------------------

LISTS = [
    "departments",
    "officials",
    "enterprises",
    "assignments",
    "targets",
    "monthly-reports",
    "visits",
    "problems",
]


@pytest.mark.parametrize("resource", LISTS)
def test_anonymous_requests_are_refused_and_write_nothing(resource):
    client = APIClient()
    assert client.get(f"/api/v1/{resource}/").status_code in (401, 403)
    assert client.post(f"/api/v1/{resource}/", {"name": "x"}, format="json").status_code in (
        401,
        403,
    )
    assert client.get("/api/v1/chain-stats/", {"chain": "x"}).status_code in (401, 403)
    assert not Department.objects.exists()
    assert not Enterprise.objects.exists()


def test_reads_and_writes_need_the_model_permission(clerk_api):
    department = DepartmentFactory()
    assert clerk_api.get("/api/v1/departments/").status_code == 403
    assert clerk_api.get(f"/api/v1/departments/{department.pk}/").status_code == 403
    reader = APIClient()
    reader.force_authenticate(user_with_role("supervision_office"))
    assert reader.get("/api/v1/departments/").status_code == 200
    for client in (clerk_api, reader):
        response = client.post(
            "/api/v1/departments/", {"code": "X", "name": "X", "kind": "sponsor"}, format="json"
        )
        assert response.status_code == 403
        assert client.delete(f"/api/v1/departments/{department.pk}/").status_code == 403
    assert Department.objects.count() == 1


def test_unknown_objects_are_404(admin_api):
    for resource in LISTS:
        assert admin_api.get(f"/api/v1/{resource}/999999/").status_code == 404
        assert admin_api.get(f"/api/v1/{resource}/abc/").status_code == 404


# --- the worked example of docs/api.md -----------------------------------------------------------


def test_the_worked_example_of_the_guide(admin_api):
    def post(resource, data):
        response = admin_api.post(f"/api/v1/{resource}/", data, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    department = post("departments", {"code": "D01", "name": "工业园区管委会", "kind": "sponsor"})
    leader = post(
        "officials", {"name": "王县长", "department": department, "rank": "county_leader"}
    )
    staff = post("officials", {"name": "李干事", "department": department, "rank": "staff"})
    enterprise = post(
        "enterprises",
        {
            "credit_code": VALID_CODE,
            "name": "安康毛绒玩具有限公司",
            "chain": "毛绒玩具",
            "chain_role": "producer",
            "above_scale_years": [2021],
            "employees": 120,
            "poverty_employees": 18,
        },
    )
    post(
        "assignments",
        {
            "year": 2021,
            "enterprise": enterprise,
            "leader": leader,
            "department": department,
            "responsible": staff,
            "team": [staff],
        },
    )
    post(
        "targets",
        {"enterprise": enterprise, "year": 2021, "metric": "output_value", "value": "1200"},
    )
    post("monthly-reports", {"enterprise": enterprise, "period": "2021-11", "output_value": "1000"})
    ranking = admin_api.get("/api/v1/rankings/", {"period": "2021-11", "metric": "output_value"})
    [row] = ranking.json()["results"]
    assert row["department"] == department
    assert (row["target"], row["ytd"], row["rank"]) == ("1200.00", "1000.00", 1)
    assert row["completion_rate"] == pytest.approx(1000 / 1200)
    assert (row["lagging"], row["light"]) == (True, "yellow")
    assert (row["untargeted_members"], row["ytd_untargeted"]) == (0, "0.00")


# --- departments and officials -------------------------------------------------------------------


def test_department_crud_and_kind_filter(admin_api):
    response = admin_api.post(
        "/api/v1/departments/",
        {"code": "D01", "name": "工业园区管委会", "kind": "sponsor"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {"id": body["id"], "code": "D01", "name": "工业园区管委会", "kind": "sponsor"}
    url = f"/api/v1/departments/{body['id']}/"
    DepartmentFactory(kind="economic_bureau")
    assert ids(admin_api.get("/api/v1/departments/", {"kind": "sponsor"})) == [body["id"]]
    assert admin_api.get("/api/v1/departments/", {"kind": "nonsense"}).status_code == 400
    response = admin_api.patch(url, {"name": "园区管委会"}, format="json")
    assert response.json()["name"] == "园区管委会"
    assert admin_api.delete(url).status_code == 204
    assert not Department.objects.filter(pk=body["id"]).exists()


def test_a_department_in_use_is_not_deleted(admin_api):
    official = OfficialFactory()
    response = admin_api.delete(f"/api/v1/departments/{official.department_id}/")
    assert response.status_code == 409
    assert Department.objects.filter(pk=official.department_id).exists()


def test_bad_department_kind_is_400(admin_api):
    response = admin_api.post(
        "/api/v1/departments/", {"code": "D1", "name": "x", "kind": "ministry"}, format="json"
    )
    assert response.status_code == 400
    assert "kind" in response.json()
    assert not Department.objects.exists()


def test_official_crud_and_filters(admin_api):
    department = DepartmentFactory()
    user = UserFactory()
    response = admin_api.post(
        "/api/v1/officials/",
        {"name": "王县长", "department": department.pk, "rank": "county_leader", "user": user.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    leader = response.json()
    assert leader["department"] == department.pk
    assert leader["user"] == user.pk
    staff = OfficialFactory(department=department)
    other = OfficialFactory(rank="county_leader")
    assert ids(admin_api.get("/api/v1/officials/", {"department": department.pk})) == sorted(
        [leader["id"], staff.pk]
    )
    assert ids(admin_api.get("/api/v1/officials/", {"rank": "county_leader"})) == sorted(
        [leader["id"], other.pk]
    )
    assert ids(admin_api.get("/api/v1/officials/", {"search": "王县"})) == [leader["id"]]
    response = admin_api.patch(f"/api/v1/officials/{leader['id']}/", {"user": None}, format="json")
    assert response.json()["user"] is None
    assert admin_api.delete(f"/api/v1/officials/{staff.pk}/").status_code == 204


def test_second_department_head_is_refused(admin_api):
    head = OfficialFactory(rank="department_head")
    response = admin_api.post(
        "/api/v1/officials/",
        {"name": "李", "department": head.department_id, "rank": "department_head"},
        format="json",
    )
    assert response.status_code in (400, 409)
    assert Official.objects.count() == 1


# --- enterprises ---------------------------------------------------------------------------------


def test_enterprise_crud_with_above_scale_years(admin_api):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {
            "credit_code": VALID_CODE,
            "name": "安康毛绒玩具有限公司",
            "chain": "毛绒玩具",
            "chain_role": "producer",
            "above_scale_years": [2021, 2020, 2021],
            "employees": 120,
            "poverty_employees": 18,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["above_scale_years"] == [2020, 2021]
    assert body["credit_code"] == VALID_CODE
    enterprise = Enterprise.objects.get()
    assert sorted(enterprise.titles.values_list("title", "year")) == [
        ("above_scale", 2020),
        ("above_scale", 2021),
    ]
    url = f"/api/v1/enterprises/{enterprise.pk}/"
    EnterpriseTitleFactory(enterprise=enterprise, title="high_tech", year=2021)
    response = admin_api.patch(url, {"above_scale_years": [2021, 2022]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["above_scale_years"] == [2021, 2022]
    assert sorted(enterprise.titles.values_list("title", "year")) == [
        ("above_scale", 2021),
        ("above_scale", 2022),
        ("high_tech", 2021),
    ]
    response = admin_api.patch(url, {"name": "新名字"}, format="json")
    assert response.json()["above_scale_years"] == [2021, 2022]
    assert admin_api.get(url).json()["name"] == "新名字"
    assert admin_api.delete(url).status_code == 204
    assert not Enterprise.objects.exists()
    assert not EnterpriseTitle.objects.exists()


def test_enterprise_needs_only_the_contract_fields(admin_api):
    response = admin_api.post(
        "/api/v1/enterprises/", {"credit_code": VALID_CODE, "name": "甲公司"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["above_scale_years"] == []
    assert response.json()["chain"] == ""


def test_credit_code_is_normalised(admin_api):
    code = VALID_CODE.lower()
    spaced = f"{code[:6]} {code[6:]}"
    response = admin_api.post(
        "/api/v1/enterprises/", {"credit_code": spaced, "name": "甲"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == VALID_CODE


@pytest.mark.parametrize(
    "code", [VALID_CODE[:-1] + "X", VALID_CODE[:-1], "91350100M000100Y4I", "", None]
)
def test_bad_credit_code_is_400_and_writes_nothing(admin_api, code):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {"credit_code": code, "name": "甲", "above_scale_years": [2021]},
        format="json",
    )
    assert response.status_code == 400
    assert "credit_code" in response.json()
    assert not Enterprise.objects.exists()
    assert not EnterpriseTitle.objects.exists()


def test_wrong_check_digit_says_so(admin_api):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {"credit_code": VALID_CODE[:-1] + "X", "name": "甲"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["credit_code"]


def test_duplicate_credit_code_is_refused(admin_api):
    EnterpriseFactory(credit_code=VALID_CODE)
    response = admin_api.post(
        "/api/v1/enterprises/", {"credit_code": VALID_CODE, "name": "乙"}, format="json"
    )
    assert response.status_code in (400, 409)
    assert Enterprise.objects.count() == 1


def test_poverty_employees_cannot_exceed_employees(admin_api):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {"credit_code": VALID_CODE, "name": "甲", "employees": 5, "poverty_employees": 6},
        format="json",
    )
    assert response.status_code == 400
    assert "poverty_employees" in response.json()
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("chain_role", "president"),
        ("employees", -1),
        ("above_scale_years", [1999]),
        ("above_scale_years", "2021"),
    ],
)
def test_bad_enterprise_fields_are_400(admin_api, field, value):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {"credit_code": VALID_CODE, "name": "甲", field: value},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Enterprise.objects.exists()


def test_enterprise_filters(admin_api):
    toy = EnterpriseFactory(name="毛绒玩具甲", chain="毛绒玩具", chain_role="producer")
    wholesaler = EnterpriseFactory(name="批发乙", chain="毛绒玩具", chain_role="wholesaler")
    food = EnterpriseFactory(name="富硒食品丙", chain="富硒食品")
    EnterpriseTitleFactory(enterprise=toy, year=2021)
    EnterpriseTitleFactory(enterprise=food, year=2020)
    EnterpriseTitleFactory(enterprise=wholesaler, year=2021, title="high_tech")
    department, other = DepartmentFactory(), DepartmentFactory()
    AssignmentFactory(enterprise=toy, department=department, year=2021)
    AssignmentFactory(enterprise=food, department=department, year=2020)
    AssignmentFactory(enterprise=wholesaler, department=other, year=2021)

    def query(**params):
        return ids(admin_api.get("/api/v1/enterprises/", params))

    assert query(chain="毛绒玩具") == sorted([toy.pk, wholesaler.pk])
    assert query(chain_role="wholesaler") == [wholesaler.pk]
    assert query(above_scale_year=2021) == [toy.pk]
    assert query(department=department.pk) == sorted([toy.pk, food.pk])
    assert query(year=2021) == sorted([toy.pk, wholesaler.pk])
    assert query(department=department.pk, year=2021) == [toy.pk]
    assert query(department=other.pk, year=2020) == []
    assert query(search="富硒") == [food.pk]
    assert query(search=food.credit_code[-7:].lower()) == [food.pk]
    for bad in ({"year": "twenty"}, {"department": "x"}, {"chain_role": "king"}):
        response = admin_api.get("/api/v1/enterprises/", bad)
        assert response.status_code == 400
        assert next(iter(bad)) in response.json()


def test_chain_stats(admin_api):
    EnterpriseFactory(chain="毛绒玩具", chain_role="producer", employees=10, poverty_employees=2)
    EnterpriseFactory(chain="毛绒玩具", chain_role="producer", employees=5, poverty_employees=1)
    EnterpriseFactory(chain="毛绒玩具", employees=1)
    EnterpriseFactory(chain="富硒食品", chain_role="producer", employees=100)
    body = admin_api.get("/api/v1/chain-stats/", {"chain": "毛绒玩具"}).json()
    assert body["chain"] == "毛绒玩具"
    assert body["enterprises"] == 3
    assert body["employees"] == 16
    assert body["poverty_employees"] == 3
    assert body["by_role"]["producer"] == 2
    assert body["by_role"]["wholesaler"] == 0
    assert admin_api.get("/api/v1/chain-stats/").status_code == 400


# --- assignments ---------------------------------------------------------------------------------


@pytest.fixture
def people():
    department = DepartmentFactory()
    return {
        "department": department,
        "leader": CountyLeaderFactory(),
        "responsible": OfficialFactory(department=department),
        "member": OfficialFactory(department=department),
        "enterprise": EnterpriseFactory(),
    }


def assignment_payload(people, **overrides):
    return {
        "year": 2021,
        "enterprise": people["enterprise"].pk,
        "leader": people["leader"].pk,
        "department": people["department"].pk,
        "responsible": people["responsible"].pk,
        **overrides,
    }


def test_assignment_crud_with_team(admin_api, people):
    payload = assignment_payload(
        people,
        team=[people["responsible"].pk, people["member"].pk],
        plan_goals="年产值突破1亿元",
        plan_deadline="2021-12-31",
    )
    response = admin_api.post("/api/v1/assignments/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(body["team"]) == sorted(payload["team"])
    assert body["plan_deadline"] == "2021-12-31"
    assert body["plan_standards"] == ""
    url = f"/api/v1/assignments/{body['id']}/"
    response = admin_api.patch(url, {"team": [people["member"].pk]}, format="json")
    assert response.json()["team"] == [people["member"].pk]
    assert list(Assignment.objects.get().team.all()) == [people["member"]]
    assert admin_api.get(url).json()["team"] == [people["member"].pk]
    assert admin_api.delete(url).status_code == 204
    assert not Assignment.objects.exists()


def test_assignment_needs_only_the_contract_fields(admin_api, people):
    response = admin_api.post("/api/v1/assignments/", assignment_payload(people), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["team"] == []


def test_leader_who_is_not_county_level_is_refused(admin_api, people):
    payload = assignment_payload(people, leader=people["member"].pk, team=[people["member"].pk])
    response = admin_api.post("/api/v1/assignments/", payload, format="json")
    assert response.status_code == 400
    assert "leader" in response.json()
    assert not Assignment.objects.exists()
    assert not Assignment.team.through.objects.exists()


def test_second_assignment_for_the_same_enterprise_and_year_is_refused(admin_api, people):
    AssignmentFactory(enterprise=people["enterprise"], year=2021)
    response = admin_api.post("/api/v1/assignments/", assignment_payload(people), format="json")
    assert response.status_code in (400, 409)
    assert Assignment.objects.count() == 1


def test_assignment_filters(admin_api, people):
    first = AssignmentFactory(year=2021, department=people["department"], leader=people["leader"])
    second = AssignmentFactory(year=2020, enterprise=first.enterprise)
    third = AssignmentFactory(year=2021)

    def query(**params):
        return ids(admin_api.get("/api/v1/assignments/", params))

    assert query(year=2021) == sorted([first.pk, third.pk])
    assert query(department=people["department"].pk) == [first.pk]
    assert query(leader=people["leader"].pk) == [first.pk]
    assert query(enterprise=first.enterprise_id) == sorted([first.pk, second.pk])
    assert admin_api.get("/api/v1/assignments/", {"leader": 999999}).status_code == 400


# --- targets -------------------------------------------------------------------------------------


def test_target_crud(admin_api):
    enterprise = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/targets/",
        {"enterprise": enterprise.pk, "year": 2021, "metric": "output_value", "value": "1200"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value"] == "1200.00"
    url = f"/api/v1/targets/{body['id']}/"
    assert admin_api.patch(url, {"value": "1300.5"}, format="json").json()["value"] == "1300.50"
    assert Target.objects.get().value == Decimal("1300.50")
    assert admin_api.delete(url).status_code == 204


def test_duplicate_target_is_refused(admin_api):
    target = TargetFactory()
    response = admin_api.post(
        "/api/v1/targets/",
        {"enterprise": target.enterprise_id, "year": 2021, "metric": "output_value", "value": "1"},
        format="json",
    )
    assert response.status_code in (400, 409)
    assert Target.objects.count() == 1


@pytest.mark.parametrize(
    "field, value", [("value", "-1"), ("value", "1.234"), ("metric", "investment"), ("year", 1999)]
)
def test_bad_target_is_400(admin_api, field, value):
    payload = {"enterprise": EnterpriseFactory().pk, "year": 2021, "metric": "tax", "value": "5"}
    response = admin_api.post("/api/v1/targets/", {**payload, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Target.objects.exists()


def test_target_filters(admin_api):
    first = TargetFactory(year=2021, metric="output_value")
    second = TargetFactory(year=2020, metric="tax", enterprise=first.enterprise)
    third = TargetFactory(year=2021, metric="tax")

    def query(**params):
        return ids(admin_api.get("/api/v1/targets/", params))

    assert query(enterprise=first.enterprise_id) == sorted([first.pk, second.pk])
    assert query(year=2021) == sorted([first.pk, third.pk])
    assert query(metric="tax") == sorted([second.pk, third.pk])


# --- monthly reports -----------------------------------------------------------------------------

FIGURES = {
    "output_value": "1100.50",
    "value_added": "280",
    "revenue": "1050",
    "profit": "-12.3",
    "tax": "35",
    "employees": 120,
    "wages": "60",
    "electricity": "15.2",
}


def test_monthly_report_crud_keeps_the_rollup(admin_api):
    enterprise = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/monthly-reports/",
        {"enterprise": enterprise.pk, "period": "2021-11", **FIGURES},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["period"] == "2021-11"
    assert body["output_value"] == "1100.50"
    assert body["profit"] == "-12.30"
    assert body["employees"] == 120
    assert body["status"] == "open"
    assert MonthlyYtd.objects.get(enterprise=enterprise, period=NOV).output_value == Decimal(
        "1100.50"
    )
    url = f"/api/v1/monthly-reports/{body['id']}/"
    response = admin_api.patch(url, {"output_value": "900"}, format="json")
    assert response.status_code == 200, response.content
    assert MonthlyYtd.objects.get(enterprise=enterprise, period=NOV).output_value == 900
    assert MonthlyYtd.objects.get(enterprise=enterprise, period=datetime.date(2021, 12, 1))
    response = admin_api.patch(url, {"status": "locked"}, format="json")
    assert response.json()["status"] == "open"
    assert admin_api.delete(url).status_code == 204
    assert not MonthlyReport.objects.exists()
    assert not MonthlyYtd.objects.exists()


def test_monthly_report_needs_only_enterprise_and_period(admin_api):
    enterprise = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/monthly-reports/",
        {"enterprise": enterprise.pk, "period": "2021-11"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["output_value"] == "0.00"


def test_duplicate_monthly_report_is_refused(admin_api):
    report = MonthlyReportFactory(output_value=Decimal("100"))
    response = admin_api.post(
        "/api/v1/monthly-reports/",
        {"enterprise": report.enterprise_id, "period": "2021-11", "output_value": "5"},
        format="json",
    )
    assert response.status_code in (400, 409)
    assert MonthlyReport.objects.count() == 1
    assert MonthlyReport.objects.get().output_value == 100
    assert MonthlyYtd.objects.get(period=NOV).output_value == 100


@pytest.mark.parametrize(
    "field, value",
    [
        ("output_value", "-1"),
        ("tax", "-0.01"),
        ("employees", -3),
        ("period", "2021-13"),
        ("period", "2021-1"),
        ("period", "November"),
        ("period", 202111),
        ("revenue", "1e400"),
        ("wages", "123456789012345.00"),
    ],
)
def test_bad_monthly_report_is_400_and_writes_nothing(admin_api, field, value):
    payload = {"enterprise": EnterpriseFactory().pk, "period": "2021-11", field: value}
    response = admin_api.post("/api/v1/monthly-reports/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not MonthlyReport.objects.exists()
    assert not MonthlyYtd.objects.exists()


def test_writes_into_a_closed_month_are_409_and_say_so(admin_api):
    report = MonthlyReportFactory(output_value=Decimal("100"))
    close(NOV)
    other = EnterpriseFactory()
    response = admin_api.post(
        "/api/v1/monthly-reports/",
        {"enterprise": other.pk, "period": "2021-11", "output_value": "5"},
        format="json",
    )
    assert response.status_code == 409
    assert "已关账" in response.json()["period"][0]
    url = f"/api/v1/monthly-reports/{report.pk}/"
    response = admin_api.patch(url, {"output_value": "1"}, format="json")
    assert response.status_code == 409
    response = admin_api.patch(url, {"period": "2021-10"}, format="json")
    assert response.status_code == 409
    assert admin_api.delete(url).status_code == 409
    assert list(MonthlyReport.objects.values_list("enterprise", "period", "output_value")) == [
        (report.enterprise_id, NOV, Decimal("100.00"))
    ]
    # Moving a report of an open month into the closed one is refused too.
    october = MonthlyReportFactory(period=datetime.date(2021, 10, 1))
    response = admin_api.patch(
        f"/api/v1/monthly-reports/{october.pk}/", {"period": "2021-11"}, format="json"
    )
    assert response.status_code == 409
    october.refresh_from_db()
    assert october.period == datetime.date(2021, 10, 1)


def test_monthly_report_filters(admin_api):
    department = DepartmentFactory()
    assignment = AssignmentFactory(department=department, year=2021)
    first = MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV)
    earlier = MonthlyReportFactory(
        enterprise=assignment.enterprise, period=datetime.date(2020, 11, 1)
    )
    other = MonthlyReportFactory(period=NOV)
    october = MonthlyReportFactory(enterprise=other.enterprise, period=datetime.date(2021, 10, 1))

    def query(**params):
        return ids(admin_api.get("/api/v1/monthly-reports/", params))

    assert query(enterprise=assignment.enterprise_id) == sorted([first.pk, earlier.pk])
    assert query(period="2021-11") == sorted([first.pk, other.pk])
    assert query(department=department.pk) == [first.pk]
    assert query(year=2021) == sorted([first.pk, other.pk, october.pk])
    assert query(status="open") == sorted([first.pk, earlier.pk, other.pk, october.pk])
    for bad in ("2021-13", "2021-1", "x", "1999-01"):
        response = admin_api.get("/api/v1/monthly-reports/", {"period": bad})
        assert response.status_code == 400
        assert "period" in response.json()


# --- visits --------------------------------------------------------------------------------------


def test_administrator_logs_any_visit(admin_api):
    enterprise = EnterpriseFactory()
    first, second = OfficialFactory(), OfficialFactory()
    today = timezone.localdate()
    response = admin_api.post(
        "/api/v1/visits/",
        {
            "enterprise": enterprise.pk,
            "visited_on": today.isoformat(),
            "participants": [first.pk, second.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "routine"
    assert sorted(body["participants"]) == sorted([first.pk, second.pk])
    visit = Visit.objects.get()
    assert visit.created_by.username == "admin"
    assert admin_api.get(f"/api/v1/visits/{visit.pk}/").json() == body
    assert admin_api.put(f"/api/v1/visits/{visit.pk}/", body, format="json").status_code == 405
    corrected = admin_api.patch(f"/api/v1/visits/{visit.pk}/", {"notes": "x"}, format="json")
    assert corrected.status_code == 200, corrected.content
    assert corrected.json() == {**body, "notes": "x"}


def test_an_official_logs_visits_to_the_enterprises_of_their_assignments():
    official = OfficialFactory()
    user = user_with_role("official", official=official)
    today = timezone.localdate()
    assignment = AssignmentFactory(year=today.year, responsible=official)
    stranger = EnterpriseFactory()
    client = APIClient()
    client.force_authenticate(user)
    payload = {"visited_on": today.isoformat(), "participants": [official.pk]}
    response = client.post("/api/v1/visits/", {**payload, "enterprise": stranger.pk}, format="json")
    assert response.status_code == 400
    assert "enterprise" in response.json()
    assert not Visit.objects.exists()
    response = client.post(
        "/api/v1/visits/", {**payload, "enterprise": assignment.enterprise_id}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"visited_on": "tomorrow"}, "visited_on"),
        ({"participants": []}, "participants"),
        ({"participants": [999999]}, "participants"),
        ({"kind": "leisure"}, "kind"),
        ({"enterprise": None}, "enterprise"),
    ],
)
def test_bad_visit_is_400_and_writes_nothing(admin_api, overrides, field):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    payload = {
        "enterprise": EnterpriseFactory().pk,
        "visited_on": timezone.localdate().isoformat(),
        "participants": [OfficialFactory().pk],
        **overrides,
    }
    if payload["visited_on"] == "tomorrow":
        payload["visited_on"] = tomorrow.isoformat()
    response = admin_api.post("/api/v1/visits/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Visit.objects.exists()


def test_visit_filters(admin_api):
    official = OfficialFactory()
    first = VisitFactory(visited_on=datetime.date(2021, 11, 10))
    first.participants.add(official, OfficialFactory())
    second = VisitFactory(visited_on=datetime.date(2021, 12, 1), enterprise=first.enterprise)
    second.participants.add(official)
    third = VisitFactory(visited_on=datetime.date(2021, 10, 1), kind="emergency")

    def query(**params):
        return ids(admin_api.get("/api/v1/visits/", params))

    assert query(enterprise=first.enterprise_id) == sorted([first.pk, second.pk])
    assert query(official=official.pk) == sorted([first.pk, second.pk])
    assert query(date_from="2021-11-10") == sorted([first.pk, second.pk])
    assert query(date_to="2021-11-10") == sorted([first.pk, third.pk])
    assert query(date_from="2021-11-01", date_to="2021-11-30") == [first.pk]
    assert query(kind="emergency") == [third.pk]
    assert admin_api.get("/api/v1/visits/", {"date_from": "2021-13-01"}).status_code == 400


# --- problems ------------------------------------------------------------------------------------


def test_problem_is_raised_and_assigned_at_once(admin_api):
    enterprise, department = EnterpriseFactory(), DepartmentFactory()
    today = timezone.localdate()
    response = admin_api.post(
        "/api/v1/problems/",
        {
            "enterprise": enterprise.pk,
            "category": "land",
            "description": "用地手续未办结",
            "department": department.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "assigned"
    assert body["raised_on"] == today.isoformat()
    assert body["due_on"] == (today + datetime.timedelta(days=7)).isoformat()
    assert body["overdue"] is False
    assert "note" not in body
    assert list(ProblemEvent.objects.values_list("action", flat=True)) == ["raised", "assigned"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"description": " "}, "description"),
        ({"category": "weather"}, "category"),
        ({"raised_on": "2999-01-01"}, "raised_on"),
        ({"status": "resolved"}, "status"),
        ({"resolution": "done"}, "resolution"),
    ],
)
def test_bad_problem_is_400_and_writes_nothing(admin_api, overrides, field):
    payload = {"enterprise": EnterpriseFactory().pk, "category": "land", "description": "x"}
    response = admin_api.post("/api/v1/problems/", {**payload, **overrides}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Problem.objects.exists()
    assert not ProblemEvent.objects.exists()


def test_an_uninvolved_user_cannot_raise_a_problem(clerk_api):
    response = clerk_api.post(
        "/api/v1/problems/",
        {"enterprise": EnterpriseFactory().pk, "category": "land", "description": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert not Problem.objects.exists()


def test_problem_workflow_through_patch(admin_api):
    department = DepartmentFactory()
    response = admin_api.post(
        "/api/v1/problems/",
        {"enterprise": EnterpriseFactory().pk, "category": "land", "description": "用地"},
        format="json",
    )
    url = f"/api/v1/problems/{response.json()['id']}/"
    assert response.json()["status"] == "open"

    def patch(data, status=200):
        response = admin_api.patch(url, data, format="json")
        assert response.status_code == status, response.content
        return response.json()

    # Confirming an open problem is an illegal transition.
    assert "status" in patch({"status": "resolved", "satisfaction": 5}, status=400)
    assert patch({"status": "open"})["status"] == "open"
    assert patch({"department": department.pk})["status"] == "assigned"
    assert patch({"status": "in_progress", "note": "已协调"})["status"] == "in_progress"
    solved = patch({"status": "solved", "resolution": "手续已办结"})
    assert solved["status"] == "solved"
    assert solved["resolution"] == "手续已办结"
    # An unconfirmed solution goes back to the department.
    back = patch({"status": "in_progress", "note": "仍未办结"})
    assert back["status"] == "in_progress"
    assert back["resolution"] == ""
    patch({"resolution": "手续已全部办结", "status": "solved"})
    assert "satisfaction" in patch({"status": "resolved", "satisfaction": 9}, status=400)
    resolved = patch({"status": "resolved", "satisfaction": 5})
    assert resolved["status"] == "resolved"
    assert resolved["satisfaction"] == 5
    assert resolved["resolved_on"] == timezone.localdate().isoformat()
    assert "status" in patch({"status": "in_progress", "note": "again"}, status=400)
    assert list(ProblemEvent.objects.order_by("at", "id").values_list("action", flat=True)) == [
        "raised",
        "assigned",
        "feedback",
        "solved",
        "rejected",
        "solved",
        "confirmed",
    ]


def test_problem_steps_of_one_request_are_all_or_nothing(admin_api):
    problem = ProblemFactory(raised_on=timezone.localdate())
    department = DepartmentFactory()
    response = admin_api.patch(
        f"/api/v1/problems/{problem.pk}/",
        {"department": department.pk, "status": "resolved", "satisfaction": 5},
        format="json",
    )
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.status == "open"
    assert problem.department is None
    assert not ProblemEvent.objects.exists()


def test_illegal_problem_transitions_are_400(admin_api):
    problem = ProblemFactory(raised_on=timezone.localdate(), status="open")
    url = f"/api/v1/problems/{problem.pk}/"
    for data in (
        {"status": "solved", "resolution": "x"},
        {"status": "in_progress", "note": "x"},
        {"status": "assigned"},
    ):
        response = admin_api.patch(url, data, format="json")
        assert response.status_code == 400, data
    problem.refresh_from_db()
    assert problem.status == "open"
    assert not ProblemEvent.objects.exists()


def test_problem_steps_need_the_right_person(clerk_api):
    problem = ProblemFactory(raised_on=timezone.localdate())
    department = DepartmentFactory()
    response = clerk_api.patch(
        f"/api/v1/problems/{problem.pk}/", {"department": department.pk}, format="json"
    )
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.department is None


def test_problem_fields_set_when_raised_do_not_change(admin_api):
    problem = ProblemFactory(raised_on=timezone.localdate())
    response = admin_api.patch(
        f"/api/v1/problems/{problem.pk}/", {"description": "改了"}, format="json"
    )
    assert response.status_code == 200
    problem.refresh_from_db()
    assert problem.description == "用地手续未办结"


def test_problem_filters(admin_api):
    today = timezone.localdate()
    department = DepartmentFactory()
    late = ProblemFactory(raised_on=today - datetime.timedelta(days=30))
    fresh = ProblemFactory(
        raised_on=today,
        department=department,
        assigned_on=today,
        status="assigned",
        enterprise=late.enterprise,
    )
    done = ProblemFactory(
        raised_on=today - datetime.timedelta(days=30),
        status="resolved",
        resolution="ok",
        resolved_on=today,
        satisfaction=4,
    )

    def query(**params):
        return ids(admin_api.get("/api/v1/problems/", params))

    assert query(enterprise=late.enterprise_id) == sorted([late.pk, fresh.pk])
    assert query(department=department.pk) == [fresh.pk]
    assert query(status="resolved") == [done.pk]
    assert query(overdue="true") == [late.pk]
    assert query(overdue="false") == sorted([fresh.pk, done.pk])
    listed = admin_api.get("/api/v1/problems/").json()["results"]
    assert listed[0]["id"] == late.pk
    assert listed[0]["overdue"] is True


# --- query counts --------------------------------------------------------------------------------


def _departments(n):
    DepartmentFactory.create_batch(n)


def _officials(n):
    OfficialFactory.create_batch(n)


def _enterprises(n):
    for enterprise in EnterpriseFactory.create_batch(n):
        EnterpriseTitleFactory(enterprise=enterprise, year=2020)
        EnterpriseTitleFactory(enterprise=enterprise, year=2021)


def _assignments(n):
    for assignment in AssignmentFactory.create_batch(n):
        assignment.team.add(assignment.responsible, OfficialFactory())


def _targets(n):
    TargetFactory.create_batch(n)


def _monthly_reports(n):
    MonthlyReportFactory.create_batch(n)


def _visits(n):
    for visit in VisitFactory.create_batch(n):
        visit.participants.add(OfficialFactory(), OfficialFactory())


def _problems(n):
    ProblemFactory.create_batch(n, department=DepartmentFactory())


@pytest.mark.parametrize(
    "resource, make",
    [
        ("departments", _departments),
        ("officials", _officials),
        ("enterprises", _enterprises),
        ("assignments", _assignments),
        ("targets", _targets),
        ("monthly-reports", _monthly_reports),
        ("visits", _visits),
        ("problems", _problems),
    ],
)
def test_lists_run_the_same_queries_for_2_and_40_rows(admin_api, resource, make):
    counts = []
    for size, more in ((2, 2), (40, 38)):
        make(more)
        with CaptureQueriesContext(connection) as queries:
            response = admin_api.get(f"/api/v1/{resource}/", {"page_size": 1000})
        assert response.status_code == 200
        assert response.json()["count"] >= size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_browsable_api_types_large_foreign_keys_in_as_ids(client):
    EnterpriseFactory.create_batch(3)
    department = DepartmentFactory()
    OfficialFactory.create_batch(HTML_CUTOFF + 5, department=department)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    html = client.get("/api/v1/monthly-reports/", HTTP_ACCEPT="text/html").content.decode()
    assert '<input name="enterprise" class="form-control" type="number"' in html
    assert "有限公司" not in html
    html = client.get("/api/v1/assignments/", HTTP_ACCEPT="text/html").content.decode()
    assert '<input name="leader" class="form-control" type="number"' in html
    assert html.count("<option") <= HTML_CUTOFF + 2 * 20


def test_a_problem_raised_weeks_ago_answers_overdue_on_create_as_the_list_does(admin_api):
    enterprise, department = EnterpriseFactory(), DepartmentFactory()
    raised_on = timezone.localdate() - datetime.timedelta(days=30)
    response = admin_api.post(
        "/api/v1/problems/",
        {
            "enterprise": enterprise.pk,
            "category": "land",
            "description": "用地手续未办结",
            "department": department.pk,
            "raised_on": raised_on.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["overdue"] is True
    listed = admin_api.get(f"/api/v1/problems/{created['id']}/").json()
    assert listed["overdue"] is True and listed["due_on"] == created["due_on"]
