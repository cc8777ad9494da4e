"""Importing project plans and monthly project reports from .xlsx."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.templates import render_template
from enterprises.models import Period
from projects.models import ProjectPlan, ProjectReport
from tests.core.imports.helpers import xlsx
from tests.factories import (
    CountyLeaderFactory,
    DepartmentFactory,
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

PLAN_HEADER = ["年度", "项目", "年度计划投资", "包抓领导", "包抓部门"]
REPORT_HEADER = ["项目", "月份", "当月完成投资", "完成百分比", "形象进度"]


def run(kind, rows, **kwargs):
    return run_import(kind=get_kind(kind), source=io.BytesIO(xlsx(rows)), **kwargs)


def test_project_plans_are_created_then_updated_with_history():
    project = ProjectFactory(name="魔芋精深加工项目")
    leader = CountyLeaderFactory(name="王县长")
    department = DepartmentFactory(code="D0100", name="经济贸易局")
    clerk = UserFactory(is_superuser=True)
    rows = [PLAN_HEADER, [2021, "魔芋精深加工项目", "1,000", "王县长", "D0100"]]
    result = run("project_plans", rows, user=clerk)
    assert result.ok, result.errors
    plan = ProjectPlan.objects.get()
    assert (plan.project, plan.leader, plan.department) == (project, leader, department)
    assert plan.planned_investment == Decimal("1000")
    assert plan.history.get().history_user == clerk
    again = run(
        "project_plans", [PLAN_HEADER, [2021, f"#{project.pk}", 1200, "王县长", "经济贸易局"]]
    )
    assert (again.updated, again.created) == (1, 0)
    plan.refresh_from_db()
    assert plan.planned_investment == Decimal("1200")


def test_a_plan_leader_must_be_a_county_leader_and_names_must_be_known():
    ProjectFactory(name="甲项目")
    ProjectFactory(name="重名项目")
    ProjectFactory(name="重名项目")
    OfficialFactory(name="普通干部")
    DepartmentFactory(code="D0100")
    result = run(
        "project_plans",
        [
            PLAN_HEADER,
            [2021, "甲项目", 10, "普通干部", "D0100"],
            [2021, "乙项目", 10, "普通干部", "D0100"],
            [2021, "重名项目", 10, "普通干部", "D0100"],
            [2021, "甲项目", 10, "普通干部", "D9999"],
        ],
    )
    rows = {(e.row, e.column) for e in result.errors}
    assert (2, "包抓领导") in rows
    assert (3, "项目") in rows
    assert (4, "项目") in rows
    assert (5, "包抓部门") in rows
    assert ProjectPlan.objects.count() == 0


def test_project_reports_are_imported_with_their_rules():
    started = ProjectFactory(name="在建项目", stage="started")
    ProjectFactory(name="储备项目", stage="reserve")
    Period.objects.create(period=datetime.date(2021, 9, 1), status="closed")
    ProjectReportFactory(project=started, period=datetime.date(2021, 11, 1), percent_complete=60)
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    result = run(
        "project_reports",
        [
            REPORT_HEADER,
            ["在建项目", "2021-10", "50", 40, "主体施工"],  # 2: good
            ["储备项目", "2021-10", "50", 10, ""],  # 3: in reserve
            ["在建项目", "2021-09", "50", 30, ""],  # 4: closed month
            ["在建项目", next_month.strftime("%Y-%m"), "50", 90, ""],  # 5: not begun
            ["在建项目", "2021-12", "50", 55, ""],  # 6: below November's 60
        ],
    )
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(3, "项目"), (4, "月份"), (5, "月份"), (6, "完成百分比")}
    assert ProjectReport.objects.count() == 1
    ok = run("project_reports", [REPORT_HEADER, ["在建项目", "2021-10", "50", 40, "主体施工"]])
    assert ok.written
    report = ProjectReport.objects.get(period=datetime.date(2021, 10, 1))
    assert (report.investment, report.percent_complete, report.progress_note) == (
        Decimal("50"),
        40,
        "主体施工",
    )


def test_a_department_user_imports_reports_of_its_own_projects_only():
    mine = ProjectPlanFactory(project__stage="started").project
    theirs = ProjectPlanFactory(project__stage="started").project
    official = OfficialFactory(department=mine.plans.get().department)
    clerk = user_with_role("department_user", official=official)
    result = run(
        "project_reports",
        [REPORT_HEADER, [mine.name, "2021-10", 5, 10, ""], [theirs.name, "2021-10", 5, 10, ""]],
        user=clerk,
    )
    assert [(e.row, e.column) for e in result.errors] == [(3, "项目")]
    assert ProjectReport.objects.count() == 0


def test_round_trip_of_plans_and_reports_changes_nothing():
    ProjectPlanFactory.create_batch(2)
    ProjectReportFactory.create_batch(2)
    for key in ("project_plans", "project_reports"):
        kind = get_kind(key)
        content = render_template(kind, (kind.export_row(o) for o in kind.export_queryset()))
        result = run_import(kind=kind, source=io.BytesIO(content))
        assert result.ok, result.errors
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
