"""A project's monthly report: one per month, percent complete never decreasing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import ProjectReport
from tests.factories import (
    ProjectFactory,
    ProjectReportFactory,
)

pytestmark = pytest.mark.django_db


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
