"""Writes of the site's workflows: the monthly close (一月一通报) and its reopen."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import update_with_history
from core.figures_cache import figures_changed
from core.models import REASON_MAX, TEXT_MAX
from enterprises.choices import DepartmentKind, OfficialRank, PeriodStatus, ReportStatus
from enterprises.models import (
    Assignment,
    MonthlyReport,
    Official,
    Period,
    PeriodEvent,
    Target,
)
from enterprises.selectors.duties import list_duties_due_soon
from enterprises.services.problems import escalate_missed_clocks
from projects.models import ProjectPlan, ProjectReport

from .bulletin_content import issue_bulletin
from .choices import NoticeStatus, RankedMetric
from .drilldown import snapshot_members
from .models import (
    Inspection,
    NoticeEvent,
    Notification,
    RankingSnapshot,
    Reminder,
    SupervisionNotice,
    rate_to_decimal,
)
from .ranking import ENTERPRISE_METRICS, INVESTMENT_METRICS, METRICS
from .selectors import list_department_rankings, report_deadline


def list_ranked_metrics(*, year: int) -> list[str]:
    """Return the metrics ranked at a close of ``year``: those with a target that year.

    An enterprise metric needs at least one Target; the investment metrics at least one project
    plan for the year.
    """
    with_targets = set(Target.objects.filter(year=year).values_list("metric", flat=True).distinct())
    metrics = [metric for metric in ENTERPRISE_METRICS if metric in with_targets]
    if ProjectPlan.objects.filter(year=year).exists():
        metrics.extend(INVESTMENT_METRICS)
    return metrics


@dataclass(frozen=True)
class CloseResult:
    """What a close returns: the month, its notices and whether this call closed it."""

    period: Period
    notices: list[SupervisionNotice]
    closed_now: bool


def _notice_due_on(now: datetime.datetime) -> datetime.date:
    days = getattr(settings, "HENGKOU_NOTICE_DUE_DAYS", 10)
    return timezone.localdate(now) + datetime.timedelta(days=days)


def _period_notices(period: datetime.date) -> list[SupervisionNotice]:
    return list(
        SupervisionNotice.objects.filter(period=period)
        .exclude(status=NoticeStatus.WITHDRAWN)
        .select_related("department")
        .order_by("metric", "department__code")
    )


@transaction.atomic
def close_month(*, period: datetime.date, acting_user, now: datetime.datetime) -> CloseResult:
    """Close a month: lock its reports, snapshot the rankings, issue notices and the bulletin.

    Refused (nothing written) for a month that has not ended by ``now`` in Asia/Shanghai.
    Idempotent: closing a closed month returns its result and changes nothing. Two closes at
    once serialise on the month's row. A month closed again after a reopen replaces its
    snapshot; a department still lagging keeps its notice (with the new figures), one no
    longer lagging has its open notice withdrawn.
    """
    period = period.replace(day=1)
    if period >= timezone.localdate(now).replace(day=1):
        raise ValidationError(
            {
                "period": ValidationError(
                    _(
                        "The month %(period)s has not ended yet: a month is closed after its "
                        "last day."
                    )
                    % {"period": f"{period:%Y-%m}"},
                    code="month_not_ended",
                )
            }
        )
    figures_changed()
    Period.objects.get_or_create(period=period)
    month = Period.objects.select_for_update().get(period=period)
    if month.status == PeriodStatus.CLOSED:
        return CloseResult(period=month, notices=_period_notices(period), closed_now=False)

    # QuerySet.update writes no history: update_with_history records each locked report.
    reason = f"close {period:%Y-%m}"
    for model in (MonthlyReport, ProjectReport):
        update_with_history(
            model.objects.filter(period=period),
            user=acting_user,
            reason=reason,
            status=ReportStatus.LOCKED,
        )

    # Every metric is frozen, so a closed month never changes; only ranked metrics can lag
    # (an unranked one has no target, hence no rate).
    RankingSnapshot.objects.filter(period=month).delete()
    snapshots, lagging = [], {}
    for metric in METRICS:
        for row in list_department_rankings(year=period.year, month=period.month, metric=metric):
            snapshots.append(RankingSnapshot.from_row(row, period=month, metric=metric))
            if row.lagging:
                lagging[(row.department_id, metric)] = row
    RankingSnapshot.objects.bulk_create(snapshots)
    snapshot_members(month)

    existing = {
        (notice.department_id, notice.metric): notice
        for notice in SupervisionNotice.objects.select_for_update().filter(period=period)
    }
    events = []
    for key, row in lagging.items():
        figures = {
            "completion_rate": rate_to_decimal(row.completion_rate),
            "time_progress": rate_to_decimal(row.time_progress),
            "gap": rate_to_decimal(row.gap),
        }
        notice = existing.get(key)
        if notice is None:
            notice = SupervisionNotice.objects.create(
                department_id=key[0],
                period=period,
                metric=key[1],
                issued_at=now,
                due_on=_notice_due_on(now),
                **figures,
            )
            events.append(
                NoticeEvent(notice=notice, status=NoticeStatus.ISSUED, at=now, by=acting_user)
            )
            continue
        for field, value in figures.items():
            setattr(notice, field, value)
        if notice.status == NoticeStatus.WITHDRAWN:
            notice.status = NoticeStatus.ISSUED
            notice.issued_at = now
            notice.due_on = _notice_due_on(now)
            events.append(
                NoticeEvent(notice=notice, status=NoticeStatus.ISSUED, at=now, by=acting_user)
            )
        notice.save()
    for key, notice in existing.items():
        if key not in lagging and notice.status == NoticeStatus.ISSUED:
            notice.status = NoticeStatus.WITHDRAWN
            notice.save(update_fields=["status"])
            events.append(
                NoticeEvent(
                    notice=notice,
                    status=NoticeStatus.WITHDRAWN,
                    at=now,
                    by=acting_user,
                    note=_("No longer lagging when the month was closed again."),
                )
            )
    NoticeEvent.objects.bulk_create(events)

    month.status = PeriodStatus.CLOSED
    month.closed_at = now
    month.closed_by = acting_user
    month.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    PeriodEvent.objects.create(
        period=month, action=PeriodEvent.Action.CLOSE, at=now, by=acting_user
    )
    issue_bulletin(month=month, now=now)
    notices = _period_notices(period)
    _send_bulletin(period=period, notice_count=len(notices), now=now)
    return CloseResult(period=month, notices=notices, closed_now=True)


def bulletin_recipients():
    """Return the users who receive each bulletin: the zone's leaders and the supervision office.

    That is every active user linked to a county-level leader or to an official of a
    supervision-office department (报送管委会各领导及抓落实办).
    """
    user_model = get_user_model()
    return user_model.objects.filter(is_active=True).filter(
        Q(official__rank=OfficialRank.COUNTY_LEADER)
        | Q(official__department__kind=DepartmentKind.SUPERVISION_OFFICE)
    )


def _send_bulletin(*, period: datetime.date, notice_count: int, now: datetime.datetime) -> int:
    """Send the month's bulletin as an in-app notification with its files; return how many."""
    key = f"{period:%Y-%m}"
    title = _("Monthly bulletin %(period)s") % {"period": key}
    body = _(
        "%(period)s is closed. The bulletin holds the zone's figures, the department rankings "
        "and %(count)s supervision notice(s) to lagging departments."
    ) % {"period": key, "count": notice_count}
    attachments = [
        {"label": _("Excel"), "url": reverse("bulletin:xlsx", args=[key])},
        {"label": _("Word"), "url": reverse("bulletin:docx", args=[key])},
        {"label": _("PDF"), "url": reverse("bulletin:pdf", args=[key])},
    ]
    url = reverse("bulletin:detail", args=[key])
    notifications = [
        Notification(
            recipient=user,
            title=title,
            body=body,
            url=url,
            attachments=attachments,
            created_at=now,
        )
        for user in bulletin_recipients()
    ]
    Notification.objects.bulk_create(notifications)
    return len(notifications)


@transaction.atomic
def reopen_month(
    *, period: datetime.date, acting_user, reason: str, now: datetime.datetime
) -> Period:
    """Reopen a closed month so its figures can change; the reason is recorded.

    The snapshot and the notices stay until the month is closed again.
    """
    figures_changed()
    period = period.replace(day=1)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the month is reopened.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": _("Write at most %(limit)s characters (this text has %(length)s).")
                % {"limit": REASON_MAX, "length": len(reason)}
            }
        )
    month = Period.objects.select_for_update().filter(period=period).first()
    if month is None or month.status != PeriodStatus.CLOSED:
        raise ValidationError(
            {"period": _("The month %(period)s is not closed.") % {"period": f"{period:%Y-%m}"}}
        )
    for model in (MonthlyReport, ProjectReport):
        update_with_history(
            model.objects.filter(period=period),
            user=acting_user,
            reason=f"reopen {period:%Y-%m}: {reason}"[:100],
            status=ReportStatus.OPEN,
        )
    month.status = PeriodStatus.OPEN
    month.save(update_fields=["status", "updated_at"])
    PeriodEvent.objects.create(
        period=month, action=PeriodEvent.Action.REOPEN, at=now, by=acting_user, reason=reason
    )
    return month


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


def _department_users(department_ids) -> dict[int, list[tuple[int, str]]]:
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


def send_notice_reminders(*, now: datetime.datetime, soon_days: int = 2) -> int:
    """Remind each department of its notices coming due and overdue, once each.

    A notice still unanswered within ``soon_days`` of its due date gets one reminder; once past
    its due date it gets one more. Every official of the department with a login gets it in the
    app, and by e-mail where the login has an address. Returns the number of e-mails sent.
    """
    today = timezone.localdate(now)
    unanswered = SupervisionNotice.objects.filter(status=NoticeStatus.ISSUED).select_related(
        "department"
    )
    coming = list(
        unanswered.filter(
            due_reminder_sent_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=soon_days),
        )
    )
    overdue = list(unanswered.filter(overdue_reminder_sent_at__isnull=True, due_on__lt=today))
    users = _department_users({n.department_id for n in coming + overdue})
    messages, notifications = [], []
    for notice, subject in [(n, _("Supervision notice coming due")) for n in coming] + [
        (n, _("Supervision notice overdue")) for n in overdue
    ]:
        department_users = users.get(notice.department_id, [])
        recipients = [email for _user_id, email in department_users if email]
        body = _(
            "%(department)s: the supervision notice on %(metric)s for %(period)s is due on "
            "%(due)s and has no response yet. Write the measures taken in the tracker."
        ) % {
            "department": notice.department.name,
            "metric": RankedMetric(notice.metric).label,
            "period": f"{notice.period:%Y-%m}",
            "due": notice.due_on.isoformat(),
        }
        notifications.extend(
            Notification(
                recipient_id=user_id,
                title=subject,
                body=body,
                url=reverse("notice_detail", args=[notice.pk]),
                created_at=now,
            )
            for user_id, _email in department_users
        )
        if recipients:
            messages.append(
                (f"[{_('Hengkou Industrial Tracker')}] {subject}", body, None, recipients)
            )
    send_mass_mail(messages, fail_silently=False)
    Notification.objects.bulk_create(notifications)
    update_with_history(
        SupervisionNotice.objects.filter(pk__in=[n.pk for n in coming]), due_reminder_sent_at=now
    )
    update_with_history(
        SupervisionNotice.objects.filter(pk__in=[n.pk for n in overdue]),
        overdue_reminder_sent_at=now,
    )
    return len(messages)


@transaction.atomic
def record_inspection(*, form, acting_user) -> Inspection:
    """Save a quarterly inspection from a validated form, with who recorded it."""
    inspection = form.save(commit=False)
    inspection.inspector = acting_user
    inspection.full_clean()
    inspection.save()
    return inspection


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

    return escalate_missed_clocks(today=timezone.localdate(now), now=now, notify=notify)


DUTY_TITLES = {
    "leader_quarterly": gettext_lazy("Quarterly visit due"),
    "head_monthly": gettext_lazy("Monthly visit due"),
    "responsible_weekly": gettext_lazy("Weekly visit due"),
}


@transaction.atomic
def send_duty_reminders(*, now: datetime.datetime, within_days: int = 2) -> int:
    """Remind each official of a visit duty whose window ends within two days, once per window.

    In the app, and by e-mail where the official's login has an address. Returns how many
    reminders were sent.
    """
    today = timezone.localdate(now)
    duties = [
        d for d in list_duties_due_soon(today=today, within_days=within_days) if d.official.user_id
    ]
    keys = {
        (d.official.user_id, f"duty:{d.assignment_id}:{d.duty}:{d.window.start:%Y-%m-%d}"): d
        for d in duties
    }
    already = set(
        Reminder.objects.filter(
            recipient_id__in={user_id for user_id, _key in keys},
            key__in={key for _user_id, key in keys},
        ).values_list("recipient_id", "key")
    )
    fresh = {pair: duty for pair, duty in keys.items() if pair not in already}
    notifications, mails, reminders = [], [], []
    for (user_id, key), duty in fresh.items():
        title = str(DUTY_TITLES[duty.duty])
        body = _(
            "%(enterprise)s: no visit yet in the window %(start)s to %(end)s; %(days)s day(s) left."
        ) % {
            "enterprise": duty.enterprise_name,
            "start": duty.window.start.isoformat(),
            "end": duty.window.end.isoformat(),
            "days": duty.days_left(today),
        }
        url = reverse("enterprises:my_enterprises")
        notifications.append(
            Notification(recipient_id=user_id, title=title, body=body, url=url, created_at=now)
        )
        reminders.append(Reminder(recipient_id=user_id, key=key, sent_at=now))
        if duty.official.user.email:
            mails.append(
                (
                    f"[{_('Hengkou Industrial Tracker')}] {title}",
                    body,
                    None,
                    [duty.official.user.email],
                )
            )
    Reminder.objects.bulk_create(reminders)
    Notification.objects.bulk_create(notifications)
    send_mass_mail(mails, fail_silently=False)
    return len(reminders)


@transaction.atomic
def send_report_reminders(*, now: datetime.datetime, within_days: int = 2) -> int:
    """Remind whoever owes last month's figures, once as the deadline nears and once overdue.

    Last month's figures are due by day 5 of this month (HENGKOU_REPORT_DUE_DAY). The
    responsible person of each assignment whose enterprise has not reported is reminded in the
    app, and by e-mail where the login has an address. Returns how many reminders were sent.
    """
    today = timezone.localdate(now)
    period = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    deadline = report_deadline(year=period.year, month=period.month)
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
    already = set(
        Reminder.objects.filter(
            recipient_id__in={user_id for user_id, _key in keys},
            key__in={key for _user_id, key in keys},
        ).values_list("recipient_id", "key")
    )
    reminders, notifications, mails = [], [], []
    title = (
        _("Monthly figures overdue: %(period)s")
        if phase == "overdue"
        else _("Monthly figures due: %(period)s")
    ) % {"period": f"{period:%Y-%m}"}
    for (user_id, key), assignment in keys.items():
        if (user_id, key) in already:
            continue
        body = _(
            "%(enterprise)s has not reported its figures of %(period)s, due by %(deadline)s."
        ) % {
            "enterprise": assignment.enterprise.name,
            "period": f"{period:%Y-%m}",
            "deadline": deadline.isoformat(),
        }
        url = reverse("enterprises:enterprise_detail", args=[assignment.enterprise_id])
        reminders.append(Reminder(recipient_id=user_id, key=key, sent_at=now))
        notifications.append(
            Notification(recipient_id=user_id, title=title, body=body, url=url, created_at=now)
        )
        email = assignment.responsible.user.email
        if email:
            mails.append((f"[{_('Hengkou Industrial Tracker')}] {title}", body, None, [email]))
    Reminder.objects.bulk_create(reminders)
    Notification.objects.bulk_create(notifications)
    send_mass_mail(mails, fail_silently=False)
    return len(reminders)
