"""The department totals (DepartmentYtd): refreshed under concurrent writers, rebuilt on demand.

The property test (tests/hengkou/test_department_totals_property.py) checks them against a
computation from scratch after random writes through every path.
"""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from enterprises.models import DepartmentYtd, MonthlyReport
from enterprises.services import aggregates
from enterprises.services.figures import refresh_monthly_ytd_pairs
from hengkou.selectors.ranking import list_department_totals
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
)

NOV = datetime.date(2021, 11, 1)


def _totals():
    key = lambda row: row.department_id  # noqa: E731
    return sorted(list_department_totals(period=NOV, metric="output_value"), key=key), sorted(
        list_department_totals(period=NOV, metric="output_value", from_reports=True), key=key
    )


@pytest.mark.django_db(transaction=True)
def test_two_writers_in_one_department_at_once_leave_both_counted():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is proven on PostgreSQL only")
    department = DepartmentFactory()
    members = [AssignmentFactory(department=department, year=2021) for _ in range(2)]
    # Both have written their report, uncommitted, before either refreshes the totals: the
    # second refresh must wait for the first to commit and then count both.
    wrote = [threading.Event(), threading.Event()]
    errors = []

    def write(index):
        try:
            with transaction.atomic():
                MonthlyReport.objects.create(
                    enterprise=members[index].enterprise, period=NOV, output_value=100 + index
                )
                wrote[index].set()
                wrote[1 - index].wait(timeout=10)
                refresh_monthly_ytd_pairs(pairs={(members[index].enterprise_id, 2021)})
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = DepartmentYtd.objects.get(department=department, period=NOV)
    assert (row.members, row.reported, row.ytd_output_value) == (2, 2, Decimal("201.00"))


@pytest.mark.django_db
def test_rebuild_rollups_rebuilds_the_department_totals():
    department = DepartmentFactory()
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal("50"))
    expected = list(DepartmentYtd.objects.order_by("period").values())
    assert len(expected) == 12
    # Lost and wrong rows (a write that bypassed the services, a restore of part of a backup).
    DepartmentYtd.objects.filter(period__month__gt=6).delete()
    DepartmentYtd.objects.update(ytd_output_value=999, members=7)
    DepartmentYtd.objects.create(department=DepartmentFactory(), period=NOV, members=3)
    call_command("rebuild_rollups", stdout=io.StringIO())
    rebuilt = list(DepartmentYtd.objects.order_by("period").values())
    ignore = {"id", "stamp"}
    assert [{k: v for k, v in row.items() if k not in ignore} for row in rebuilt] == [
        {k: v for k, v in row.items() if k not in ignore} for row in expected
    ]
    current, from_reports = _totals()
    assert current == from_reports


@pytest.mark.django_db
def test_a_refresh_of_one_department_writes_only_its_rows(django_assert_max_num_queries):
    first, second = DepartmentFactory(), DepartmentFactory()
    a = AssignmentFactory(department=first, year=2021)
    AssignmentFactory(department=second, year=2021)
    untouched = list(DepartmentYtd.objects.filter(department=second).values_list("stamp"))
    # Lock, delete, one insert computing the twelve months (plus the savepoint and settings
    # on PostgreSQL): a constant number of statements, whatever the department's size.
    with django_assert_max_num_queries(8):
        aggregates.refresh_department_ytd(pairs={(first.pk, 2021)})
    assert list(DepartmentYtd.objects.filter(department=second).values_list("stamp")) == untouched
    assert DepartmentYtd.objects.filter(department=first).count() == 12
    a.delete()
    assert not DepartmentYtd.objects.filter(department=first).exists()
