"""The supervision notices (督办): the department's response, the office's acceptance, reminders."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import update_with_history
from core.models import TEXT_MAX
from enterprises.models import (
    Official,
)

from ..choices import NoticeStatus, RankedMetric
from ..messaging.outgoing import queue_notice_reminders
from ..models import (
    NoticeEvent,
    Notification,
    SupervisionNotice,
)


@transaction.atomic
def respond_to_notice(
    *, notice: SupervisionNotice, response: str, acting_user, now: datetime.datetime
) -> SupervisionNotice:
    """Record the department's measures against a notice (issued → responded).

    A responded notice may have its measures amended until the supervision office closes it.
    """
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Write the measures taken before responding.")})
    if len(response) > TEXT_MAX:
        raise ValidationError(
            {
                "response": _("Write at most %(limit)s characters (this text has %(length)s).")
                % {"limit": TEXT_MAX, "length": len(response)}
            }
        )
    if notice.status not in (NoticeStatus.ISSUED, NoticeStatus.RESPONDED):
        raise ValidationError(
            {"status": _("Only an issued or responded notice can take a response.")}
        )
    notice.response = response
    notice.status = NoticeStatus.RESPONDED
    notice.responded_at = now
    notice.responded_by = acting_user
    notice.save(update_fields=["response", "status", "responded_at", "responded_by"])
    NoticeEvent.objects.create(
        notice=notice, status=NoticeStatus.RESPONDED, at=now, by=acting_user, note=response
    )
    return notice


@transaction.atomic
def close_notice(
    *, notice: SupervisionNotice, acting_user, now: datetime.datetime, note: str = ""
) -> SupervisionNotice:
    """Accept a department's response and close the notice (responded → closed)."""
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.RESPONDED:
        raise ValidationError(
            {"status": _("A notice is closed only after the department has responded.")}
        )
    notice.status = NoticeStatus.CLOSED
    notice.closed_at = now
    notice.closed_by = acting_user
    notice.save(update_fields=["status", "closed_at", "closed_by"])
    NoticeEvent.objects.create(
        notice=notice, status=NoticeStatus.CLOSED, at=now, by=acting_user, note=note
    )
    return notice


def department_users(department_ids) -> dict[int, list[tuple[int, str]]]:
    """Return (user id, e-mail) of each department's officials who have an active login."""
    users: dict[int, list[tuple[int, str]]] = {}
    rows = (
        Official.objects.filter(department_id__in=department_ids, user__is_active=True)
        .order_by("department_id", "rank", "name")
        .values_list("department_id", "user_id", "user__email")
    )
    for department_id, user_id, email in rows:
        users.setdefault(department_id, []).append((user_id, email))
    return users


def _reminder_body(notice: SupervisionNotice) -> str:
    return _(
        "%(department)s: the supervision notice on %(metric)s for %(period)s is due on "
        "%(due)s and has no response yet. Write the measures taken in the tracker."
    ) % {
        "department": notice.department.name,
        "metric": RankedMetric(notice.metric).label,
        "period": f"{notice.period:%Y-%m}",
        "due": notice.due_on.isoformat(),
    }


def send_notice_reminders(*, now: datetime.datetime, soon_days: int = 2) -> int:
    """Remind each department of its notices coming due and overdue, once each.

    A notice still unanswered within ``soon_days`` of its due date gets one reminder; once past
    its due date it gets one more. Every official of the department with a login gets it in the
    app, and by e-mail where the login has an address; the department's channels get it too.
    Returns the number of e-mails sent.
    """
    today = timezone.localdate(now)
    unanswered = SupervisionNotice.objects.filter(status=NoticeStatus.ISSUED)
    unanswered = unanswered.select_related("department")
    coming = list(
        unanswered.filter(
            due_reminder_sent_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=soon_days),
        )
    )
    overdue = list(unanswered.filter(overdue_reminder_sent_at__isnull=True, due_on__lt=today))
    users = department_users({n.department_id for n in coming + overdue})
    messages, notifications, channel_reminders = [], [], []
    due, late = _("Supervision notice coming due"), _("Supervision notice overdue")
    for notice, phase, subject in [(n, "due", due) for n in coming] + [
        (n, "overdue", late) for n in overdue
    ]:
        officials = users.get(notice.department_id, [])
        recipients = [email for _user_id, email in officials if email]
        body = _reminder_body(notice)
        notifications.extend(
            Notification(
                recipient_id=user_id,
                title=subject,
                body=body,
                url=reverse("notice_detail", args=[notice.pk]),
                created_at=now,
            )
            for user_id, _email in officials
        )
        channel_reminders.append((notice, phase, subject, body))
        if recipients:
            messages.append(
                (f"[{_('Hengkou Industrial Tracker')}] {subject}", body, None, recipients)
            )
    send_mass_mail(messages, fail_silently=False)
    Notification.objects.bulk_create(notifications)
    queue_notice_reminders(channel_reminders, now=now)
    update_with_history(
        SupervisionNotice.objects.filter(pk__in=[n.pk for n in coming]), due_reminder_sent_at=now
    )
    update_with_history(
        SupervisionNotice.objects.filter(pk__in=[n.pk for n in overdue]),
        overdue_reminder_sent_at=now,
    )
    return len(messages)
