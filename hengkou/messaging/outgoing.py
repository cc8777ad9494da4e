"""What each event sends to which channels: notices and their reminders to the department's
channels, escalations to the leader's own, visit-duty and monthly-figures reminders to the
official's own channels and (but a leader's duty) the sponsoring department's."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from core.messaging import Message

from ..choices import RankedMetric
from ..models import SupervisionNotice
from .models import DeliveryEvent
from .services import (
    Outgoing,
    channels_of_departments,
    channels_of_users,
    queue_deliveries,
    site_url,
)


def _percent(value) -> str:
    return f"{value * 100:.1f}%"


def notice_message(notice, *, title: str | None = None, text: str | None = None) -> Message:
    """Return the message of a supervision notice: its figures, due date and link."""
    facts = {
        "department": notice.department.name,
        "metric": RankedMetric(notice.metric).label,
        "period": f"{notice.period:%Y-%m}",
        "rate": _percent(notice.completion_rate),
        "progress": _percent(notice.time_progress),
        "due": notice.due_on.isoformat(),
    }
    return Message(
        title=title or _("Supervision notice: %(department)s, %(metric)s, %(period)s") % facts,
        text=text
        or _(
            "**%(department)s** lags on %(metric)s in %(period)s: completion %(rate)s against "
            "time progress %(progress)s. Write the measures taken by %(due)s."
        )
        % facts,
        url=site_url(reverse("notice_detail", args=[notice.pk])),
        event=DeliveryEvent.NOTICE,
        id=f"notice-{notice.pk}",
    )


def queue_notices(notices, *, now: datetime.datetime) -> int:
    """Queue each issued notice for its department's channels (once per issue)."""
    if not notices:
        return 0
    channels = channels_of_departments({notice.department_id for notice in notices})
    notices = SupervisionNotice.objects.filter(
        pk__in=[notice.pk for notice in notices if notice.department_id in channels]
    ).select_related("department")
    outgoing = [
        Outgoing(
            message=notice_message(notice),
            channel=channel,
            key=f"notice:{notice.pk}:{notice.issued_at:%Y%m%dT%H%M%S}",
            event=DeliveryEvent.NOTICE,
            notice_id=notice.pk,
        )
        for notice in notices
        for channel in channels.get(notice.department_id, [])
    ]
    return queue_deliveries(outgoing, now=now)


def queue_notice_reminders(reminders, *, now: datetime.datetime) -> int:
    """Queue reminders of (notice, phase, title, text) for the departments' channels."""
    if not reminders:
        return 0
    channels = channels_of_departments({notice.department_id for notice, *_rest in reminders})
    outgoing = [
        Outgoing(
            message=notice_message(notice, title=title, text=text),
            channel=channel,
            key=f"notice-reminder:{notice.pk}:{phase}",
            event=DeliveryEvent.NOTICE_REMINDER,
            notice_id=notice.pk,
        )
        for notice, phase, title, text in reminders
        for channel in channels.get(notice.department_id, [])
    ]
    return queue_deliveries(outgoing, now=now)


def queue_escalations(escalations, *, now: datetime.datetime) -> int:
    """Queue each escalation for the sponsoring leader's own channels."""
    channels = channels_of_users({escalation.leader_user.pk for escalation in escalations})
    outgoing = [
        Outgoing(
            message=Message(
                title=escalation.title,
                text=escalation.body,
                url=site_url(escalation.url),
                event=DeliveryEvent.ESCALATION,
                id=f"problem-{escalation.problem.pk}-{escalation.clock}",
            ),
            channel=channel,
            key=f"escalation:{escalation.problem.pk}:{escalation.clock}",
            event=DeliveryEvent.ESCALATION,
        )
        for escalation in escalations
        for channel in channels.get(escalation.leader_user.pk, [])
    ]
    return queue_deliveries(outgoing, now=now)


@dataclass(frozen=True)
class ChannelReminder:
    """A reminder to one official: their own channels, and their department's when given."""

    user_id: int
    department_id: int | None
    key: str
    event: str
    title: str
    text: str
    path: str


def queue_reminders(reminders: list[ChannelReminder], *, now: datetime.datetime) -> int:
    """Queue each reminder for its user's channels and its department's, once per channel."""
    if not reminders:
        return 0
    by_user = channels_of_users({reminder.user_id for reminder in reminders})
    by_department = channels_of_departments(
        {reminder.department_id for reminder in reminders if reminder.department_id}
    )
    outgoing = []
    for reminder in reminders:
        message = Message(
            title=reminder.title,
            text=reminder.text,
            url=site_url(reminder.path),
            event=reminder.event,
            id=reminder.key,
        )
        channels = [
            *by_user.get(reminder.user_id, []),
            *by_department.get(reminder.department_id, []),
        ]
        outgoing.extend(
            Outgoing(
                message=message,
                channel=channel,
                key=f"{reminder.key}:user{reminder.user_id}",
                event=reminder.event,
            )
            for channel in channels
        )
    return queue_deliveries(outgoing, now=now)
