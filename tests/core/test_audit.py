"""core.audit.update_with_history: the set-based update that keeps the audit trail."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.audit import update_with_history
from enterprises.choices import ReportStatus
from enterprises.models import MonthlyReport
from hengkou.models import Notification, SupervisionNotice
from tests.factories import (
    DepartmentFactory,
    MonthlyReportFactory,
    NotificationFactory,
    SupervisionNoticeFactory,
    UserFactory,
)

NOV = datetime.date(2021, 11, 1)


@pytest.fixture
def reports(db):
    return [
        MonthlyReportFactory(period=NOV, output_value=Decimal(value))
        for value in ("10.50", "20.00", "30.25")
    ]


def test_records_each_changed_row_with_the_new_values_in_two_statements(
    reports, django_assert_num_queries
):
    user = UserFactory()
    MonthlyReport.objects.filter(pk=reports[0].pk).update(status=ReportStatus.LOCKED)
    before = MonthlyReport.history.count()
    # Whatever the number of rows: the history INSERT … SELECT and the UPDATE.
    with django_assert_num_queries(2):
        changed = update_with_history(
            MonthlyReport.objects.filter(period=NOV),
            user=user,
            reason="close 2021-11",
            status=ReportStatus.LOCKED,
        )
    assert changed == 2  # the first one already held the value: neither updated nor recorded
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.LOCKED}
    records = MonthlyReport.history.filter(history_change_reason="close 2021-11")
    assert MonthlyReport.history.count() == before + 2
    assert {record.id for record in records} == {reports[1].pk, reports[2].pk}
    for record in records:
        row = MonthlyReport.objects.get(pk=record.id)
        assert record.history_type == "~"
        assert record.history_user_id == user.pk
        assert record.status == ReportStatus.LOCKED
        assert (record.output_value, record.enterprise_id, record.period, record.updated_at) == (
            row.output_value,
            row.enterprise_id,
            row.period,
            row.updated_at,
        )


def test_nothing_to_change_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert update_with_history(MonthlyReport.objects.filter(pk__in=[]), status="x") == 0
    assert MonthlyReport.history.count() == 0


def test_a_model_without_history_is_only_updated(db):
    note = NotificationFactory(title="旧")
    assert update_with_history(Notification.objects.all(), title="新") == 1
    note.refresh_from_db()
    assert note.title == "新"


def test_a_foreign_key_value_may_be_an_object_or_an_id(db):
    notice = SupervisionNoticeFactory()
    first, second = DepartmentFactory(), DepartmentFactory()
    notices = SupervisionNotice.objects.filter(pk=notice.pk)
    assert update_with_history(notices, reason="moved", department=first) == 1
    assert update_with_history(notices, reason="moved back", department_id=second.pk) == 1
    trail = SupervisionNotice.history.filter(history_type="~").order_by("history_id")
    assert [(r.history_change_reason, r.department_id) for r in trail] == [
        ("moved", first.pk),
        ("moved back", second.pk),
    ]
    notice.refresh_from_db()
    assert notice.department_id == second.pk


@pytest.mark.django_db(transaction=True)
def test_the_trail_holds_what_a_concurrent_writer_committed_first():
    # A writer has corrected the report and not committed yet when the close locks it: the
    # history's copy waits for the writer (FOR UPDATE) and records the corrected figure, the
    # one the table holds, not the figure read before the writer committed.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; row locks are proven on PostgreSQL only")
    report = MonthlyReportFactory(period=NOV, output_value=Decimal("10.00"))
    corrected, errors = threading.Event(), []

    def correct():
        try:
            with transaction.atomic():
                MonthlyReport.objects.filter(pk=report.pk).update(output_value=Decimal("99.00"))
                corrected.set()
                time.sleep(0.5)  # the lock below starts meanwhile and must wait
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    writer = threading.Thread(target=correct)
    writer.start()
    assert corrected.wait(10)
    with transaction.atomic():
        update_with_history(MonthlyReport.objects.filter(pk=report.pk), status="locked")
    writer.join()
    assert errors == []
    record = MonthlyReport.history.get(history_type="~")
    row = MonthlyReport.objects.get(pk=report.pk)
    assert (record.output_value, record.status) == (row.output_value, row.status)
    assert row.output_value == Decimal("99.00") and row.status == "locked"
