import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import ProjectPlan, ProjectReport, StageMove
from projects.services import move_project_stage
from tests.factories import (
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
)

pytestmark = pytest.mark.django_db


def test_stage_moves_forward_and_each_move_is_dated():
    project = ProjectFactory()
    move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    move_project_stage(project=project, to_stage="completed", moved_on=datetime.date(2021, 10, 8))
    project.refresh_from_db()
    assert project.stage == "completed"
    assert list(project.stage_moves.values_list("from_stage", "to_stage", "moved_on")) == [
        ("reserve", "started", datetime.date(2021, 3, 1)),
        ("started", "completed", datetime.date(2021, 10, 8)),
    ]


@pytest.mark.parametrize("to_stage", ["reserve", "started"])
def test_stage_never_moves_back_or_stays(to_stage):
    project = ProjectFactory()
    move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        move_project_stage(project=project, to_stage=to_stage, moved_on=datetime.date(2021, 4, 1))
    assert "只能向前推进" in str(excinfo.value)
    project.refresh_from_db()
    assert project.stage == "started"
    assert StageMove.objects.count() == 1


def test_stage_move_cannot_predate_the_previous_one():
    project = ProjectFactory()
    move_project_stage(project=project, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    with pytest.raises(ValidationError):
        move_project_stage(
            project=project, to_stage="completed", moved_on=datetime.date(2021, 2, 1)
        )
    project.refresh_from_db()
    assert project.stage == "started"


def test_one_plan_per_project_and_year():
    plan = ProjectPlanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectPlanFactory(project=plan.project, year=plan.year)
    assert ProjectPlan.objects.count() == 1


def test_plan_leader_must_be_county_level():
    plan = ProjectPlanFactory.build(
        project=ProjectFactory(), leader=OfficialFactory(), department=OfficialFactory().department
    )
    with pytest.raises(ValidationError) as excinfo:
        plan.full_clean()
    assert "leader" in excinfo.value.message_dict


def test_one_report_per_project_and_month():
    report = ProjectReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectReportFactory(project=report.project, period=report.period)
    assert ProjectReport.objects.count() == 1


def test_percent_complete_never_decreases():
    project = ProjectFactory(stage="started")
    ProjectReportFactory(project=project, period=datetime.date(2021, 5, 1), percent_complete=40)
    ProjectReportFactory(project=project, period=datetime.date(2021, 7, 1), percent_complete=60)

    lower_than_before = ProjectReport(
        project=project, period=datetime.date(2021, 6, 1), percent_complete=30
    )
    with pytest.raises(ValidationError) as excinfo:
        lower_than_before.full_clean()
    assert "40%" in excinfo.value.message_dict["percent_complete"][0]

    higher_than_after = ProjectReport(
        project=project, period=datetime.date(2021, 6, 1), percent_complete=70
    )
    with pytest.raises(ValidationError) as excinfo:
        higher_than_after.full_clean()
    assert "60%" in excinfo.value.message_dict["percent_complete"][0]

    between = ProjectReport(project=project, period=datetime.date(2021, 6, 1), percent_complete=40)
    between.full_clean()
    assert ProjectReport.objects.count() == 2


def test_percent_complete_is_at_most_100_and_investment_not_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectReportFactory(percent_complete=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectReportFactory(investment=Decimal("-1"))
    assert ProjectReport.objects.count() == 0
