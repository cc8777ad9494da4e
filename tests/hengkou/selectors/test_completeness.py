import datetime
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from enterprises.models import Assignment, MonthlyReport
from hengkou.selectors.completeness import (
    get_completeness_board,
    list_missing_names,
    report_deadline,
)
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
    (counted,) = board.departments
    assert counted.missing is None  # the names are read for the rows shown
    (row,) = board.name_missing(board.departments)
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
            period=datetime.date(2021, 11, 1), today=datetime.date(2021, 12, 1)
        )
        (row,) = board.name_missing(board.departments, per_department=8)
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
    assert trend[0].value is None  # nobody reported January: no point, not a month of 0


def test_monthly_trend_leaves_months_not_reported_off_the_line():
    # The year to date is carried into a month nobody has reported yet (December, before its
    # reports): the line has no point there, where it used to fall to 0 (or below).
    member = AssignmentFactory(year=2021).enterprise
    for month, value in ((10, 30), (11, 0)):
        MonthlyReportFactory(
            enterprise=member, period=datetime.date(2021, month, 1), output_value=value
        )
    MonthlyReportFactory(enterprise=member, period=datetime.date(2020, 12, 1), output_value=9)
    trend = list_monthly_trend(year=2021, metric="output_value")
    assert trend[9].value == Decimal("30.00")
    assert trend[10].value == Decimal("0.00")  # reported as 0: a point at 0
    assert trend[11].value is None
    assert trend[11].previous == Decimal("9.00")


def _reference_missing(period, per_department):
    # Every department's members of the year without a report of the month, read plainly.
    reported = set(
        MonthlyReport.objects.filter(period=period).values_list("enterprise_id", flat=True)
    )
    names = {}
    for assignment in Assignment.objects.filter(year=period.year).select_related("enterprise"):
        if assignment.enterprise_id not in reported:
            names.setdefault(assignment.department_id, []).append(assignment.enterprise.name)
    return {
        department: (sorted(found)[:per_department], len(found) - per_department)
        for department, found in names.items()
    }


def test_names_of_any_rows_equal_a_plain_reading_of_every_department(
    django_assert_num_queries,
):
    rng = random.Random(19)
    period = datetime.date(2021, 11, 1)
    for code in range(9):
        department = DepartmentFactory(code=f"D{code}")
        for _member in range(rng.randint(0, 9)):
            enterprise = AssignmentFactory(
                department=department, year=2021, enterprise__name=f"e{rng.randrange(10**6):06d}"
            ).enterprise
            if rng.random() < 0.5:
                MonthlyReportFactory(enterprise=enterprise, period=period)
            elif rng.random() < 0.5:
                MonthlyReportFactory(enterprise=enterprise, period=datetime.date(2021, 10, 1))
        AssignmentFactory(department=department, year=2020)  # last year's: never missing
    reference = _reference_missing(period, per_department=3)
    board = get_completeness_board(period=period, today=datetime.date(2021, 12, 1))
    rows = board.departments
    for subset in (rows, rows[::2], rows[1:4], rows[-1:]):
        with django_assert_num_queries(1):
            named = board.name_missing(subset, per_department=3)
        assert [row.department_id for row in named] == [row.department_id for row in subset]
        for row in named:
            names, more = reference.get(row.department_id, ([], 0))
            assert row.missing == names
            assert row.missing_more == max(0, more)
            assert len(row.missing) + row.missing_more == row.members - row.reported
    with django_assert_num_queries(0):
        assert board.name_missing([]) == []


def test_names_are_read_for_the_departments_asked_only(django_assert_num_queries):
    period = datetime.date(2021, 11, 1)
    shown, other = DepartmentFactory(code="D1"), DepartmentFactory(code="D2")
    AssignmentFactory(department=shown, year=2021, enterprise__name="甲企业")
    AssignmentFactory(department=other, year=2021, enterprise__name="乙企业")
    assert list_missing_names(period=period, department_ids=[shown.pk]) == {shown.pk: ["甲企业"]}
    for extra in range(5):  # more departments: still one query for the names of one
        AssignmentFactory(department=DepartmentFactory(code=f"E{extra}"), year=2021)
    with django_assert_num_queries(1):
        assert list_missing_names(period=period, department_ids=[other.pk]) == {
            other.pk: ["乙企业"]
        }
