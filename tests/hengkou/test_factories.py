"""The site's factories build rows that pass the models' own validation."""

from decimal import Decimal

import pytest

from hengkou.models import SupervisionNotice
from tests.factories import InspectionFactory, NotificationFactory, SupervisionNoticeFactory

pytestmark = pytest.mark.django_db


def test_a_notice_is_issued_and_its_gap_follows_the_rates_given():
    notice = SupervisionNoticeFactory(completion_rate=Decimal("0.4"))
    # The reminder stamps are null=True without blank=True, which full_clean() refuses when empty.
    notice.full_clean(exclude=["due_reminder_sent_at", "overdue_reminder_sent_at"])
    assert notice.status == "issued"
    assert notice.gap == Decimal("0.4") - Decimal("0.916666667")
    assert SupervisionNotice.objects.get().department == notice.department


def test_an_inspection_is_dated_inside_its_quarter():
    inspection = InspectionFactory(year=2022, quarter=2)
    inspection.full_clean()
    assert inspection.inspected_on.year == 2022
    assert (inspection.inspected_on.month - 1) // 3 + 1 == 2


def test_a_notification_is_unread():
    notification = NotificationFactory()
    notification.full_clean()
    assert notification.read_at is None
    assert notification.recipient.notifications.get() == notification
