"""Queue messages for the channels of departments and users, send them, retry with backoff.

A message is written as one ``Delivery`` row per channel inside the caller's transaction, and
sent once that transaction has committed (never while a close holds its locks); what failed is
retried by ``manage.py send_deliveries`` with exponential backoff up to a maximum of attempts.
Each attempt first claims its row with a conditional update, so two nodes never send the same
delivery at once, and a sent delivery is never sent again.

Settings (hengkou/settings.py, docs/messaging.md): HENGKOU_MESSAGING_MAX_ATTEMPTS (6),
HENGKOU_MESSAGING_RETRY_BASE_SECONDS (60), HENGKOU_MESSAGING_RETRY_MAX_SECONDS (3600),
HENGKOU_MESSAGING_TIMEOUT (5), HENGKOU_SITE_URL (the links' base).
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from core.messaging import (
    DeliveryError,
    Message,
    build_channel,
    redact,
    secrets_of,
    validate_webhook_url,
)

from .models import ChannelKind, Delivery, DeliveryChannel, DeliveryStatus

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Outgoing:
    """One message for one channel, with what it is about."""

    message: Message
    channel: DeliveryChannel
    key: str
    event: str
    notice_id: int | None = None


def site_url(path: str) -> str:
    """Return the absolute link to ``path`` on this site (HENGKOU_SITE_URL)."""
    base = getattr(settings, "HENGKOU_SITE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + path


def channels_of_departments(department_ids) -> dict[int, list[DeliveryChannel]]:
    """Return the active channels of each department."""
    found: dict[int, list[DeliveryChannel]] = {}
    for channel in DeliveryChannel.objects.filter(
        department_id__in=department_ids, is_active=True
    ).order_by("id"):
        found.setdefault(channel.department_id, []).append(channel)
    return found


def channels_of_users(user_ids) -> dict[int, list[DeliveryChannel]]:
    """Return the active channels of each user."""
    found: dict[int, list[DeliveryChannel]] = {}
    for channel in DeliveryChannel.objects.filter(user_id__in=user_ids, is_active=True).order_by(
        "id"
    ):
        found.setdefault(channel.user_id, []).append(channel)
    return found


def queue_deliveries(outgoing: list[Outgoing], *, now: datetime.datetime) -> int:
    """Write a pending delivery per message and channel (once per key) and send them after commit.

    Returns how many were queued. Call it inside the transaction that makes the message true.
    """
    if not outgoing:
        return 0
    rows = [
        Delivery(
            channel=item.channel,
            channel_name=item.channel.name,
            kind=item.channel.kind,
            event=item.event,
            key=item.key[:200],
            notice_id=item.notice_id,
            title=item.message.title[:200],
            text=item.message.text,
            url=item.message.url[:500],
            next_attempt_at=now,
            created_at=now,
        )
        for item in outgoing
    ]
    Delivery.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(
            key__in={row.key for row in rows}, status=DeliveryStatus.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(partial(_send_after_commit, ids))
    return len(ids)


def _send_after_commit(ids: list[int]) -> None:
    # Runs once the writing transaction has committed, outside it: network time holds no lock.
    # Within a time budget, since a close from the page waits for it; the rest stays pending
    # for send_deliveries.
    budget = getattr(settings, "HENGKOU_MESSAGING_INLINE_SECONDS", 15)
    send_deliveries(now=timezone.now(), ids=ids, budget_seconds=budget)


def backoff(attempts: int) -> datetime.timedelta | None:
    """Return the wait before the next attempt after ``attempts`` failed ones, None to give up."""
    if attempts >= getattr(settings, "HENGKOU_MESSAGING_MAX_ATTEMPTS", 6):
        return None
    base = getattr(settings, "HENGKOU_MESSAGING_RETRY_BASE_SECONDS", 60)
    ceiling = getattr(settings, "HENGKOU_MESSAGING_RETRY_MAX_SECONDS", 3600)
    return datetime.timedelta(seconds=min(base * 2 ** (attempts - 1), ceiling))


def send_deliveries(
    *, now: datetime.datetime, ids=None, limit: int = BATCH, budget_seconds: float | None = None
) -> tuple[int, int]:
    """Attempt the deliveries due by ``now`` (of ``ids`` if given); return (sent, failed).

    With ``budget_seconds``, no new attempt starts once that much time has gone by.
    """
    started = time.monotonic()
    due = Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now
    )
    if ids is not None:
        due = due.filter(pk__in=ids)
    sent = failed = 0
    for delivery in due.select_related("channel").order_by("next_attempt_at", "pk")[:limit]:
        if budget_seconds is not None and time.monotonic() - started >= budget_seconds:
            break
        if not _claim(delivery, now=now):
            continue
        if _attempt(delivery, now=now):
            sent += 1
        else:
            failed += 1
    return sent, failed


def _claim(delivery: Delivery, *, now: datetime.datetime) -> bool:
    """Take the delivery for this attempt unless another process took it first."""
    lease = now + datetime.timedelta(
        seconds=4 * getattr(settings, "HENGKOU_MESSAGING_TIMEOUT", 5) + 60
    )
    claimed = Delivery.objects.filter(
        pk=delivery.pk,
        attempts=delivery.attempts,
        status=delivery.status,
        next_attempt_at=delivery.next_attempt_at,
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease)
    delivery.attempts += 1
    return claimed == 1


def _attempt(delivery: Delivery, *, now: datetime.datetime) -> bool:
    """Send one claimed delivery and record the outcome; return whether it was sent."""
    channel = delivery.channel
    secrets = secrets_of(channel.target, channel.secret) if channel else ()
    try:
        if channel is None or not channel.is_active:
            raise DeliveryError("the channel was removed or switched off")
        if channel.undecryptable:
            raise DeliveryError(
                "the channel's address or secret cannot be decrypted: HENGKOU_SECRETS_KEYS "
                "lacks the key they were encrypted with (restore it, or enter them again)"
            )
        if channel.kind != ChannelKind.EMAIL:
            try:
                validate_webhook_url(channel.target, kind=channel.kind)
            except ValidationError as error:
                raise DeliveryError(f"address refused: {' '.join(error.messages)}") from None
        message = Message(
            title=delivery.title,
            text=delivery.text,
            url=delivery.url,
            event=delivery.event,
            id=str(delivery.pk),
            link_label=gettext("Open in the tracker"),
        )
        build_channel(channel.kind, channel.target, channel.secret).send(message)
    except DeliveryError as error:
        return _record_failure(delivery, redact(error.reason, secrets), now=now)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None, last_error=""
    )
    logger.info("delivery %s sent to channel %s", delivery.pk, delivery.channel_id)
    return True


def _record_failure(delivery: Delivery, reason: str, *, now: datetime.datetime) -> bool:
    wait = backoff(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        last_error=reason[:500],
        next_attempt_at=now + wait if wait is not None else None,
    )
    logger.warning(
        "delivery %s to channel %s failed (attempt %s): %s",
        delivery.pk,
        delivery.channel_id,
        delivery.attempts,
        reason,
    )
    return False
