"""The site's pages open, with no month or year asked for, on the latest period with data.

Data only in an earlier period: the page opens on it, shows it in the picker and says so. Data
in the current period: the page opens on the current one, without the line. An explicit
period wins; an empty database renders on the current period.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.choices import TitleKind
from hengkou.models import Inspection
from hengkou.selectors.defaults import year_under_review
from tests.default_periods import NOTE_MONTH, NOTE_YEAR
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return timezone.localdate()


def _this_month() -> datetime.date:
    return _today().replace(day=1)


def _reporting_department(*, year: int, month: int, name: str, output: str = "1200"):
    """Write a department whose one enterprise has a target and a report in year/month."""
    department = DepartmentFactory(name=name)
    assignment = AssignmentFactory(department=department, year=year)
    TargetFactory(enterprise=assignment.enterprise, year=year, value=Decimal("1200"))
    MonthlyReportFactory(
        enterprise=assignment.enterprise,
        period=datetime.date(year, month, 1),
        output_value=Decimal(output),
    )
    return department


# --- the dashboard and its drill-down ------------------------------------------------------------


def test_dashboard_opens_on_the_latest_month_with_reports(admin):
    earlier = _today().year - 3
    _reporting_department(year=earlier, month=12, name="早年局")
    response = admin.get(reverse("dashboard"))
    html = response.content.decode()
    assert response.context["dashboard"].period == datetime.date(earlier, 12, 1)
    assert f'value="{earlier}-12"' in html  # the picker
    assert "早年局" in html  # the month's ranking
    assert f"{NOTE_MONTH}：{earlier}-12" in html


def test_dashboard_opens_on_the_current_month_when_it_has_reports(admin):
    month = _this_month()
    _reporting_department(year=month.year - 3, month=12, name="早年局")
    _reporting_department(year=month.year, month=month.month, name="本月局")
    response = admin.get(reverse("dashboard"))
    assert response.context["dashboard"].period == month
    assert "本月局" in response.content.decode()
    assert NOTE_MONTH not in response.content.decode()


def test_dashboard_explicit_month_wins_and_an_empty_database_renders(admin):
    response = admin.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["dashboard"].period == _this_month()
    assert NOTE_MONTH not in response.content.decode()
    earlier = _today().year - 3
    _reporting_department(year=earlier, month=12, name="早年局")
    response = admin.get(reverse("dashboard"), {"period": f"{earlier}-06"})
    assert response.context["dashboard"].period == datetime.date(earlier, 6, 1)
    assert NOTE_MONTH not in response.content.decode()


def test_drilldown_opens_on_the_latest_month_with_reports(admin):
    earlier = _today().year - 3
    department = _reporting_department(year=earlier, month=11, name="早年局")
    url = reverse("department_members", args=[department.pk])
    response = admin.get(url)
    assert response.status_code == 200
    assert response.context["members"].period == datetime.date(earlier, 11, 1)
    assert f"{NOTE_MONTH}：{earlier}-11" in response.content.decode()
    response = admin.get(url, {"period": f"{earlier}-10"})
    assert response.context["members"].period == datetime.date(earlier, 10, 1)
    assert NOTE_MONTH not in response.content.decode()


# --- the year-end assessment ---------------------------------------------------------------------


def test_assessment_opens_on_the_latest_year_with_targets(admin):
    earlier = year_under_review(_today()) - 2
    _reporting_department(year=earlier, month=12, name="早年局")
    response = admin.get(reverse("assessment"))
    html = response.content.decode()
    assert response.context["year"] == earlier
    assert f'value="{earlier}"' in html
    assert "早年局" in html and "100.0%" in html  # 1200 of a 1200 target
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_assessment_opens_on_the_year_under_review_when_it_has_targets(admin):
    current = year_under_review(_today())
    _reporting_department(year=current - 2, month=12, name="早年局")
    TargetFactory(year=current)
    response = admin.get(reverse("assessment"))
    assert response.context["year"] == current
    assert NOTE_YEAR not in response.content.decode()


def test_assessment_explicit_year_wins_and_an_empty_database_renders(admin):
    current = year_under_review(_today())
    response = admin.get(reverse("assessment"))
    assert response.status_code == 200
    assert response.context["year"] == current
    TargetFactory(year=current - 2)
    assert admin.get(reverse("assessment"), {"year": current - 5}).context["year"] == current - 5
    # A bad year says so and shows the default.
    response = admin.get(reverse("assessment"), {"year": "abc"})
    assert response.status_code == 200
    assert response.context["year"] == current - 2


# --- the zone overview ---------------------------------------------------------------------------


def _above_scale_output(year: int, output: str):
    title = EnterpriseTitleFactory(title=TitleKind.ABOVE_SCALE, year=year)
    MonthlyReportFactory(
        enterprise=title.enterprise,
        period=datetime.date(year, 12, 1),
        output_value=Decimal(output),
    )


def test_overview_opens_on_the_latest_year_with_figures(admin):
    earlier = year_under_review(_today()) - 2
    _above_scale_output(earlier, "1234.00")
    response = admin.get(reverse("overview:overview"))
    assert response.context["year"] == earlier
    assert response.context["overview"].stats.above_scale_output == Decimal("1234.00")
    html = response.content.decode()
    assert f'value="{earlier}"' in html
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_overview_opens_on_the_year_under_review_when_it_has_figures(admin):
    current = year_under_review(_today())
    _above_scale_output(current - 2, "1234.00")
    _above_scale_output(current, "99.00")
    response = admin.get(reverse("overview:overview"))
    assert response.context["year"] == current
    assert NOTE_YEAR not in response.content.decode()


def test_overview_explicit_year_wins_and_an_empty_database_renders(admin):
    current = year_under_review(_today())
    response = admin.get(reverse("overview:overview"))
    assert response.status_code == 200
    assert response.context["year"] == current
    _above_scale_output(current - 2, "1234.00")
    response = admin.get(reverse("overview:overview"), {"year": current - 4})
    assert response.context["year"] == current - 4
    assert NOTE_YEAR not in response.content.decode()


# --- the quarterly inspections -------------------------------------------------------------------


def _inspection(year: int, *, department=None, findings: str = "台账齐全"):
    department = department or DepartmentFactory()
    return Inspection.objects.create(
        year=year,
        quarter=4,
        department=department,
        inspected_on=datetime.date(year, 12, 1),
        findings=findings,
        score=90,
    )


def test_inspections_open_on_the_latest_year_with_inspections(admin):
    earlier = _today().year - 3
    _inspection(earlier, findings="早年督查记录")
    response = admin.get(reverse("inspection_list"))
    html = response.content.decode()
    assert response.context["year"] == earlier
    assert f'id="id_year_filter" value="{earlier}"' in html
    assert "早年督查记录" in html
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_inspections_open_on_this_year_when_it_has_inspections(admin):
    this_year = _today().year
    _inspection(this_year - 3)
    _inspection(this_year, findings="今年督查记录")
    response = admin.get(reverse("inspection_list"))
    assert response.context["year"] == this_year
    assert "今年督查记录" in response.content.decode()
    assert NOTE_YEAR not in response.content.decode()


def test_inspections_explicit_year_wins_and_an_empty_database_renders(admin):
    this_year = _today().year
    response = admin.get(reverse("inspection_list"))
    assert response.status_code == 200
    assert response.context["year"] == this_year
    _inspection(this_year - 3)
    assert admin.get(reverse("inspection_list"), {"year": 2005}).context["year"] == 2005
