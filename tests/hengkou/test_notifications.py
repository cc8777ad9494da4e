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
    # Showing it changes nothing (a GET is safe: a link prefetcher never marks it read) …
    shown = client.get(reverse("notification_open", args=[notification.pk]))
    assert shown.status_code == 200
    assert "2021-11 月通报" in shown.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None
    # … the button (a POST) marks it read and follows its link.
    response = client.post(reverse("notification_open", args=[notification.pk]))
    assert response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None
    html = client.get(reverse("home")).content.decode()
    assert 'rounded-pill text-bg-warning">' not in html


def test_a_user_cannot_open_someone_elses_notification(client, people):
    leader, _supervisor, clerk = people
    close_month(period=NOV, acting_user=None, now=NOW)
    client.force_login(clerk)
    theirs = leader.notifications.get()
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_lists_the_callers_notifications_and_marks_one_read(people):
    from rest_framework.test import APIClient

    leader, supervisor, _clerk = people
    close_month(period=NOV, acting_user=None, now=NOW)
    api = APIClient()
    api.force_authenticate(leader)
    listed = api.get("/api/v1/notifications/")
    assert listed.status_code == 200
    mine = leader.notifications.get()
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/notifications/{mine.pk}/").json()["read_at"] is None
    mine.refresh_from_db()
    assert mine.read_at is None  # reading is not marking read
    answer = api.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert answer.status_code == 200 and answer.json()["read_at"] is not None
    mine.refresh_from_db()
    first = mine.read_at
    assert api.post(f"/api/v1/notifications/{mine.pk}/read/").json()["read_at"]
    mine.refresh_from_db()
    assert mine.read_at == first  # marked once
    theirs = supervisor.notifications.get()
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
