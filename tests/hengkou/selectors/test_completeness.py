import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from hengkou.selectors.completeness import get_completeness_board, report_deadline
from hengkou.selectors.zone import list_monthly_trend
from tests.factories import AssignmentFactory, DepartmentFactory, MonthlyReportFactory

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def test_deadline_is_day_5_of_the_next_month():
    assert report_deadline(period=datetime.date(2021, 11, 1)) == datetime.date(2021, 12, 5)
    assert report_deadline(period=datetime.date(2021, 12, 1)) == datetime.date(2022, 1, 5)


def test_board_lists_who_has_not_reported_and_the_on_time_rate():
    department = DepartmentFactory(code="D1")
    late, on_time, missing = (
        AssignmentFactory(department=department, enterprise__name=name).enterprise
        for name in ("迟报企业", "按时企业", "未报企业")
    )
    MonthlyReportFactory(
        enterprise=on_time,
        period=datetime.date(2021, 11, 1),
        submitted_at=datetime.datetime(2021, 12, 5, 23, 59, tzinfo=SHANGHAI),
    )
    MonthlyReportFactory(
        enterprise=late,
        period=datetime.date(2021, 11, 1),
        submitted_at=datetime.datetime(2021, 12, 6, 0, 0, 1, tzinfo=SHANGHAI),
    )
    AssignmentFactory(department=department, year=2020)

    board = get_completeness_board(
        period=datetime.date(2021, 11, 1), today=datetime.date(2021, 12, 8)
    )
    assert board.days_left == -3
    (row,) = board.departments
    assert (row.members, row.reported, row.on_time) == (3, 2, 1)
    assert row.missing == [missing.name]
    assert row.completeness == Fraction(2, 3)
    assert row.on_time_rate == 0.5


def test_board_truncates_long_lists_and_counts_the_rest(django_assert_max_num_queries):
    department = DepartmentFactory()
    for _ in range(11):
        AssignmentFactory(department=department)
    with django_assert_max_num_queries(2):
        board = get_completeness_board(
            period=datetime.date(2021, 11, 1),
            today=datetime.date(2021, 12, 1),
            names_per_department=8,
        )
    (row,) = board.departments
    assert (len(row.missing), row.missing_more, board.days_left) == (8, 3, 4)


def test_monthly_trend_sums_this_year_and_last_for_the_same_members():
    member = AssignmentFactory(year=2021).enterprise
    other = AssignmentFactory(year=2020).enterprise
    MonthlyReportFactory(enterprise=member, period=datetime.date(2021, 3, 1), output_value=7)
    MonthlyReportFactory(enterprise=member, period=datetime.date(2020, 3, 1), output_value=5)
    MonthlyReportFactory(enterprise=other, period=datetime.date(2020, 3, 1), output_value=100)
    trend = list_monthly_trend(year=2021, metric="output_value")
    assert len(trend) == 12
    assert (trend[2].value, trend[2].previous) == (Decimal("7.00"), Decimal("5.00"))
    assert trend[0].value == 0
