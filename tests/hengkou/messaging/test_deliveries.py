"""Notices, reminders and escalations reach the channels of departments and leaders, logged and
retried; no secret shows in logs, pages or the admin."""

import datetime
import logging
import socket
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from hengkou.messaging.models import Delivery, DeliveryChannel
from hengkou.messaging.services import send_deliveries
from hengkou.models import SupervisionNotice
from hengkou.services.close import close_month
from hengkou.services.notices import send_notice_reminders
from hengkou.services.reminders import (
    escalate_problems,
    send_duty_reminders,
    send_report_reminders,
)
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    TargetFactory,
    UserFactory,
)
from tests.receivers import DING_SECRET, HOOK_SECRET, KEY, TOKEN, Receiver

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
CLOSED_AT = datetime.datetime(2021, 12, 3, 2, 0, tzinfo=datetime.UTC)
SECRETS = (KEY, TOKEN, DING_SECRET, HOOK_SECRET)


@pytest.fixture(autouse=True)
def loopback(settings):
    """Let the channels reach receivers on loopback, as only tests may."""
    settings.HENGKOU_MESSAGING_ALLOW_HTTP = True
    settings.HENGKOU_MESSAGING_HOSTS = {
        "wecom": ["127.0.0.1"],
        "dingtalk": ["127.0.0.1"],
        "webhook": ["127.0.0.1"],
    }
    settings.HENGKOU_SITE_URL = "https://tracker.example"


def _lagging(code):
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal("10"))
    return department


def _channel(kind, url, *, secret="", **owner):
    return DeliveryChannel.objects.create(
        name=f"{kind} group", kind=kind, target=url, secret=secret, **owner
    )


def _assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text


def test_a_notice_issued_at_a_close_reaches_wecom_and_signed_dingtalk(
    django_capture_on_commit_callbacks,
):
    lagging = _lagging("D2")
    with (
        Receiver("wecom") as wecom,
        Receiver("dingtalk", secret=DING_SECRET) as dingtalk,
    ):
        _channel("wecom", wecom.url, department=lagging)
        _channel("dingtalk", dingtalk.url, secret=DING_SECRET, department=lagging)
        with django_capture_on_commit_callbacks(execute=True):
            close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    notice = SupervisionNotice.objects.get(department=lagging)
    link = f"https://tracker.example/notices/{notice.pk}/"
    assert wecom.problems == [] and dingtalk.problems == []
    assert len(wecom.received) == 1 and len(dingtalk.received) == 1
    content = wecom.received[0]["markdown"]["content"]
    assert "D2局" in content and f"]({link})" in content
    assert "2021-11" in dingtalk.received[0]["markdown"]["title"]
    assert f"]({link})" in dingtalk.received[0]["markdown"]["text"]
    assert sorted(notice.deliveries.values_list("kind", "status", "attempts")) == [
        ("dingtalk", "sent", 1),
        ("wecom", "sent", 1),
    ]


def test_the_close_writes_deliveries_but_sends_nothing_before_it_commits(
    django_capture_on_commit_callbacks,
):
    lagging = _lagging("D2")
    with Receiver("wecom") as wecom:
        _channel("wecom", wecom.url, department=lagging)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            close_month(period=NOV, acting_user=None, now=CLOSED_AT)
        assert wecom.received == []
        assert Delivery.objects.get().status == "pending"
        for callback in callbacks:
            callback()
    assert len(wecom.received) == 1
    # Closing the closed month again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    assert len(wecom.received) == 1


def test_only_the_lagging_departments_channels_receive_its_notice(
    django_capture_on_commit_callbacks,
):
    lagging, other = _lagging("D2"), DepartmentFactory(code="D9")
    with Receiver("webhook", secret=HOOK_SECRET) as mine, Receiver("webhook") as theirs:
        _channel("webhook", mine.url, secret=HOOK_SECRET, department=lagging)
        _channel("webhook", theirs.url, department=other)
        with django_capture_on_commit_callbacks(execute=True):
            close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    assert mine.problems == [] and len(mine.received) == 1
    assert mine.received[0]["event"] == "notice"
    assert theirs.received == []


def test_a_failed_delivery_is_retried_with_backoff_and_succeeds_later(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.HENGKOU_MESSAGING_RETRY_BASE_SECONDS = 60
    caplog.set_level(logging.DEBUG)
    lagging = _lagging("D2")
    with Receiver("wecom") as wecom:
        wecom.answers += [(500, {}), (200, {"errcode": 93000, "errmsg": f"bad key {KEY}"})]
        _channel("wecom", wecom.url, department=lagging)
        with django_capture_on_commit_callbacks(execute=True):
            close_month(period=NOV, acting_user=None, now=CLOSED_AT)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert delivery.last_error == "HTTP 500"
        # Sent after the commit, at once; the first retry is due a minute after that attempt.
        first = delivery.next_attempt_at - datetime.timedelta(seconds=60)
        assert abs(first - timezone.now()) < datetime.timedelta(minutes=1)
        assert send_deliveries(now=first + datetime.timedelta(seconds=59)) == (0, 0)
        assert send_deliveries(now=first + datetime.timedelta(seconds=60)) == (0, 1)
        delivery.refresh_from_db()
        assert delivery.attempts == 2 and delivery.last_error.startswith("errcode 93000")
        assert delivery.next_attempt_at == first + datetime.timedelta(seconds=180)
        assert send_deliveries(now=first + datetime.timedelta(seconds=180)) == (1, 0)
        # A sent delivery is never sent again.
        assert send_deliveries(now=first + datetime.timedelta(days=1)) == (0, 0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(wecom.received) == 1
    assert "failed" in caplog.text
    _assert_no_secret(caplog.text)
    _assert_no_secret(delivery.last_error)


def test_a_delivery_gives_up_after_the_maximum_of_attempts(settings):
    settings.HENGKOU_MESSAGING_MAX_ATTEMPTS = 2
    lagging = _lagging("D2")
    channel = _channel("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x", department=lagging)
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)  # on_commit not run: pending
    delivery = Delivery.objects.get(channel=channel)
    later = CLOSED_AT + datetime.timedelta(hours=2)
    assert send_deliveries(now=later) == (0, 1)
    assert send_deliveries(now=later + datetime.timedelta(hours=2)) == (0, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert "connection refused" in delivery.last_error
    assert send_deliveries(now=later + datetime.timedelta(days=9)) == (0, 0)


def test_an_address_no_longer_allowed_is_refused_at_sending(settings):
    lagging = _lagging("D2")
    _channel("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x", department=lagging)
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    settings.HENGKOU_MESSAGING_HOSTS = {}
    send_deliveries(now=CLOSED_AT)
    assert Delivery.objects.get().last_error.startswith("address refused")


def test_the_command_sends_what_is_due_and_says_so(capsys):
    lagging = _lagging("D2")
    with Receiver("dingtalk") as dingtalk:
        _channel("dingtalk", dingtalk.url, department=lagging)
        close_month(period=NOV, acting_user=None, now=CLOSED_AT)  # left pending
        call_command("send_deliveries")
        call_command("send_deliveries")
    assert len(dingtalk.received) == 1
    assert "1 delivery(ies) sent, 0 failed." in capsys.readouterr().out


def test_notice_reminders_reach_the_departments_channel_once_per_phase(
    django_capture_on_commit_callbacks,
):
    lagging = _lagging("D2")
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    notice = SupervisionNotice.objects.get()
    with Receiver("wecom") as wecom:
        _channel("wecom", wecom.url, department=lagging)
        late = datetime.datetime.combine(notice.due_on, datetime.time(2), tzinfo=datetime.UTC)
        for _run in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                send_notice_reminders(now=late + datetime.timedelta(days=1))
    assert len(wecom.received) == 1
    assert Delivery.objects.get().event == "notice_reminder"


def test_escalations_reach_the_leaders_own_channel(django_capture_on_commit_callbacks):
    leader = CountyLeaderFactory(user=UserFactory(username="leader"))
    assignment = AssignmentFactory(year=2021, leader=leader)
    ProblemFactory(enterprise=assignment.enterprise, raised_on=datetime.date(2021, 3, 1))
    now = datetime.datetime(2021, 12, 3, 2, 0, tzinfo=datetime.UTC)
    with Receiver("dingtalk", secret=DING_SECRET) as dingtalk:
        _channel("dingtalk", dingtalk.url, secret=DING_SECRET, user=leader.user)
        with django_capture_on_commit_callbacks(execute=True):
            escalated = escalate_problems(now=now)
    assert escalated and dingtalk.problems == []
    assert len(dingtalk.received) == escalated
    assert all("/problems/" in body["markdown"]["text"] for body in dingtalk.received)


def test_an_attempt_claims_its_delivery_so_no_two_processes_send_it():
    from hengkou.messaging.services import _claim

    lagging = _lagging("D2")
    _channel("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x", department=lagging)
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    seen_by_one, seen_by_other = Delivery.objects.get(), Delivery.objects.get()
    assert _claim(seen_by_one, now=CLOSED_AT) is True
    assert _claim(seen_by_other, now=CLOSED_AT) is False
    # The claimed row is not due again until its lease has run out.
    assert send_deliveries(now=CLOSED_AT + datetime.timedelta(seconds=30)) == (0, 0)


def test_the_first_attempts_after_a_close_keep_to_their_time_budget(
    settings, django_capture_on_commit_callbacks
):
    settings.HENGKOU_MESSAGING_INLINE_SECONDS = 0
    lagging = _lagging("D2")
    with Receiver("wecom") as wecom:
        _channel("wecom", wecom.url, department=lagging)
        with django_capture_on_commit_callbacks(execute=True):
            close_month(period=NOV, acting_user=None, now=CLOSED_AT)
        assert wecom.received == []
        assert Delivery.objects.get().status == "pending"
        assert send_deliveries(now=timezone.now()) == (1, 0)
    assert len(wecom.received) == 1


def test_a_channel_switched_off_or_removed_fails_its_pending_deliveries_with_the_reason():
    lagging = _lagging("D2")
    off = _channel("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x", department=lagging)
    gone = _channel("dingtalk", "http://127.0.0.1:9/robot/send?access_token=y", department=lagging)
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    DeliveryChannel.objects.filter(pk=off.pk).update(is_active=False)
    gone.delete()
    assert send_deliveries(now=CLOSED_AT) == (0, 2)
    reasons = set(Delivery.objects.values_list("channel_name", "last_error"))
    assert reasons == {
        ("wecom group", "the channel was removed or switched off"),
        ("dingtalk group", "the channel was removed or switched off"),
    }


def test_an_allowed_host_name_that_resolves_to_an_internal_address_is_refused(
    settings, monkeypatch
):
    # The name passes the allow-list; the address it resolves to at connection time does not.
    settings.HENGKOU_MESSAGING_HOSTS = {"wecom": ["qyapi.weixin.qq.com"]}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "qyapi.weixin.qq.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    lagging = _lagging("D2")
    with Receiver("wecom") as wecom:
        url = f"http://qyapi.weixin.qq.com:{wecom.port}/cgi-bin/webhook/send?key={KEY}"
        _channel("wecom", url, department=lagging)
        close_month(period=NOV, acting_user=None, now=CLOSED_AT)
        assert send_deliveries(now=CLOSED_AT) == (0, 1)
    assert wecom.raw_paths == []
    reason = Delivery.objects.get().last_error
    assert reason.startswith("address refused: qyapi.weixin.qq.com resolves to 127.0.0.1")
    _assert_no_secret(reason)


def test_visit_duty_reminders_reach_the_officials_and_the_departments_channels_once(
    django_capture_on_commit_callbacks,
):
    responsible = OfficialFactory(name="张三", user=UserFactory(username="resp"))
    assignment = AssignmentFactory(responsible=responsible, department=responsible.department)
    saturday = datetime.datetime(2021, 12, 11, 2, tzinfo=datetime.UTC)  # the week ends Sunday
    with Receiver("dingtalk", secret=DING_SECRET) as own, Receiver("wecom") as group:
        _channel("dingtalk", own.url, secret=DING_SECRET, user=responsible.user)
        _channel("wecom", group.url, department=responsible.department)
        for hours in (0, 6):  # a rerun the same day sends nothing more
            with django_capture_on_commit_callbacks(execute=True):
                send_duty_reminders(now=saturday + datetime.timedelta(hours=hours))
    assert own.problems == [] and group.problems == []
    assert len(own.received) == 1 and len(group.received) == 1
    content = group.received[0]["markdown"]["content"]
    assert "张三" in content and assignment.enterprise.name in content
    assert "](https://tracker.example/my/)" in content
    assert "2021-12-12" in own.received[0]["markdown"]["text"]
    assert sorted(Delivery.objects.values_list("event", "kind", "status")) == [
        ("duty_reminder", "dingtalk", "sent"),
        ("duty_reminder", "wecom", "sent"),
    ]


def test_a_leaders_quarterly_duty_goes_to_the_leaders_own_channel_only(
    django_capture_on_commit_callbacks,
):
    leader = CountyLeaderFactory(user=UserFactory(username="leader"))
    assignment = AssignmentFactory(leader=leader)
    quarter_end = datetime.datetime(2021, 12, 30, 2, tzinfo=datetime.UTC)
    with Receiver("webhook") as own, Receiver("webhook") as group:
        mine = _channel("webhook", own.url, user=leader.user)
        _channel("webhook", group.url, department=assignment.department)
        with django_capture_on_commit_callbacks(execute=True):
            send_duty_reminders(now=quarter_end)
    # The leader's reminder reaches only the leader; the group gets none of the leader's.
    leader_rows = Delivery.objects.filter(title__contains=leader.name)
    assert list(leader_rows.values_list("channel", flat=True)) == [mine.pk]
    assert [body["event"] for body in own.received] == ["duty_reminder"]
    assert all(leader.name not in body["title"] for body in group.received)


def test_monthly_figures_reminders_reach_the_channels_once_per_phase(
    django_capture_on_commit_callbacks,
):
    owes = OfficialFactory(name="李四", user=UserFactory(username="owes"))
    assignment = AssignmentFactory(responsible=owes, department=owes.department)

    def at(day, hour=2):
        return datetime.datetime(2021, 12, day, hour, tzinfo=datetime.UTC)

    with Receiver("webhook", secret=HOOK_SECRET) as own, Receiver("wecom") as group:
        _channel("webhook", own.url, secret=HOOK_SECRET, user=owes.user)
        _channel("wecom", group.url, department=owes.department)
        for now in (at(3), at(3, 8), at(4), at(6), at(6, 9)):
            with django_capture_on_commit_callbacks(execute=True):
                send_report_reminders(now=now)
    assert own.problems == [] and group.problems == []
    assert [body["event"] for body in own.received] == ["report_reminder", "report_reminder"]
    assert len(group.received) == 2
    assert assignment.enterprise.name in own.received[0]["text"]
    assert own.received[0]["url"] == (
        f"https://tracker.example/enterprises/{assignment.enterprise_id}/"
    )
    assert Delivery.objects.filter(event="report_reminder", status="sent").count() == 4
