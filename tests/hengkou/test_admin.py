import datetime
import re

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import (
    ChainYear,
    Cultivation,
    Enterprise,
    Loan,
    Matchmaking,
    Milestone,
    NewInvestor,
    PromotionEvent,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
    ZoneStanding,
)
from projects.models import (
    FundingApplication,
    Project,
    ProjectEvaluation,
    ProjectInspection,
    StageMove,
)
from projects.services import move_project_stage
from tests.factories import (
    AssignmentFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    TargetFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in site._registry
    if model._meta.app_label in {"enterprises", "projects"}
)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="clerk", is_staff=True, is_superuser=True))
    return client


def build_world(size):
    """Create ``size`` sponsored enterprises, each with a row of every domain model."""
    for index in range(size):
        assignment = AssignmentFactory(enterprise__chain="毛绒玩具")
        assignment.team.add(
            assignment.responsible, OfficialFactory(department=assignment.department)
        )
        enterprise = assignment.enterprise
        EnterpriseTitleFactory(enterprise=enterprise)
        visit = VisitFactory(enterprise=enterprise)
        visit.participants.add(assignment.leader, assignment.responsible)
        ProblemFactory(enterprise=enterprise, visit=visit, department=assignment.department)
        TargetFactory(enterprise=enterprise)
        MonthlyReportFactory(enterprise=enterprise)
        project = ProjectFactory(enterprise=enterprise)
        move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 1, 5))
        ProjectPlanFactory(
            project=project, leader=assignment.leader, department=assignment.department
        )
        ProjectReportFactory(project=project, percent_complete=index % 100)
        ProjectInspection.objects.create(
            project=project,
            year=2021,
            half=1,
            inspected_on=datetime.date(2021, 6, 18),
            findings="进度正常",
            rating=80,
        )
        ProjectEvaluation.objects.create(project=project, year=2021, proposed_grade="good")
        build_zone_records(enterprise, project, key=assignment.pk)


def build_zone_records(enterprise, project, *, key):
    """Create one record of each of the article's other kinds, named after ``key``."""
    day = datetime.date(2021, 5, 1)
    Cultivation.objects.create(
        enterprise=enterprise, title="high_tech", year=2021, status="candidate", identified_on=day
    )
    FundingApplication.objects.create(
        programme="陕南发展专项",
        year=2021,
        project=project,
        enterprise=enterprise,
        status="approved",
        requested=100,
        approved=80,
        received=60,
    )
    meeting = Matchmaking.objects.create(held_on=day, title=f"对接会{key}", banks="工行")
    meeting.enterprises.add(enterprise)
    Loan.objects.create(
        enterprise=enterprise,
        bank="工行",
        amount=100,
        granted_on=day,
        term_months=12,
        matchmaking=meeting,
    )
    SafetyInspection.objects.create(inspected_on=day, kind="scheduled", enterprise=enterprise)
    SafetyActivity.objects.create(kind="training", held_on=day, title=f"培训{key}")
    StandardFactory.objects.create(
        park="园区", building=f"{key}#", area=1000, year_built=2021, occupant=enterprise
    )
    ServiceFacility.objects.create(name=f"中心{key}", kind="service_centre", year=2021)
    NewInvestor.objects.create(enterprise=enterprise, year=2021, investment=1500)
    build_zone_facts(enterprise, key=key)


def build_zone_facts(enterprise, *, key):
    """Create one milestone, promotion event, chain year and standing, named after ``key``."""
    day = datetime.date(2021, 5, 1)
    milestone = Milestone.objects.create(happened_on=day, kind="platform", title=f"平台{key}")
    milestone.enterprises.add(enterprise)
    event = PromotionEvent.objects.create(held_on=day, title=f"展销{key}", city="西安")
    event.enterprises.add(enterprise)
    ChainYear.objects.create(chain=f"链{key}", year=2021, enterprise=enterprise, employment=10)
    ZoneStanding.objects.create(year=2000 + key % 100, indicator="value_added", rank=1, out_of=13)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_every_domain_model_is_registered():
    assert {name for _, name in ADMIN_MODELS} >= {
        "department",
        "official",
        "enterprise",
        "enterprisetitle",
        "assignment",
        "visit",
        "problem",
        "target",
        "monthlyreport",
        "project",
        "projectplan",
        "projectreport",
        "stagemove",
    }


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_changelist_runs_a_constant_number_of_queries(admin_client, app_label, model_name):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    build_world(2)
    small = count_queries(admin_client, url)
    build_world(25)
    large = count_queries(admin_client, url)
    assert large == small
    assert large <= 15


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_change_form_renders_without_dropdowns_of_every_row(admin_client, app_label, model_name):
    build_world(30)
    model = site._registry and next(
        m
        for m in site._registry
        if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
    )
    obj = model.objects.order_by("pk").first()
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # Large foreign keys are autocompletes: no <select> lists all 30 enterprises.
    assert html.count("<option") < 30 * 2


def test_changelist_filters_by_year_and_chain(admin_client):
    build_world(3)
    AssignmentFactory(year=2020, enterprise__chain="魔芋")
    response = admin_client.get(reverse("admin:enterprises_assignment_changelist"), {"year": 2020})
    assert response.context["cl"].result_count == 1
    response = admin_client.get(
        reverse("admin:enterprises_enterprise_changelist"), {"chain": "毛绒玩具"}
    )
    assert response.context["cl"].result_count == 3


def test_admin_is_in_chinese(admin_client):
    response = admin_client.get(reverse("admin:index"))
    html = response.content.decode()
    assert "恒口示范区工业包抓平台" in html
    assert "包抓安排（五个一）" in html
    assert "工业经济指标月报" in html


def test_adding_an_enterprise_with_a_wrong_code_shows_which_check_failed(admin_client):
    url = reverse("admin:enterprises_enterprise_add")
    data = {
        "credit_code": "91110000600037341M",
        "name": "安康某某玩具有限公司",
        "employees": "10",
        "poverty_employees": "1",
        "titles-TOTAL_FORMS": "0",
        "titles-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "统一社会信用代码的校验码（第18位）错误。" in response.content.decode()
    assert Enterprise.objects.count() == 0

    data["credit_code"] = "91110000600037341l"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Enterprise.objects.get().credit_code == "91110000600037341L"


def test_project_stage_changed_in_the_admin_is_recorded_as_a_move(admin_client):
    project = ProjectFactory()
    url = reverse("admin:projects_project_change", args=[project.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        key: ("" if value is None else value)
        for key, value in form.initial.items()
        if key not in {"id"}
    }
    for prefix in ("plans", "reports", "stage_moves"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update({"stage": "started", "stage_moved_on": "2021-04-02", "enterprise": ""})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    move = StageMove.objects.get()
    assert (move.from_stage, move.to_stage, move.moved_on) == (
        "reserve",
        "started",
        datetime.date(2021, 4, 2),
    )
    assert move.moved_by.username == "clerk"

    data.update({"stage": "reserve", "stage_moved_on": "2021-05-02"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "只能向前推进" in response.content.decode()
    assert Project.objects.get().stage == "started"
    assert StageMove.objects.count() == 1


def test_leader_autocomplete_offers_only_county_leaders(admin_client):
    assignment = AssignmentFactory()
    OfficialFactory(name="普通干部甲")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "enterprises",
            "model_name": "assignment",
            "field_name": "leader",
            "term": "",
        },
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {assignment.leader.pk}


def test_the_admin_refuses_figures_of_a_month_not_begun(admin_client):
    from enterprises.models import MonthlyReport
    from tests.factories import EnterpriseFactory

    enterprise = EnterpriseFactory()
    url = reverse("admin:enterprises_monthlyreport_add")
    data = {
        "enterprise": enterprise.pk,
        "period": "2035-01-01",
        **dict.fromkeys(
            ["output_value", "value_added", "revenue", "profit", "tax", "wages", "electricity"],
            "1",
        ),
        "employees": "1",
        "submitted_at_0": "2021-11-01",
        "submitted_at_1": "10:00:00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "尚未开始" in response.content.decode()
    assert not MonthlyReport.objects.exists()


def test_third_party_sections_of_the_admin_are_in_chinese(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "登录保护" in html and "登录尝试" in html and "登录失败" in html
    for english in ("Axes", "Access attempts", "Access failures"):
        assert english not in html


# Names that are proper nouns and stay as written, each with its reason (none so far).
ADMIN_PROPER_NOUNS = {}


def test_every_admin_section_and_model_is_named_in_chinese(admin_client):
    """No app section or model of the admin index is in English, third-party ones included."""
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    app_list = response.context["app_list"]
    labels = {app["app_label"] for app in app_list}
    # The apps installed for the admin: a missing one would make this test prove nothing.
    assert {"auth", "authtoken", "axes", "enterprises", "projects", "hengkou"} <= labels
    names = [str(app["name"]) for app in app_list] + [
        str(model["name"]) for app in app_list for model in app["models"]
    ]
    english = [
        name
        for name in names
        if name not in ADMIN_PROPER_NOUNS and re.search(r"[A-Za-z]{2,}", name)
    ]
    assert english == []
    html = response.content.decode()
    for name in names:
        assert name in html
