"""The scheduled jobs run on every node: two copies of each at once must do no harm.

``close_month``, ``send_reminders`` and ``rebuild_rollups`` are started twice at the same
instant (two threads, two database connections, as two nodes' cron would) on PostgreSQL;
afterwards no row, notification, reminder or e-mail exists twice and neither run failed.
SQLite serialises writers and proves nothing, so these tests skip there.
"""

import datetime
import threading
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core import jobs
from enterprises.models import MonthlyReport, MonthlyYtd, PeriodEvent, ProblemEvent
from enterprises.services.figures import rebuild_monthly_ytd
from hengkou.models import Notification, RankingSnapshot, Reminder, SupervisionNotice
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    TargetFactory,
    UserFactory,
)

NOV = datetime.date(2021, 11, 1)


def run_twice_at_once(*command):
    """Run the management command in two threads released together; return their outputs."""
    barrier = threading.Barrier(2, timeout=60)
    outputs, errors = [], []

    def run():
        out = StringIO()
        try:
            barrier.wait()
            call_command(*command, stdout=out)
            outputs.append(out.getvalue())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outputs


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is proven on PostgreSQL only")


def _lagging(code):
    assignment = AssignmentFactory(department=DepartmentFactory(code=code), year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal("9"))


def test_two_monthly_closes_at_once_close_once(postgresql):
    _lagging("D1")
    _lagging("D2")
    outputs = run_twice_at_once("close_month", "2021-11")

    assert sum("already closed" in out for out in outputs) == 1
    assert PeriodEvent.objects.count() == 1
    assert SupervisionNotice.objects.count() == 2
    snapshot_keys = RankingSnapshot.objects.values_list("period", "metric", "department_id")
    assert len(snapshot_keys) == len(set(snapshot_keys)) > 0


def _reminder_load(today):
    """Notices due tomorrow and overdue, a problem whose clocks were missed, duties, figures."""
    department = DepartmentFactory(code="DR")
    for n in range(3):
        user = UserFactory(username=f"staff{n}", email=f"staff{n}@example.org")
        OfficialFactory(department=department, user=user)
    for month, due_on in (
        (1, today + datetime.timedelta(days=1)),
        (2, today - datetime.timedelta(days=1)),
    ):
        SupervisionNotice.objects.create(
            department=department,
            period=datetime.date(today.year, month, 1),
            metric="output_value",
            completion_rate=Decimal("0.5"),
            time_progress=Decimal("0.9"),
            gap=Decimal("-0.4"),
            due_on=due_on,
        )
    leader = OfficialFactory(user=UserFactory(username="leader", email="leader@example.org"))
    for year in (2021, today.year):
        for _ in range(3):
            responsible = OfficialFactory(
                department=department, user=UserFactory(email="r@example.org")
            )
            assignment = AssignmentFactory(
                year=year, department=department, leader=leader, responsible=responsible
            )
            if year == 2021:
                ProblemFactory(enterprise=assignment.enterprise)


def test_two_reminder_runs_at_once_send_each_reminder_once(postgresql):
    _reminder_load(timezone.localdate())
    run_twice_at_once("send_reminders")

    notifications = Counter(
        Notification.objects.values_list("recipient_id", "title", "body", "url")
    )
    assert notifications, "the load should have produced reminders"
    assert [key for key, count in notifications.items() if count > 1] == []
    mails = Counter((tuple(m.to), m.subject, m.body) for m in mail.outbox)
    assert len(mails) >= 2  # at least the two notices' reminders
    assert [key for key, count in mails.items() if count > 1] == []
    reminders = Reminder.objects.values_list("recipient_id", "key")
    assert len(reminders) == len(set(reminders))
    escalations = ProblemEvent.objects.filter(action="escalated").values_list("problem", "clock")
    assert len(escalations) == len(set(escalations)) > 0
    notices = SupervisionNotice.objects.all()
    assert all(n.due_reminder_sent_at or n.overdue_reminder_sent_at for n in notices)


def test_two_rollup_rebuilds_at_once_write_each_row_once(postgresql):
    # Reports written around the services: the rollup knows nothing of them.
    enterprises = [EnterpriseFactory() for _ in range(30)]
    MonthlyReport.objects.bulk_create(
        MonthlyReport(
            enterprise=enterprise,
            period=datetime.date(2021, month, 1),
            output_value=Decimal(10 * month),
        )
        for enterprise in enterprises
        for month in range(1, 13)
    )
    assert MonthlyYtd.objects.count() == 0
    run_twice_at_once("rebuild_rollups")

    keys = MonthlyYtd.objects.values_list("enterprise_id", "period")
    assert len(keys) == len(set(keys)) == 30 * 12
    assert rebuild_monthly_ytd() == 0  # nothing left to repair


def test_a_job_already_running_elsewhere_is_skipped_with_a_message(postgresql):
    out = StringIO()
    with jobs.single_run("rebuild_rollups") as mine:
        assert mine is True
        holder = threading.Thread(target=lambda: _try_in_thread(out))
        holder.start()
        holder.join()
    assert "already running" in out.getvalue()
    # Released: the next run goes ahead.
    with jobs.single_run("rebuild_rollups") as mine:
        assert mine is True


def _try_in_thread(out):
    try:
        call_command("rebuild_rollups", stdout=out)
    finally:
        connection.close()


@pytest.mark.django_db
def test_the_lock_falls_back_to_a_file_lock_off_postgresql(settings, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the file lock is the fallback for SQLite")
    settings.HENGKOU_JOB_LOCK_DIR = tmp_path
    with jobs.single_run("close_month") as first:
        assert first is True
        with jobs.single_run("close_month") as second:
            assert second is False
        with jobs.single_run("send_reminders") as other:
            assert other is True
    with jobs.single_run("close_month") as again:
        assert again is True
