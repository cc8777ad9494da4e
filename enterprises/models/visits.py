"""On-site visits (到企帮扶) and their photos, kept ones and those of a draft."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.images import check_photo
from core.models import BoundedTextField

from .. import choices
from .base import TimeStampedModel
from .enterprise import Enterprise
from .org import Official

# The longest idempotency key a visit keeps (a UUID is 36 characters).
IDEMPOTENCY_KEY_MAX = 64


class Visit(TimeStampedModel):
    """An on-site visit (到企帮扶); it counts for every participant."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("date of visit"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=choices.VisitKind, default=choices.VisitKind.ROUTINE
    )
    participants = models.ManyToManyField(
        Official, verbose_name=_("participants"), related_name="visits"
    )
    notes = BoundedTextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The key of the draft this visit was recorded from (the offline visit form, or an API
    # client's Idempotency-Key): a second request with the same key by the same author answers
    # with this visit instead of recording another.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=IDEMPOTENCY_KEY_MAX, null=True, blank=True, editable=False
    )

    history = HistoricalRecords(m2m_fields=["participants"])

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=choices.VisitKind.values), name="visit_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                name="visit_idempotency_key_unique_per_author",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_date_idx"),
            models.Index(fields=["visited_on"], name="visit_date_idx"),
        ]

    def __str__(self):
        return f"{self.visited_on} · {self.enterprise}"

    def clean(self):
        if self.visited_on and self.visited_on > timezone.localdate():
            raise ValidationError({"visited_on": _("A visit cannot be dated in the future.")})


def validate_photo(image) -> None:
    """Refuse a file that is not a JPEG, PNG or WebP photo within the size and pixel limits."""
    check_photo(image)


class VisitPhoto(models.Model):
    """A photo taken during a visit, stored through Django's storage API."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/", validators=[validate_photo])
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # Who added the photo (its author, who alone may remove it); photos from before this field
    # count as the visit's author's.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "id"]

    def __str__(self):
        return f"{self.visit} · {self.pk}"


def pending_photo_path(instance, filename) -> str:
    """Return an unguessable name: media URLs are not access-controlled (docs/deploy.md)."""
    return f"visits/pending/{secrets.token_urlsafe(18)}.jpg"


class PendingVisitPhoto(models.Model):
    """A photo chosen on a visit form that came back with an error, kept a day for its user.

    The form carries a signed token for it; the visit saved from that form takes the photo over.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="pending_visit_photos",
    )
    image = models.ImageField(_("photo"), upload_to=pending_photo_path, validators=[validate_photo])
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("photo of a visit draft")
        verbose_name_plural = _("photos of visit drafts")
        ordering = ["id"]

    def __str__(self):
        return f"{self.user} · {self.pk}"
