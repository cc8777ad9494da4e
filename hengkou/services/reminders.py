"""Reminders of what is due: visit duties, monthly figures, missed problem clocks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import report_deadline
from enterprises.models import (
    Assignment,
)
from enterprises.selectors.duties import list_duties_due_soon
from enterprises.services.escalation import escalate_missed_clocks

from ..messaging.models import DeliveryEvent
from ..messaging.outgoing import ChannelReminder, queue_escalations, queue_reminders
from ..models import (
    Notification,
    Reminder,
)


def escalate_problems(*, now: datetime.datetime) -> int:
    """Escalate missed problem clocks to their sponsoring leaders, in the app and by e-mail.

    Each (problem, clock) once; returns how many were escalated.
    """

    def notify(escalations):
        send_mass_mail(
            [
                (
                    f"[{_('Hengkou Industrial Tracker')}] {e.title}",
                    e.body,
                    None,
                    [e.leader_user.email],
                )
                for e in escalations
                if e.leader_user.email
            ],
            fail_silently=False,
        )
        Notification.objects.bulk_create(
            Notification(
                recipient=escalation.leader_user,
                title=escalation.title,
                body=escalation.body,
                url=escalation.url,
                created_at=now,
            )
            for escalation in escalations
        )
        # The leaders' own channels, sent once the escalation has committed.
        queue_escalations(escalations, now=now)

    return escalate_missed_clocks(today=timezone.localdate(now), now=now, notify=notify)


# A leader's quarterly visit is the leader's own affair: it is not posted to a department's group.
OWN_CHANNELS_ONLY = {"leader_quarterly"}

DUTY_TITLES = {
    "leader_quarterly": gettext_lazy("Quarterly visit due"),
    "head_monthly": gettext_lazy("Monthly visit due"),
    "responsible_weekly": gettext_lazy("Weekly visit due"),
}


def _not_yet_sent(keys: dict) -> dict:
    """Return the (user id, key) pairs of ``keys`` that no Reminder records yet, with values."""
    already = set(
        Reminder.objects.filter(
            recipient_id__in={user_id for user_id, _key in keys},
            key__in={key for _user_id, key in keys},
        ).values_list("recipient_id", "key")
    )
    return {pair: value for pair, value in keys.items() if pair not in already}


@dataclass
class _Outbox:
    """Reminders gathered for one run, sent together: in the app, to channels, by e-mail."""

    now: datetime.datetime
    reminders: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    channel_reminders: list = field(default_factory=list)
    mails: list = field(default_factory=list)

    def add(self, *, user_id, key, title, body, url, email, event, sender, department_id) -> None:
        """Gather one reminder to ``user_id``: in the app, by e-mail if ``email``, and to the
        user's own channels and ``department_id``'s (None: the user's own only), whose group
        message names the ``sender`` it is meant for."""
        self.reminders.append(Reminder(recipient_id=user_id, key=key, sent_at=self.now))
        self.notifications.append(
            Notification(recipient_id=user_id, title=title, body=body, url=url, created_at=self.now)
        )
        self.channel_reminders.append(
            ChannelReminder(
                user_id=user_id,
                department_id=department_id,
                key=key,
                event=event,
                title=f"{title}: {sender}",
                text=body,
                path=url,
            )
        )
        if email:
            self.mails.append((f"[{_('Hengkou Industrial Tracker')}] {title}", body, None, [email]))

    def send(self) -> int:
        """Record and send everything gathered; return how many reminders."""
        Reminder.objects.bulk_create(self.reminders)
        Notification.objects.bulk_create(self.notifications)
        # The officials' own channels and their departments', sent once this has committed.
        queue_reminders(self.channel_reminders, now=self.now)
        send_mass_mail(self.mails, fail_silently=False)
        return len(self.reminders)


@transaction.atomic
def send_duty_reminders(*, now: datetime.datetime, within_days: int = 2) -> int:
    """Remind each official of a visit duty whose window ends within two days, once per window.

    In the app, by e-mail where the official's login has an address, and to the official's
    own channels and the department's. Returns how many reminders were sent.
    """
    today = timezone.localdate(now)
    duties = [
        d for d in list_duties_due_soon(today=today, within_days=within_days) if d.official.user_id
    ]
    keys = {
        (d.official.user_id, f"duty:{d.assignment_id}:{d.duty}:{d.window.start:%Y-%m-%d}"): d
        for d in duties
    }
    outbox = _Outbox(now=now)
    url = reverse("enterprises:my_enterprises")
    for (user_id, key), duty in _not_yet_sent(keys).items():
        title = str(DUTY_TITLES[duty.duty])
        body = _(
            "%(enterprise)s: no visit yet in the window %(start)s to %(end)s; %(days)s day(s) left."
        ) % {
            "enterprise": duty.enterprise_name,
            "start": duty.window.start.isoformat(),
            "end": duty.window.end.isoformat(),
            "days": duty.days_left(today),
        }
        outbox.add(
            user_id=user_id,
            key=key,
            title=title,
            body=body,
            url=url,
            email=duty.official.user.email,
            event=DeliveryEvent.DUTY_REMINDER,
            sender=duty.official.name,
            department_id=None if duty.duty in OWN_CHANNELS_ONLY else duty.department_id,
        )
    return outbox.send()


@transaction.atomic
def send_report_reminders(*, now: datetime.datetime, within_days: int = 2) -> int:
    """Remind whoever owes last month's figures, once as the deadline nears and once overdue.

    Last month's figures are due by day 5 of this month (HENGKOU_REPORT_DUE_DAY). The
    responsible person of each assignment whose enterprise has not reported is reminded in the
    app, by e-mail where the login has an address, and to the person's own channels and the
    department's. Returns how many reminders were sent.
    """
    today = timezone.localdate(now)
    period = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    deadline = report_deadline(period=period)
    days_left = (deadline - today).days
    if days_left > within_days:
        return 0
    phase = "overdue" if days_left < 0 else "due"
    owing = list(
        Assignment.objects.filter(year=period.year, responsible__user__isnull=False)
        .exclude(enterprise__monthly_reports__period=period)
        .select_related("enterprise", "responsible__user")
    )
    keys = {(a.responsible.user_id, f"report:{a.pk}:{period:%Y-%m}:{phase}"): a for a in owing}
    title = (
        _("Monthly figures overdue: %(period)s")
        if phase == "overdue"
        else _("Monthly figures due: %(period)s")
    ) % {"period": f"{period:%Y-%m}"}
    outbox = _Outbox(now=now)
    for (user_id, key), assignment in _not_yet_sent(keys).items():
        body = _(
            "%(enterprise)s has not reported its figures of %(period)s, due by %(deadline)s."
        ) % {
            "enterprise": assignment.enterprise.name,
            "period": f"{period:%Y-%m}",
            "deadline": deadline.isoformat(),
        }
        url = reverse("enterprises:enterprise_detail", args=[assignment.enterprise_id])
        outbox.add(
            user_id=user_id,
            key=key,
            title=title,
            body=body,
            url=url,
            email=assignment.responsible.user.email,
            event=DeliveryEvent.REPORT_REMINDER,
            sender=assignment.responsible.name,
            department_id=assignment.department_id,
        )
    return outbox.send()
