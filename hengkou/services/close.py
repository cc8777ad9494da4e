"""The monthly close (一月一通报) and its reopen."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.audit import update_with_history
from core.figures_cache import figures_changed
from core.models import REASON_MAX
from enterprises.choices import DepartmentKind, OfficialRank, PeriodStatus, ReportStatus
from enterprises.models import (
    MonthlyReport,
    Period,
    PeriodEvent,
    Target,
)
from enterprises.selectors.quality import list_unexplained_flags
from projects.models import ProjectPlan, ProjectReport

from ..bulletin.issue import issue_bulletin
from ..choices import NoticeStatus, RankedMetric
from ..formats import format_percent
from ..messaging.outgoing import queue_notices
from ..models import (
    NoticeEvent,
    Notification,
    RankingSnapshot,
    SupervisionNotice,
    rate_to_decimal,
)
from ..ranking import ENTERPRISE_METRICS, INVESTMENT_METRICS, METRICS, RankingRow
from ..selectors.ranking import list_department_rankings
from .member_snapshots import snapshot_members
from .notices import department_users


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


# How many unexplained flags a refusal lists (the count is always given).
LISTED_FLAGS = 50


def close_mode() -> str:
    """Return what unexplained flags do to a close: "warn" (confirm) or "block" (refuse)."""
    mode = getattr(settings, "HENGKOU_DQ_CLOSE_MODE", "warn")
    return "block" if mode == "block" else "warn"


class UnexplainedFlags(Exception):
    """A close refused because figures of the month are flagged and nobody explained them.

    ``flags`` are the first ``LISTED_FLAGS`` of them, ``count`` how many there are;
    ``blocked`` says that confirming would not do (``HENGKOU_DQ_CLOSE_MODE`` = "block").
    """

    def __init__(self, *, period: datetime.date, flags: list, count: int, blocked: bool):
        self.period, self.flags, self.count, self.blocked = period, flags, count, blocked
        super().__init__(self.message)

    @property
    def message(self) -> str:
        values = {"period": f"{self.period:%Y-%m}", "count": self.count}
        if self.blocked:
            return (
                _(
                    "%(period)s cannot be closed: %(count)s flagged figure(s) are not explained. "
                    "Their reporters explain or correct them first."
                )
                % values
            )
        return (
            _(
                "%(period)s has %(count)s flagged figure(s) that nobody explained: confirm to "
                "close it anyway."
            )
            % values
        )


def check_unexplained_flags(*, period: datetime.date, confirm_unexplained: bool) -> None:
    """Refuse a close while the month has unexplained flags, unless confirmed (warn mode).

    In block mode no confirmation will do: every flag must be explained or corrected first.
    """
    flags = list_unexplained_flags(period=period)
    count = flags.count()
    if not count:
        return
    blocked = close_mode() == "block"
    if blocked or not confirm_unexplained:
        raise UnexplainedFlags(
            period=period, flags=list(flags[:LISTED_FLAGS]), count=count, blocked=blocked
        )


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
def close_month(
    *,
    period: datetime.date,
    acting_user,
    now: datetime.datetime,
    confirm_unexplained: bool = False,
) -> CloseResult:
    """Close a month: lock its reports, snapshot the rankings, issue notices and the bulletin.

    Refused (nothing written) for a month that has not ended by ``now`` in Asia/Shanghai, and
    (``UnexplainedFlags``) while figures of the month are flagged and unexplained, unless
    ``confirm_unexplained`` in warn mode (``check_unexplained_flags``).
    Idempotent: closing a closed month returns its result and changes nothing. Two closes at
    once serialise on the month's row. A month closed again after a reopen replaces its
    snapshot; a department still lagging keeps its notice (with the new figures), one no
    longer lagging has its open notice withdrawn.
    """
    period = period.replace(day=1)
    _refuse_unended(period, now=now)
    figures_changed()
    Period.objects.get_or_create(period=period)
    month = Period.objects.select_for_update().get(period=period)
    if month.status == PeriodStatus.CLOSED:
        return CloseResult(period=month, notices=_period_notices(period), closed_now=False)
    check_unexplained_flags(period=period, confirm_unexplained=confirm_unexplained)

    _lock_reports(period, acting_user=acting_user)
    lagging = _snapshot_rankings(month)
    issued = _issue_notices(period, lagging, acting_user=acting_user, now=now)
    # The departments' officials are told in the app; their channels once the close commits.
    _notify_departments(issued, now=now)
    queue_notices(issued, now=now)
    _mark_closed(month, acting_user=acting_user, now=now)
    issue_bulletin(month=month, now=now)
    notices = _period_notices(period)
    _send_bulletin(period=period, notice_count=len(notices), now=now)
    return CloseResult(period=month, notices=notices, closed_now=True)


def _refuse_unended(period: datetime.date, *, now: datetime.datetime) -> None:
    """Refuse a month that has not ended by ``now`` (a month is closed after its last day)."""
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


def _lock_reports(period: datetime.date, *, acting_user) -> None:
    """Lock the month's monthly and project reports, with a history row for each."""
    # QuerySet.update writes no history: update_with_history records each locked report.
    reason = f"close {period:%Y-%m}"
    for model in (MonthlyReport, ProjectReport):
        update_with_history(
            model.objects.filter(period=period),
            user=acting_user,
            reason=reason,
            status=ReportStatus.LOCKED,
        )


def _snapshot_rankings(month: Period) -> dict[tuple[int, str], RankingRow]:
    """Freeze every metric's ranking and its members; return the lagging rows by (department,
    metric).

    Every metric is frozen, so a closed month never changes; only ranked metrics can lag (an
    unranked one has no target, hence no rate).
    """
    RankingSnapshot.objects.filter(period=month).delete()
    snapshots, lagging = [], {}
    for metric in METRICS:
        for row in list_department_rankings(period=month.period, metric=metric):
            snapshots.append(RankingSnapshot.from_row(row, period=month, metric=metric))
            if row.lagging:
                lagging[(row.department_id, metric)] = row
    RankingSnapshot.objects.bulk_create(snapshots)
    snapshot_members(month)
    return lagging


def _issue_notices(
    period: datetime.date,
    lagging: dict[tuple[int, str], RankingRow],
    *,
    acting_user,
    now: datetime.datetime,
) -> list[SupervisionNotice]:
    """Issue a notice to each lagging department and metric, or renew the one it has; withdraw
    the open notices of those no longer lagging (a close after a reopen).

    Returns the notices issued by this close (new, or issued again after a withdrawal)."""
    existing = {
        (notice.department_id, notice.metric): notice
        for notice in SupervisionNotice.objects.select_for_update().filter(period=period)
    }
    events, new, renewed, reissued = [], [], [], []
    for key, row in lagging.items():
        notice = existing.get(key)
        if notice is None:
            new.append(_new_notice(key, row, period=period, now=now))
        else:
            renewed.append(notice)
            if _renew_notice(notice, row, now=now):
                reissued.append(notice)
                events.append(
                    NoticeEvent(notice=notice, status=NoticeStatus.ISSUED, at=now, by=acting_user)
                )
    # Hundreds of departments lag at city scale: the new notices and their history rows are
    # written in a few statements, not two each.
    new = bulk_create_with_history(
        new, SupervisionNotice, batch_size=500, default_user=acting_user, default_date=now
    )
    for notice in new:
        events.append(
            NoticeEvent(notice=notice, status=NoticeStatus.ISSUED, at=now, by=acting_user)
        )
    for notice in _withdraw_caught_up(existing, lagging):
        renewed.append(notice)
        events.append(
            NoticeEvent(
                notice=notice,
                status=NoticeStatus.WITHDRAWN,
                at=now,
                by=acting_user,
                note=_("No longer lagging when the month was closed again."),
            )
        )
    # A close after a reopen renews every lagging department's notice: one statement per batch,
    # with their history rows, not a save each.
    bulk_update_with_history(
        renewed,
        SupervisionNotice,
        fields=[*RENEWED_FIELDS, "status"],
        batch_size=500,
        default_user=acting_user,
        default_date=now,
    )
    NoticeEvent.objects.bulk_create(events)
    return [*new, *reissued]


def _new_notice(key: tuple[int, str], row: RankingRow, *, period, now) -> SupervisionNotice:
    department_id, metric = key
    return SupervisionNotice(
        department_id=department_id,
        period=period,
        metric=metric,
        issued_at=now,
        due_on=_notice_due_on(now),
        **_notice_figures(row),
    )


def _withdraw_caught_up(existing: dict, lagging: dict) -> list[SupervisionNotice]:
    """Withdraw the issued notices of departments no longer lagging; return them (unsaved)."""
    withdrawn = []
    for key, notice in existing.items():
        if key not in lagging and notice.status == NoticeStatus.ISSUED:
            notice.status = NoticeStatus.WITHDRAWN
            withdrawn.append(notice)
    return withdrawn


# What a renewal may change on a notice, beside its status.
RENEWED_FIELDS = ("completion_rate", "time_progress", "gap", "issued_at", "due_on")


def _notice_figures(row: RankingRow) -> dict:
    return {
        "completion_rate": rate_to_decimal(row.completion_rate),
        "time_progress": rate_to_decimal(row.time_progress),
        "gap": rate_to_decimal(row.gap),
    }


def _renew_notice(notice: SupervisionNotice, row: RankingRow, *, now: datetime.datetime) -> bool:
    """Give an existing notice the new figures; issue it again if it had been withdrawn.

    Returns whether it was issued again. The caller saves it.
    """
    for field, value in _notice_figures(row).items():
        setattr(notice, field, value)
    reissued = notice.status == NoticeStatus.WITHDRAWN
    if reissued:
        notice.status = NoticeStatus.ISSUED
        notice.issued_at = now
        notice.due_on = _notice_due_on(now)
    return reissued


def _notify_departments(notices: list[SupervisionNotice], *, now: datetime.datetime) -> int:
    """Tell each issued notice's department officials with a login, in the app; return how many.

    Two statements whatever the number of notices: the officials, then the notifications.
    """
    if not notices:
        return 0
    users = department_users({notice.department_id for notice in notices})
    notifications = []
    for notice in notices:
        places = notice.places
        facts = {
            "metric": RankedMetric(notice.metric).label,
            "period": f"{notice.period:%Y-%m}",
            "rate": format_percent(notice.completion_rate, places),
            "progress": format_percent(notice.time_progress, places),
            "due": notice.due_on.isoformat(),
        }
        title = _("Supervision notice: %(metric)s, %(period)s") % facts
        body = (
            _(
                "Your department lags on %(metric)s in %(period)s: completion %(rate)s against "
                "time progress %(progress)s. Write the measures taken by %(due)s."
            )
            % facts
        )
        url = reverse("notice_detail", args=[notice.pk])
        notifications.extend(
            Notification(recipient_id=user_id, title=title, body=body, url=url, created_at=now)
            for user_id, _email in users.get(notice.department_id, [])
        )
    Notification.objects.bulk_create(notifications)
    return len(notifications)


def _mark_closed(month: Period, *, acting_user, now: datetime.datetime) -> None:
    month.status = PeriodStatus.CLOSED
    month.closed_at = now
    month.closed_by = acting_user
    month.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    PeriodEvent.objects.create(
        period=month, action=PeriodEvent.Action.CLOSE, at=now, by=acting_user
    )


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
