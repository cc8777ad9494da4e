"""The period a page opens on when the user chose none: the latest with data, never later."""

import datetime

import pytest
from django.utils import translation

from core.periods import DefaultPeriod, default_month, default_year
from enterprises.models import MonthlyReport, Target, Visit
from tests.factories import MonthlyReportFactory, TargetFactory, VisitFactory

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 12, 3)


def test_default_month_is_the_current_month_without_data():
    chosen = default_month(MonthlyReport.objects.all(), "period", today=TODAY)
    assert chosen == DefaultPeriod(value=D(2026, 12, 1), current=D(2026, 12, 1))
    assert not chosen.fell_back
    assert chosen.note == ""


def test_default_month_falls_back_to_the_latest_month_with_data():
    MonthlyReportFactory(period=D(2021, 11, 1))
    MonthlyReportFactory(period=D(2021, 12, 1))
    chosen = default_month(MonthlyReport.objects.all(), "period", today=TODAY)
    assert chosen.value == D(2021, 12, 1)
    assert chosen.fell_back


def test_default_month_keeps_the_current_month_when_it_has_data():
    MonthlyReportFactory(period=D(2021, 12, 1))
    MonthlyReportFactory(period=D(2026, 12, 1))
    assert default_month(MonthlyReport.objects.all(), "period", today=TODAY).value == D(2026, 12, 1)


def test_default_month_never_opens_on_a_month_that_has_not_begun():
    VisitFactory(visited_on=D(2026, 11, 20))
    VisitFactory(visited_on=D(2027, 1, 5))  # a typo a year ahead must not win
    chosen = default_month(Visit.objects.all(), "visited_on", today=TODAY)
    assert chosen.value == D(2026, 11, 1)


def test_default_month_of_a_date_field_is_the_first_of_its_month():
    VisitFactory(visited_on=D(2026, 12, 2))
    chosen = default_month(Visit.objects.all(), "visited_on", today=TODAY)
    assert chosen.value == D(2026, 12, 1)
    assert not chosen.fell_back


def test_default_month_reads_only_the_given_rows():
    visible = VisitFactory(visited_on=D(2020, 5, 6))
    VisitFactory(visited_on=D(2021, 5, 6))
    chosen = default_month(
        Visit.objects.filter(enterprise=visible.enterprise), "visited_on", today=TODAY
    )
    assert chosen.value == D(2020, 5, 1)


def test_default_year_of_a_year_field():
    assert default_year(Target.objects.all(), "year", current=2026).value == 2026
    TargetFactory(year=2020)
    TargetFactory(year=2021)
    TargetFactory(year=2030)  # after the current year: never the default
    chosen = default_year(Target.objects.all(), "year", current=2026)
    assert chosen == DefaultPeriod(value=2021, current=2026)
    TargetFactory(year=2026)
    assert not default_year(Target.objects.all(), "year", current=2026).fell_back


def test_default_year_of_a_date_field():
    VisitFactory(visited_on=D(2021, 12, 31))
    VisitFactory(visited_on=D(2027, 1, 1))
    assert default_year(Visit.objects.all(), "visited_on", current=2026).value == 2021
    VisitFactory(visited_on=D(2026, 1, 1))
    assert default_year(Visit.objects.all(), "visited_on", current=2026).value == 2026


def test_default_is_one_query(django_assert_num_queries):
    MonthlyReportFactory(period=D(2021, 12, 1))
    with django_assert_num_queries(1):
        default_month(MonthlyReport.objects.all(), "period", today=TODAY)
    with django_assert_num_queries(1):
        default_year(MonthlyReport.objects.all(), "period", current=2026)


def test_the_note_names_the_period_shown():
    with translation.override("en"):
        assert DefaultPeriod(value=D(2021, 12, 1), current=D(2026, 12, 1)).note == (
            "Showing the latest month with data: 2021-12."
        )
        assert DefaultPeriod(value=2021, current=2026).note == (
            "Showing the latest year with data: 2021."
        )
    with translation.override("zh-hans"):
        assert DefaultPeriod(value=D(2021, 12, 1), current=D(2026, 12, 1)).note == (
            "显示有数据的最近月份：2021-12。"
        )
        assert DefaultPeriod(value=2021, current=2026).note == "显示有数据的最近年份：2021。"
