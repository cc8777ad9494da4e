"""A user's in-app notifications: marking one read."""

from __future__ import annotations

import datetime

from ..models import Notification


def mark_notification_read(*, notification: Notification, now: datetime.datetime) -> Notification:
    """Mark ``notification`` read at ``now`` (once: a second call keeps the first time)."""
    if notification.read_at is None:
        updated = Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now)
        if updated:
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification
