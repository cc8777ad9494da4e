"""The monthly analysis (月分析): problems and lagging projects by department."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.selectors.analysis import get_monthly_analysis
from tests.factories import (
    DepartmentFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
)
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_the_monthly_analysis_lists_problems_and_laggards_by_department(client):
    land = DepartmentFactory(code="D01", name="自然资源局")
    invest = DepartmentFactory(code="D02", name="招商局")
    late = ProjectPlanFactory(
        project__name="落后项目", department=land, planned_investment=Decimal("1200.00")
    ).project
    fine = ProjectPlanFactory(
        project__name="正常项目", department=invest, planned_investment=Decimal("1200.00")
    ).project
    ProjectReportFactory(
        project=late,
        period=datetime.date(2021, 6, 1),
        investment=Decimal("100.00"),
        problems="用地报批手续尚在办理",
    )
    ProjectReportFactory(
        project=fine,
        period=datetime.date(2021, 6, 1),
        investment=Decimal("600.00"),
        problems="  ",
    )
    analysis = get_monthly_analysis(period=datetime.date(2021, 6, 1))
    assert [d.department_name for d in analysis.departments] == ["自然资源局"]
    (department,) = analysis.departments
    assert [p.project_name for p in department.problems] == ["落后项目"]
    assert [(line.name, line.light) for line in department.lagging] == [("落后项目", "red")]

    client.force_login(user_with_role("economic_bureau"))
    response = client.get(reverse("projects:analysis"), {"period": "2021-06"})
    page = response.content.decode()
    assert "用地报批手续尚在办理" in page and "落后项目" in page
    assert "正常项目" not in page
