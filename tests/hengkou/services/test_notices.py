import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hengkou.models import SupervisionNotice
from hengkou.services.close import close_month
from hengkou.services.notices import send_notice_reminders
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
    TargetFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
CLOSED_AT = datetime.datetime(2021, 12, 3, 2, 0, tzinfo=datetime.UTC)


def _lagging(code):
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal("10"))
    return department


@pytest.fixture
def notices():
    departments = [_lagging("D1"), _lagging("D2")]
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    return departments


def test_list_shows_overdue_first(supervisor, notices):
    SupervisionNotice.objects.filter(department=notices[0]).update(due_on=datetime.date(2999, 1, 1))
    SupervisionNotice.objects.filter(department=notices[1]).update(due_on=datetime.date(2021, 1, 1))
    response = supervisor.get(reverse("notice_list"))
    html = response.content.decode()
    assert html.index("D2局") < html.index("D1局")
    assert "已逾期" in html
    response = supervisor.get(reverse("notice_list"), {"status": "overdue"})
    assert [n.department.code for n in response.context["page"]] == ["D2"]
    response = supervisor.get(reverse("notice_list"), {"period": "2021-13"})
    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()


def test_department_responds_and_supervision_office_closes(supervisor, notices):
    notice = SupervisionNotice.objects.get(department=notices[0])
    url = reverse("notice_detail", args=[notice.pk])
    response = supervisor.post(url, {"action": "respond", "response": ""})
    assert response.status_code == 200
    notice.refresh_from_db()
    assert notice.status == "issued"

    response = supervisor.post(
        url, {"action": "respond", "response": "已制定追赶计划"}, follow=True
    )
    assert "已记录您的反馈" in response.content.decode()
    response = supervisor.post(url, {"action": "close"}, follow=True)
    notice.refresh_from_db()
    assert notice.status == "closed"
    html = response.content.decode()
    assert "已制定追赶计划" in html and "已办结" in html
    response = supervisor.post(url, {"action": "close"}, follow=True)
    assert "部门反馈后方可办结督办通知" in response.content.decode()


def test_responding_needs_the_permission(client, notices):
    client.force_login(UserFactory())
    notice = SupervisionNotice.objects.first()
    response = client.post(
        reverse("notice_detail", args=[notice.pk]), {"action": "respond", "response": "x"}
    )
    assert response.status_code == 403
    # The supervision office reads every notice; the department responds, not the office.
    client.force_login(user_with_role("supervision_office"))
    response = client.post(
        reverse("notice_detail", args=[notice.pk]), {"action": "respond", "response": "x"}
    )
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.status == "issued"


def test_notice_list_runs_the_same_queries_at_two_sizes(supervisor):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert supervisor.get(reverse("notice_list")).status_code == 200
        return len(queries)

    for code in ("A1", "A2"):
        _lagging(code)
    close_month(period=NOV, acting_user=None, now=CLOSED_AT)
    small = count()
    for index in range(30):
        _lagging(f"B{index:02d}")
    close_month(period=datetime.date(2021, 10, 1), acting_user=None, now=CLOSED_AT)
    large = count()
    assert small == large


def test_reminders_are_sent_once_when_coming_due_and_once_when_overdue(notices):
    head = OfficialFactory(
        department=notices[0], rank="department_head", user=UserFactory(email="head@d1.gov.cn")
    )
    OfficialFactory(department=notices[0], user=UserFactory(email=""))
    assert head.user.email
    due = SupervisionNotice.objects.get(department=notices[0]).due_on  # 2021-12-13

    assert send_notice_reminders(now=datetime.datetime(2021, 12, 5, tzinfo=datetime.UTC)) == 0
    assert send_notice_reminders(now=datetime.datetime(2021, 12, 11, 3, tzinfo=datetime.UTC)) == 1
    assert mail.outbox[0].to == ["head@d1.gov.cn"]
    assert due.isoformat() in mail.outbox[0].body
    assert send_notice_reminders(now=datetime.datetime(2021, 12, 12, tzinfo=datetime.UTC)) == 0
    assert send_notice_reminders(now=datetime.datetime(2021, 12, 20, tzinfo=datetime.UTC)) == 1
    assert send_notice_reminders(now=datetime.datetime(2021, 12, 21, tzinfo=datetime.UTC)) == 0
    assert len(mail.outbox) == 2


def test_reminders_also_reach_officials_in_the_app(notices):
    official = OfficialFactory(department=notices[0], user=UserFactory(email=""))
    send_notice_reminders(now=datetime.datetime(2021, 12, 11, 3, tzinfo=datetime.UTC))
    notification = official.user.notifications.get()
    assert notification.title == "督办通知即将到期"
    assert notification.url == reverse(
        "notice_detail", args=[SupervisionNotice.objects.get(department=notices[0]).pk]
    )
    assert mail.outbox == []


def test_daily_job_escalates_missed_problem_clocks_to_the_leader_once():
    from io import StringIO

    from django.core.management import call_command

    from tests.factories import CountyLeaderFactory, ProblemFactory

    leader = CountyLeaderFactory(user=UserFactory(username="leader"))
    assignment = AssignmentFactory(year=2021, leader=leader)
    ProblemFactory(enterprise=assignment.enterprise, raised_on=datetime.date(2021, 3, 1))
    out = StringIO()
    call_command("send_reminders", stdout=out)
    titles = list(leader.user.notifications.values_list("title", flat=True))
    assert titles and all("企业诉求超期" in title for title in titles)
    count = len(titles)
    call_command("send_reminders", stdout=out)
    assert leader.user.notifications.count() == count


def test_visit_duty_reminders_are_sent_once_per_window():
    from hengkou.services.reminders import send_duty_reminders

    responsible = OfficialFactory(user=UserFactory(username="resp", email="resp@gov.cn"))
    AssignmentFactory(year=2021, responsible=responsible, department=responsible.department)
    saturday = datetime.datetime(2021, 12, 11, 2, tzinfo=datetime.UTC)
    assert send_duty_reminders(now=saturday) == 1
    assert send_duty_reminders(now=saturday + datetime.timedelta(hours=20)) == 0
    notification = responsible.user.notifications.get()
    assert notification.title == "本周帮扶即将到期"
    assert "2021-12-06" in notification.body and "2021-12-12" in notification.body
    assert mail.outbox[-1].to == ["resp@gov.cn"]


def test_whoever_owes_last_months_figures_is_reminded_once_near_the_deadline_and_once_late():
    from hengkou.services.reminders import send_report_reminders

    owes = OfficialFactory(user=UserFactory(username="owes", email="owes@gov.cn"))
    late = AssignmentFactory(year=2021, responsible=owes, department=owes.department)
    reported = AssignmentFactory(
        year=2021, responsible=OfficialFactory(user=UserFactory(username="done"))
    )
    MonthlyReportFactory(enterprise=reported.enterprise, period=datetime.date(2021, 11, 1))

    def at(day):
        return datetime.datetime(2021, 12, day, 2, tzinfo=datetime.UTC)

    assert send_report_reminders(now=at(1)) == 0  # 4 days before day 5: too early
    assert send_report_reminders(now=at(3)) == 1
    assert send_report_reminders(now=at(4)) == 0  # already reminded as due
    assert send_report_reminders(now=at(6)) == 1  # overdue
    assert send_report_reminders(now=at(9)) == 0
    titles = list(owes.user.notifications.values_list("title", flat=True))
    assert sorted(titles) == ["2021-11 月度指标即将到期", "2021-11 月度指标已逾期"]
    assert late.enterprise.name in owes.user.notifications.first().body
    assert [m.to for m in mail.outbox] == [["owes@gov.cn"], ["owes@gov.cn"]]
    assert not UserFactory(username="done").notifications.exists()


@pytest.mark.django_db
def test_a_notice_just_behind_time_progress_prints_apart_from_it(client):
    from decimal import Decimal

    from tests.factories import SupervisionNoticeFactory, UserFactory

    notice = SupervisionNoticeFactory(
        period=datetime.date(2021, 10, 1),
        metric="revenue",
        completion_rate=Decimal("0.833199599"),  # 83.32% against 83.33%
        time_progress=Decimal("0.833333333"),
        gap=Decimal("-0.000133734"),
    )
    client.force_login(UserFactory(username="so-reader", is_superuser=True))
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "83.32%" in html and "83.33%" in html and "-0.01" in html
    assert notice.places == 2


def test_a_notice_links_to_its_months_ranking_of_its_metric(supervisor):
    """The link opens the dashboard on the notice's month and metric, not the latest or default."""
    october = datetime.date(2021, 10, 1)
    department = DepartmentFactory(code="R1", name="R1局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, metric="revenue", value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=october, revenue=Decimal("10"))
    # A later month is reported too: the dashboard's default month would be November.
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, revenue=Decimal("10"))
    close_month(period=october, acting_user=None, now=CLOSED_AT)
    notice = SupervisionNotice.objects.get(department=department)
    assert notice.metric == "revenue"

    html = supervisor.get(reverse("notice_detail", args=[notice.pk])).content.decode()
    link = f"{reverse('dashboard')}?period=2021-10&amp;metric=revenue"
    assert f'href="{link}"' in html
    assert "2021-10 排名" in html

    board = supervisor.get(link.replace("&amp;", "&")).context["dashboard"]
    assert (board.period, board.metric) == (october, "revenue")
    assert [row.department_code for row in board.metric_ranking.rows] == ["R1"]
