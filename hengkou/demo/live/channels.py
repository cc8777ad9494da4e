"""The demo's delivery channels and their log, as the zone would have had them.

Two sponsoring departments have a WeCom group robot (the demo's department login's, and the
department with the most notices after it) and the demo's county leader a signed DingTalk
robot. Their addresses can never reach the internet: the hosts are under ``.invalid`` (RFC 6761:
a name that never resolves), which the allow-list (only ``qyapi.weixin.qq.com`` and
``oapi.dingtalk.com``) refuses before any lookup. The channels stay active, so a month closed in
the demo later shows the real path: its deliveries are written and fail with "address refused".
Their keys, tokens and signing secret are random, made on this machine and never printed.

The log of the past is written as it would have happened: each notice issued to those
departments at a close reached their group within seconds (a few after a retry a minute later,
a few never, with the services' own reasons), and each missed problem clock escalated to that
leader reached the leader's robot.
"""

from __future__ import annotations

import datetime
import secrets

from django.db.models import Count
from django.utils import timezone

from enterprises.choices import ProblemAction
from enterprises.models import Department, ProblemEvent
from enterprises.services.escalation import Escalation

from ...messaging.models import ChannelKind, Delivery, DeliveryChannel, DeliveryEvent
from ...messaging.outgoing import notice_message
from ...messaging.services import site_url
from ...models import SupervisionNotice
from ..article.common import _rng
from ..logins import _department_user, _first_user

WECOM = "https://qyapi.weixin.qq.com.invalid/cgi-bin/webhook/send?key={key}"
DINGTALK = "https://oapi.dingtalk.com.invalid/robot/send?access_token={token}"
# What WeCom and DingTalk answer when a robot is throttled or the network fails.
REASONS = {
    ChannelKind.WECOM: (
        "errcode 45009: api freq out of limit",
        "HTTP 502",
        "no answer within 5.0 s (timeout)",
    ),
    ChannelKind.DINGTALK: (
        "errcode 130101: send too fast, exceed 20 times per minute",
        "HTTP 503",
        "connection failed: ConnectionError",
    ),
}
MAX_ATTEMPTS = 6


def ensure_demo_channels() -> list[DeliveryChannel]:
    """Create the demo's channels once (by name) and return them; none without demo logins."""
    existing = list(DeliveryChannel.objects.filter(name__endswith="（演示）"))
    if existing:
        return existing
    channels = []
    head = _department_user()
    departments = []
    if head is not None:
        departments.append(head.official.department)
        other = (
            Department.objects.filter(kind="sponsor")
            .exclude(pk=head.official.department_id)
            .annotate(notices=Count("supervision_notices"))
            .order_by("-notices", "code")
            .first()
        )
        if other is not None:
            departments.append(other)
    for department in departments:
        channel = DeliveryChannel(
            name=f"{department.name}企业微信群（演示）",
            kind=ChannelKind.WECOM,
            department=department,
            target=WECOM.format(key=secrets.token_hex(16)),
        )
        channel.full_clean()
        channels.append(channel)
    leader = _first_user("county_leader")
    if leader is not None:
        channel = DeliveryChannel(
            name=f"{leader.get_username()}钉钉机器人（演示）",
            kind=ChannelKind.DINGTALK,
            user=leader,
            target=DINGTALK.format(token=secrets.token_hex(32)),
            secret="SEC" + secrets.token_hex(32),
        )
        channel.full_clean()
        channels.append(channel)
    for channel in channels:
        channel.save()
    return channels


def _outcome(delivery: Delivery) -> None:
    """Give a past delivery the outcome it would have had, from a seed of its key."""
    rng = _rng(f"delivery/{delivery.kind}/{delivery.key}")
    draw = rng.random()
    if draw < 0.84:
        delivery.status, delivery.attempts = "sent", 1
        delivery.sent_at = delivery.created_at + datetime.timedelta(seconds=rng.randint(1, 4))
        delivery.last_error = ""
    elif draw < 0.95:  # failed once, sent by send_deliveries a minute later
        delivery.status, delivery.attempts = "sent", 2
        delivery.sent_at = delivery.created_at + datetime.timedelta(seconds=rng.randint(62, 300))
        delivery.last_error = ""
    else:  # failed at every attempt: the service kept refusing or did not answer
        delivery.status, delivery.attempts, delivery.sent_at = "failed", MAX_ATTEMPTS, None
        delivery.last_error = rng.choice(REASONS.get(delivery.kind, REASONS[ChannelKind.WECOM]))
    delivery.next_attempt_at = None


def _past_rows(channels, *, before: datetime.datetime) -> list[Delivery]:
    rows = []
    by_department = {c.department_id: c for c in channels if c.department_id}
    notices = SupervisionNotice.objects.filter(
        department_id__in=by_department, issued_at__lt=before
    ).select_related("department")
    for notice in notices.order_by("issued_at", "pk"):
        channel = by_department[notice.department_id]
        message = notice_message(notice)
        rows.append(
            Delivery(
                channel=channel,
                channel_name=channel.name,
                kind=channel.kind,
                event=DeliveryEvent.NOTICE,
                key=f"notice:{notice.pk}:{notice.issued_at:%Y%m%dT%H%M%S}",
                notice=notice,
                title=message.title[:200],
                text=message.text,
                url=message.url[:500],
                created_at=notice.issued_at,
            )
        )
    for channel in (c for c in channels if c.user_id):
        escalated = ProblemEvent.objects.filter(
            action=ProblemAction.ESCALATED,
            note=channel.user.official.name,
            at__lt=before,
        ).select_related("problem__enterprise")
        for event in escalated.order_by("at", "pk"):
            escalation = Escalation(
                problem=event.problem,
                clock=event.clock,
                deadline=timezone.localdate(event.at) - datetime.timedelta(days=1),
                leader_user=channel.user,
            )
            rows.append(
                Delivery(
                    channel=channel,
                    channel_name=channel.name,
                    kind=channel.kind,
                    event=DeliveryEvent.ESCALATION,
                    key=f"escalation:{event.problem_id}:{event.clock}",
                    title=escalation.title[:200],
                    text=escalation.body,
                    url=site_url(escalation.url)[:500],
                    created_at=event.at,
                )
            )
    return rows


def log_past_deliveries(*, before: datetime.datetime) -> int:
    """Write the demo channels' deliveries of what happened before ``before``; return how many.

    Also settles the deliveries that this run's closes queued for them (dated in the past as
    well), so nothing of the past is attempted now. Idempotent: one row per channel and key.
    """
    channels = ensure_demo_channels()
    if not channels:
        return 0
    rows = _past_rows(channels, before=before)
    for row in rows:
        _outcome(row)
    Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    queued = Delivery.objects.filter(
        channel__in=channels, status="pending", attempts=0, created_at__lt=before
    )
    settled = []
    for delivery in queued:
        _outcome(delivery)
        settled.append(delivery)
    Delivery.objects.bulk_update(
        settled, ["status", "attempts", "sent_at", "last_error", "next_attempt_at"]
    )
    return Delivery.objects.filter(channel__in=channels).count()
