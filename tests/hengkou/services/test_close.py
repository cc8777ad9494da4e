"""The monthly close (一月一通报): lock, snapshot, notices, idempotence, reopen."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from enterprises.models import MonthlyReport, Period, PeriodEvent, Target
from enterprises.services.figures import save_monthly_report
from hengkou.models import NoticeEvent, Notification, RankingSnapshot, SupervisionNotice
from hengkou.selectors.ranking import get_period_ranking
from hengkou.services.close import close_month, reopen_month
from projects.models import ProjectReport
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProjectReportFactory,
    TargetFactory,
    UserFactory,
)

NOV = datetime.date(2021, 11, 1)
# 2021-12-03 20:00 UTC is already 2021-12-04 in Shanghai.
NOW = datetime.datetime(2021, 12, 3, 20, 0, tzinfo=datetime.UTC)


def _department_with(code, *, target, ytd):
    department = DepartmentFactory(code=code)
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal(target))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal(ytd))
    return department


@pytest.fixture
def zone(db):
    """D1 ahead of time progress (11/12), D2 lagging, D3 lagging far behind."""
    return {
        "D1": _department_with("D1", target="1200", ytd="1150"),
        "D2": _department_with("D2", target="1200", ytd="1000"),
        "D3": _department_with("D3", target="1200", ytd="100"),
    }


def test_close_locks_snapshots_and_issues_one_notice_per_lagging_department(zone):
    user = UserFactory()
    ProjectReportFactory(period=NOV)
    result = close_month(period=NOV, acting_user=user, now=NOW)

    assert result.closed_now is True
    assert result.period.status == "closed"
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {"locked"}
    assert set(ProjectReport.objects.values_list("status", flat=True)) == {"locked"}
    notices = {(n.department.code, n.metric): n for n in result.notices}
    assert set(notices) == {("D2", "output_value"), ("D3", "output_value")}
    notice = notices[("D2", "output_value")]
    assert notice.due_on == datetime.date(2021, 12, 14)
    assert notice.status == "issued"
    assert notice.completion_rate == Decimal("0.833333333")
    assert notice.gap == Decimal("-0.083333333")
    assert notice.events.get().status == "issued"
    # Written in bulk, each with its history row naming who closed the month and when.
    history = notice.history.get()
    assert (history.history_user, history.history_date, history.history_type) == (user, NOW, "+")
    snapshot = RankingSnapshot.objects.get(metric="output_value", department=zone["D3"])
    assert (snapshot.rank, snapshot.light, snapshot.lagging) == (3, "red", True)
    assert PeriodEvent.objects.get().by == user


def test_the_lagging_departments_officials_are_told_in_the_app_once(zone):
    d2_head = OfficialFactory(department=zone["D2"], user=UserFactory(username="d2"))
    d2_gone = OfficialFactory(department=zone["D2"], user=UserFactory(is_active=False))
    d1_head = OfficialFactory(department=zone["D1"], user=UserFactory(username="d1"))
    OfficialFactory(department=zone["D3"])  # no login: nobody to tell
    result = close_month(period=NOV, acting_user=None, now=NOW)
    notice = next(n for n in result.notices if n.department_id == zone["D2"].pk)
    [notification] = d2_head.user.notifications.all()
    assert notification.url == f"/notices/{notice.pk}/"
    assert notification.created_at == NOW
    assert "2021-11" in notification.title and "83.3%" in notification.body
    assert "2021-12-14" in notification.body
    assert not d2_gone.user.notifications.exists()
    assert not d1_head.user.notifications.exists()  # D1 is ahead: no notice
    close_month(period=NOV, acting_user=None, now=NOW + datetime.timedelta(days=1))
    assert d2_head.user.notifications.count() == 1


def test_close_is_idempotent(zone):
    first = close_month(period=NOV, acting_user=None, now=NOW)
    counts = (RankingSnapshot.objects.count(), SupervisionNotice.objects.count())
    again = close_month(period=NOV, acting_user=None, now=NOW + datetime.timedelta(days=1))
    assert again.closed_now is False
    assert [n.pk for n in again.notices] == [n.pk for n in first.notices]
    assert (RankingSnapshot.objects.count(), SupervisionNotice.objects.count()) == counts
    assert NoticeEvent.objects.count() == 2
    assert PeriodEvent.objects.count() == 1


def test_writes_into_a_closed_month_are_refused_with_a_clear_message(zone):
    close_month(period=NOV, acting_user=None, now=NOW)
    report = MonthlyReport.objects.first()
    report.output_value = Decimal("1")
    with pytest.raises(ValidationError) as excinfo:
        report.full_clean()
    assert "2021-11" in excinfo.value.message_dict["period"][0]
    assert "已关账" in excinfo.value.message_dict["period"][0]
    new = MonthlyReport(enterprise=AssignmentFactory().enterprise, period=NOV)
    with pytest.raises(ValidationError):
        new.full_clean()
    december = MonthlyReport(enterprise=new.enterprise, period=datetime.date(2021, 12, 1))
    december.full_clean()


def test_a_closed_month_reads_its_snapshot_not_later_changes(zone):
    close_month(period=NOV, acting_user=None, now=NOW)
    Target.objects.filter(enterprise__assignments__department=zone["D3"]).update(value=100)
    ranking = get_period_ranking(period=datetime.date(2021, 11, 1), metric="output_value")
    assert ranking.closed is True
    assert [(r.department_code, r.rank) for r in ranking.rows] == [("D1", 1), ("D2", 2), ("D3", 3)]

    live = get_period_ranking(period=datetime.date(2021, 10, 1), metric="output_value")
    assert live.closed is False


def test_reopen_needs_a_reason_and_records_it(zone):
    admin = UserFactory(username="admin")
    close_month(period=NOV, acting_user=None, now=NOW)
    with pytest.raises(ValidationError):
        reopen_month(period=NOV, acting_user=admin, reason="  ", now=NOW)
    assert Period.objects.get().status == "closed"

    reopen_month(period=NOV, acting_user=admin, reason="统计局更正了产值", now=NOW)
    assert Period.objects.get().status == "open"
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {"open"}
    event = PeriodEvent.objects.get(action="reopen")
    assert (event.by, event.reason) == (admin, "统计局更正了产值")
    with pytest.raises(ValidationError):
        reopen_month(period=NOV, acting_user=admin, reason="again", now=NOW)


def test_reclose_after_a_correction_withdraws_the_notice_of_a_department_caught_up(zone):
    close_month(period=NOV, acting_user=None, now=NOW)
    reopen_month(period=NOV, acting_user=None, reason="更正", now=NOW)
    report = MonthlyReport.objects.get(enterprise__assignments__department=zone["D2"])
    report.output_value = Decimal("1199")
    save_monthly_report(report=report)
    result = close_month(period=NOV, acting_user=None, now=NOW + datetime.timedelta(days=2))
    assert result.closed_now is True
    assert [(n.department.code, n.status) for n in result.notices] == [("D3", "issued")]
    withdrawn = SupervisionNotice.objects.get(department=zone["D2"])
    assert withdrawn.status == "withdrawn"
    assert list(withdrawn.events.values_list("status", flat=True)) == ["issued", "withdrawn"]
    assert RankingSnapshot.objects.get(department=zone["D2"], metric="output_value").rank == 1
    # Both notices were saved by the second close in bulk, each with its history row.
    renewed = SupervisionNotice.objects.get(department=zone["D3"])
    trail = {
        notice.pk: list(notice.history.order_by("history_id").values_list("history_type", "status"))
        for notice in (withdrawn, renewed)
    }
    assert trail == {
        withdrawn.pk: [("+", "issued"), ("~", "withdrawn")],
        renewed.pk: [("+", "issued"), ("~", "issued")],
    }


def test_close_runs_a_bounded_number_of_queries(zone, django_assert_max_num_queries):
    # 64 today, whatever the number of reports and members: the locks (a history INSERT …
    # SELECT and an UPDATE per kind of report), the ranking snapshot of every metric, the
    # members' snapshot (a delete, one INSERT … SELECT per enterprise metric, the projects'
    # reads and write), the notices and the stored bulletin, whose year-end projections read
    # the snapshot once and each ranked metric's earlier years (fingerprint, stored row, sum,
    # store); one more asks whether any of the month's data-quality flags is unexplained, one
    # more counts them for the bulletin; two more tell the lagging departments' officials in
    # the app (their logins, the notifications) (74 on SQLite, 75 on PostgreSQL).
    with django_assert_max_num_queries(75):
        close_month(period=NOV, acting_user=None, now=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_issue_the_notices_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is proven on PostgreSQL only")
    _department_with("D1", target="1200", ytd="100")
    _department_with("D2", target="1200", ytd="200")
    barrier = threading.Barrier(2, timeout=60)
    results, errors = [], []

    def close():
        try:
            barrier.wait()
            results.append(close_month(period=NOV, acting_user=None, now=NOW))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.closed_now for r in results) == [False, True]
    assert SupervisionNotice.objects.count() == 2
    assert PeriodEvent.objects.count() == 1


def test_close_month_command_closes_once(zone):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("close_month", "2021-11", stdout=out)
    assert "2 notice(s)" in out.getvalue()
    call_command("close_month", "2021-11", stdout=out)
    assert "already closed" in out.getvalue()
    assert SupervisionNotice.objects.count() == 2
    with pytest.raises(CommandError, match="2021-13"):
        call_command("close_month", "2021-13")


# --- months that have not ended or begun ---------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "now"),
    [
        (datetime.date(2099, 1, 1), NOW),
        (datetime.date(2021, 12, 1), NOW),  # the month still running in Shanghai
        # 2021-12-31 15:59 UTC is 23:59 on the 31st in Shanghai: December is still running.
        (datetime.date(2021, 12, 1), datetime.datetime(2021, 12, 31, 15, 59, tzinfo=datetime.UTC)),
    ],
)
def test_a_month_that_has_not_ended_is_not_closed_and_nothing_is_written(zone, period, now):
    with pytest.raises(ValidationError) as excinfo:
        close_month(period=period, acting_user=None, now=now)
    assert excinfo.value.error_dict["period"][0].code == "month_not_ended"
    assert not Period.objects.filter(status="closed").exists()
    assert not RankingSnapshot.objects.exists() and not SupervisionNotice.objects.exists()
    assert not Notification.objects.exists()


def test_a_month_closes_from_its_first_day_after_in_shanghai(zone):
    shanghai_midnight = datetime.datetime(2021, 11, 30, 16, 30, tzinfo=datetime.UTC)
    assert close_month(period=NOV, acting_user=None, now=shanghai_midnight).closed_now


def test_the_api_and_the_command_refuse_a_future_close(zone):
    from io import StringIO

    from django.core.management import CommandError, call_command
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(username="closer", is_superuser=True))
    response = client.post("/api/v1/periods/2099-01/close/")
    assert response.status_code == 400
    assert "2099-01" in response.json()["period"][0]
    with pytest.raises(CommandError, match="2099-01"):
        call_command("close_month", "2099-01", stdout=StringIO())
    assert not Period.objects.filter(status="closed").exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("period", ["2035-01", "2100-12"])
def test_figures_are_reported_only_for_months_that_have_begun(db, period):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(username="clerk", is_superuser=True))
    enterprise = AssignmentFactory(year=2021).enterprise
    body = {"enterprise": enterprise.pk, "period": period, "output_value": "10"}
    response = client.post("/api/v1/monthly-reports/", body, format="json")
    assert response.status_code == 400
    assert "尚未开始" in response.json()["period"][0]
    this_month = timezone.localdate().strftime("%Y-%m")
    body["period"] = this_month
    assert client.post("/api/v1/monthly-reports/", body, format="json").status_code == 201
    assert MonthlyReport.objects.count() == 1
