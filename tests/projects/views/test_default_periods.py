"""The project pages open, with no month or year asked for, on the latest period with data.

Funding applications, the pipeline board, the monthly analysis and the year-end evaluation:
data only in an earlier period opens the page on it and says so; data in the current period
keeps the current one; an explicit period wins; an empty database renders.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.default_periods import NOTE_MONTH, NOTE_YEAR
from tests.factories import (
    FundingApplicationFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
)

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return timezone.localdate()


def _reviewed_year() -> int:
    today = _today()
    return today.year if today.month == 12 else today.year - 1


def test_funding_opens_on_the_latest_year_with_applications(admin):
    earlier = _today().year - 3
    FundingApplicationFactory(year=earlier, programme="早年专项")
    response = admin.get(reverse("projects:funding_list"))
    html = response.content.decode()
    assert response.context["year"] == earlier
    assert f'value="{earlier}"' in html
    assert "早年专项" in html
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_funding_opens_on_this_year_when_it_has_applications(admin):
    this_year = _today().year
    assert admin.get(reverse("projects:funding_list")).context["year"] == this_year  # empty
    FundingApplicationFactory(year=this_year - 3)
    FundingApplicationFactory(year=this_year, programme="今年专项")
    response = admin.get(reverse("projects:funding_list"))
    assert response.context["year"] == this_year
    assert "今年专项" in response.content.decode()
    assert NOTE_YEAR not in response.content.decode()
    assert admin.get(reverse("projects:funding_list"), {"year": 2005}).context["year"] == 2005


def test_board_opens_on_the_latest_year_with_plans(admin):
    earlier = _today().year - 3
    ProjectPlanFactory(year=earlier, project__name="早年项目")
    response = admin.get(reverse("projects:board"))
    html = response.content.decode()
    assert response.context["board"].year == earlier
    assert f'value="{earlier}"' in html
    assert "早年项目" in html
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_board_opens_on_this_year_when_it_has_plans(admin):
    this_year = _today().year
    assert admin.get(reverse("projects:board")).context["board"].year == this_year  # empty
    ProjectPlanFactory(year=this_year - 3)
    ProjectPlanFactory(year=this_year, project__name="今年项目")
    response = admin.get(reverse("projects:board"))
    assert response.context["board"].year == this_year
    assert NOTE_YEAR not in response.content.decode()
    assert admin.get(reverse("projects:board"), {"year": 2005}).context["board"].year == 2005


def test_analysis_opens_on_the_latest_month_with_project_reports(admin):
    earlier = datetime.date(_today().year - 3, 11, 1)
    ProjectReportFactory(period=earlier)
    response = admin.get(reverse("projects:analysis"))
    html = response.content.decode()
    assert response.context["period"] == earlier
    assert f'value="{earlier:%Y-%m}"' in html
    assert f"{NOTE_MONTH}：{earlier:%Y-%m}" in html


def test_analysis_opens_on_the_current_month_when_it_has_reports(admin):
    month = _today().replace(day=1)
    assert admin.get(reverse("projects:analysis")).context["period"] == month  # empty
    ProjectReportFactory(period=datetime.date(month.year - 3, 11, 1))
    ProjectReportFactory(period=month)
    response = admin.get(reverse("projects:analysis"))
    assert response.context["period"] == month
    assert NOTE_MONTH not in response.content.decode()
    response = admin.get(reverse("projects:analysis"), {"period": f"{month.year - 3}-05"})
    assert response.context["period"] == datetime.date(month.year - 3, 5, 1)


def test_evaluations_open_on_the_latest_year_with_plans(admin):
    earlier = _reviewed_year() - 2
    ProjectPlanFactory(year=earlier, project__name="早年项目")
    response = admin.get(reverse("projects:evaluations"))
    html = response.content.decode()
    assert response.context["year"] == earlier
    assert f'value="{earlier}"' in html
    assert "早年项目" in html
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_evaluations_open_on_the_reviewed_year_when_it_has_plans(admin):
    reviewed = _reviewed_year()
    assert admin.get(reverse("projects:evaluations")).context["year"] == reviewed  # empty
    ProjectPlanFactory(year=reviewed - 2)
    ProjectPlanFactory(year=reviewed)
    response = admin.get(reverse("projects:evaluations"))
    assert response.context["year"] == reviewed
    assert NOTE_YEAR not in response.content.decode()
    assert admin.get(reverse("projects:evaluations"), {"year": 2005}).context["year"] == 2005
