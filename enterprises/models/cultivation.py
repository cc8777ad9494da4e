"""Cultivation of enterprises towards a title (梯度培育)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField

from .. import choices
from ..choices import (
    DECIDED_CULTIVATION,
    CultivationStatus,
)
from .base import YEAR_RANGE, YEAR_VALIDATORS, TimeStampedModel
from .enterprise import Enterprise


class Cultivation(TimeStampedModel):
    """An enterprise's path toward a title in a year: candidate → applying → recognised/rejected.

    The decision date is set exactly when the path has ended (recognised or rejected); the
    recognised title itself is recorded as an EnterpriseTitle.
    """

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="cultivations",
    )
    title = models.CharField(_("title"), max_length=32, choices=choices.TitleKind)
    level = models.CharField(
        _("level"), max_length=16, choices=choices.TitleLevel, blank=True, default=""
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CultivationStatus,
        default=CultivationStatus.CANDIDATE,
    )
    identified_on = models.DateField(_("identified on"))
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    documents = BoundedTextField(
        _("documents"), blank=True, help_text=_("The application documents and their state.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cultivation")
        verbose_name_plural = _("cultivations")
        ordering = ["-year", "enterprise__name", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "title", "year"],
                name="cultivation_unique_per_title_year",
                violation_error_message=_(
                    "This enterprise is already being cultivated for this title this year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(title__in=choices.TitleKind.values), name="cultivation_title_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CultivationStatus.values), name="cultivation_status_valid"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="cultivation_year_range"),
            models.CheckConstraint(
                condition=Q(status__in=DECIDED_CULTIVATION, decided_on__isnull=False)
                | (~Q(status__in=DECIDED_CULTIVATION) & Q(decided_on__isnull=True)),
                name="cultivation_decided_on_iff_decided",
                violation_error_message=_(
                    "A decision date is required once recognised or rejected, and only then."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=CultivationStatus.CANDIDATE) | Q(applied_on__isnull=False),
                name="cultivation_applied_on_after_candidate",
                violation_error_message=_("An application date is required once applying."),
            ),
            models.CheckConstraint(
                condition=Q(applied_on__isnull=True) | Q(applied_on__gte=F("identified_on")),
                name="cultivation_applied_after_identified",
                violation_error_message=_("The application cannot precede the identification."),
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True)
                | Q(applied_on__isnull=True)
                | Q(decided_on__gte=F("applied_on")),
                name="cultivation_decided_after_applied",
                violation_error_message=_("The decision cannot precede the application."),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="cultivation_year_status_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.year} · {self.get_title_display()}"
