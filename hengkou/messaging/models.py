"""The delivery channels configured per department and per user, and the delivery log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, Undecryptable
from core.messaging import mask
from core.models import BoundedTextField
from enterprises.models import Department


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk robot (钉钉)")
    WEBHOOK = "webhook", _("JSON webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryEvent(models.TextChoices):
    NOTICE = "notice", _("Supervision notice issued")
    NOTICE_REMINDER = "notice_reminder", _("Supervision notice reminder")
    ESCALATION = "escalation", _("Problem escalated")
    DUTY_REMINDER = "duty_reminder", _("Visit duty reminder")
    REPORT_REMINDER = "report_reminder", _("Monthly figures reminder")


UNDECRYPTABLE = _("(cannot be decrypted with the configured keys)")


class DeliveryChannel(models.Model):
    """Where one department's or one user's messages go besides the app and their e-mail.

    A department's channels receive the notices issued to it at the close and their reminders;
    a user's channels receive the escalations to that user. The webhook address and the signing
    secret are written once and never shown again (only masked).
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delivery_channels",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delivery_channels",
    )
    # The e-mail address, or the webhook URL with its key or token: a secret for the robots.
    # Both encrypted in the database (core/crypto.py, HENGKOU_SECRETS_KEYS).
    target = EncryptedTextField(_("address or webhook URL"), max_length=1000)
    secret = EncryptedTextField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery channel")
        verbose_name_plural = _("delivery channels")
        ordering = ["department__code", "user__username", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, user__isnull=True)
                | Q(department__isnull=True, user__isnull=False),
                name="channel_department_or_user",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def undecryptable(self) -> bool:
        """Whether a stored address or secret opens with none of HENGKOU_SECRETS_KEYS."""
        return isinstance(self.target, Undecryptable) or isinstance(self.secret, Undecryptable)

    @property
    def masked_target(self) -> str:
        """Return the address as shown: an e-mail in full, a webhook URL masked."""
        if isinstance(self.target, Undecryptable):
            return str(UNDECRYPTABLE)
        return self.target if self.kind == ChannelKind.EMAIL else mask(self.target)

    @property
    def masked_secret(self) -> str:
        if isinstance(self.secret, Undecryptable):
            return str(UNDECRYPTABLE)
        return mask(self.secret)


class Delivery(models.Model):
    """One message to one channel: pending, sent, or failed with its reason, and its retries."""

    channel = models.ForeignKey(
        DeliveryChannel,
        verbose_name=_("channel"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="deliveries",
    )
    channel_name = models.CharField(_("channel"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind)
    event = models.CharField(_("event"), max_length=32, choices=DeliveryEvent)
    # What the message is about, once per channel: "notice:12:2026-11-20T08:00".
    key = models.CharField(_("message"), max_length=200)
    notice = models.ForeignKey(
        "hengkou.SupervisionNotice",
        verbose_name=_("notice"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    title = models.CharField(_("title"), max_length=200)
    text = BoundedTextField(_("message"))
    url = models.CharField(_("link"), max_length=500)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("reason of the last failure"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="delivery_once_per_channel"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.title} → {self.channel_name}"
