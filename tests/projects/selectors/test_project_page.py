"""A project's page: the investment curve against the plan's straight line."""

import datetime
from decimal import Decimal

import pytest

from projects.models import ProjectReport
from projects.selectors.project_page import get_investment_curve
from tests.factories import (
    ProjectFactory,
    ProjectReportFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_the_investment_curve_accumulates_months_against_the_plans_straight_line():
    project = ProjectFactory(stage="started")
    for month, amount in ((1, "100.00"), (3, "50.00"), (4, "25.00")):
        ProjectReportFactory(
            project=project,
            period=datetime.date(2021, month, 1),
            investment=Decimal(amount),
            percent_complete=month,
        )
    reports = list(ProjectReport.objects.order_by("period"))
    curve = get_investment_curve(reports=reports, year=2021, planned=Decimal("1200.00"))
    assert [p.cumulative for p in curve[:5]] == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("150.00"),
        Decimal("175.00"),
        None,
    ]
    assert [p.planned for p in (curve[0], curve[5], curve[11])] == [
        Decimal("100.00"),
        Decimal("600.00"),
        Decimal("1200.00"),
    ]
