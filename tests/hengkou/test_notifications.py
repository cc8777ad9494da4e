import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from hengkou.models import Notification
from hengkou.services.close import close_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
    TargetFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
NOW = datetime.datetime(2021, 12, 3, 2, tzinfo=datetime.UTC)


@pytest.fixture
def people():
    leader = OfficialFactory(rank="county_leader")
    user_with_role("county_leader", official=leader, username="leader")
    office = DepartmentFactory(kind="supervision_office")
    supervisor = OfficialFactory(department=office)
    user_with_role("supervision_office", official=supervisor, username="supervisor")
    # A clerk of the economic bureau reads every record, but not other people's notifications.
    bureau = DepartmentFactory(kind="economic_bureau")
    clerk = OfficialFactory(department=bureau)
    user_with_role("economic_bureau", official=clerk, username="clerk")
    OfficialFactory(rank="county_leader")  # no login: nobody to notify
    assignment = AssignmentFactory()
    TargetFactory(enterprise=assignment.enterprise, value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=10)
    return leader.user, supervisor.user, clerk.user


def test_close_sends_the_bulletin_with_its_files_to_leaders_and_supervision_office(people):
    leader, supervisor, clerk = people
    close_month(period=NOV, acting_user=None, now=NOW)
    close_month(period=NOV, acting_user=None, now=NOW)  # idempotent: sent once
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "leader",
        "supervisor",
    ]
    notification = leader.notifications.get()
    assert notification.title == "2021-11 月通报"
    assert "1 份督办通知" in notification.body
    assert notification.url == reverse("bulletin:detail", args=["2021-11"])
    assert [file["url"] for file in notification.attachments] == [
        reverse("bulletin:xlsx", args=["2021-11"]),
        reverse("bulletin:docx", args=["2021-11"]),
        reverse("bulletin:pdf", args=["2021-11"]),
    ]


def test_unread_count_in_the_navigation_and_opening_marks_read(client, people):
    leader, _supervisor, _clerk = people
    close_month(period=NOV, acting_user=None, now=NOW)
    client.force_login(leader)
    html = client.get(reverse("notification_list")).content.decode()
    assert "2021-11 月通报" in html and 'rounded-pill text-bg-warning">1<' in html
    notification = leader.notifications.get()
    response = client.get(reverse("notification_open", args=[notification.pk]))
    assert response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None
    html = client.get(reverse("home")).content.decode()
    assert 'rounded-pill text-bg-warning">' not in html


def test_a_user_cannot_open_someone_elses_notification(client, people):
    leader, _supervisor, clerk = people
    close_month(period=NOV, acting_user=None, now=NOW)
    client.force_login(clerk)
    response = client.get(reverse("notification_open", args=[leader.notifications.get().pk]))
    assert response.status_code == 404
