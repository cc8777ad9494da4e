"""Fixtures of the projects tests: the board's worked example, a sponsoring official."""

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import DepartmentFactory, OfficialFactory, ProjectPlanFactory
from tests.projects.helpers import _report
from tests.roles import user_with_role


@pytest.fixture
def example():
    """Five projects of 2021 whose lights at month 6 are worked out by hand in the test."""
    department = DepartmentFactory(code="D01", name="招商局")
    a = ProjectPlanFactory(
        project__name="A",
        project__stage="started",
        planned_investment=Decimal("1200.00"),
        department=department,
    ).project
    b = ProjectPlanFactory(
        project__name="B",
        project__stage="started",
        planned_investment=Decimal("1000.00"),
        department=department,
    ).project
    c = ProjectPlanFactory(
        project__name="C", project__stage="started", planned_investment=Decimal("1000.00")
    ).project
    d = ProjectPlanFactory(
        project__name="D", project__stage="started", planned_investment=Decimal("1000.00")
    ).project
    e = ProjectPlanFactory(project__name="E", planned_investment=Decimal("0.00")).project
    _report(a, 5, "999.00", year=2020)  # last year: not in 2021's year to date
    _report(a, 1, "300.00")
    _report(a, 3, "250.00")  # February is missing and counts as 0
    _report(a, 7, "500.00")  # after month 6
    _report(b, 6, "400.00")
    _report(c, 2, "199.99")
    _report(d, 4, "200.00")
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


@pytest.fixture
def official(client):
    """A user of the sponsoring department of a started project this year, logged in."""
    year = timezone.localdate().year
    official = OfficialFactory()
    user_with_role("department_user", official=official, username="li")
    plan = ProjectPlanFactory(year=year, department=official.department, project__stage="started")
    client.force_login(official.user)
    return plan.project
