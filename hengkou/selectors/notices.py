"""The supervision notices (督办) as their list shows them."""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Value,
    When,
)

from ..choices import NoticeStatus
from ..models import SupervisionNotice


def list_notices(*, period: datetime.date | None = None, status: str = "", today: datetime.date):
    """Return supervision notices joined with their department, overdue ones first.

    ``status`` is a stored status, ``open`` (issued or responded) or ``overdue`` (issued and
    past its due date).
    """
    notices = SupervisionNotice.objects.select_related("department")
    if period:
        notices = notices.filter(period=period)
    if status == "overdue":
        notices = notices.filter(SupervisionNotice.overdue_on(today))
    elif status == "open":
        notices = notices.filter(status__in=[NoticeStatus.ISSUED, NoticeStatus.RESPONDED])
    elif status:
        notices = notices.filter(status=status)
    overdue_first = Case(When(SupervisionNotice.overdue_on(today), then=Value(0)), default=Value(1))
    return notices.order_by(overdue_first, "-period", "department__code", "metric")
