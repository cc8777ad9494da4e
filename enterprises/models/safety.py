"""Work safety: inspections of workplaces with their hazards, and safety activities."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    InspectionKind,
    SafetyActivityKind,
)
from .base import BEGUN_DATE_VALIDATORS, TimeStampedModel
from .enterprise import Enterprise


class SafetyInspection(TimeStampedModel):
    """A work-safety inspection of a workplace: hazards found and how many were rectified.

    Hazards left unrectified need a rectification deadline; past it they are overdue.
    """

    inspected_on = models.DateField(_("inspected on"), validators=BEGUN_DATE_VALIDATORS)
    kind = models.CharField(_("kind"), max_length=16, choices=InspectionKind)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="safety_inspections",
        null=True,
        blank=True,
    )
    area = models.CharField(
        _("area"), max_length=100, help_text=_("For example 工业, 商贸, 成品油, 民爆 or a place.")
    )
    hazards_found = models.PositiveSmallIntegerField(_("hazards found"), default=0)
    hazards_rectified = models.PositiveSmallIntegerField(_("hazards rectified"), default=0)
    rectify_deadline = models.DateField(_("rectification deadline"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safety inspection")
        verbose_name_plural = _("safety inspections")
        ordering = ["-inspected_on", "area"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InspectionKind.values), name="safety_inspection_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(hazards_rectified__lte=F("hazards_found")),
                name="safety_inspection_rectified_lte_found",
                violation_error_message=_("More hazards cannot be rectified than were found."),
            ),
            models.CheckConstraint(
                condition=Q(hazards_rectified__gte=F("hazards_found"))
                | Q(rectify_deadline__isnull=False),
                name="safety_inspection_open_hazards_have_deadline",
                violation_error_message=_("Hazards left to rectify need a deadline."),
            ),
            models.CheckConstraint(
                condition=Q(rectify_deadline__isnull=True)
                | Q(rectify_deadline__gte=F("inspected_on")),
                name="safety_inspection_deadline_after_inspection",
                violation_error_message=_("The deadline cannot precede the inspection."),
            ),
        ]
        indexes = [models.Index(fields=["inspected_on"], name="safety_inspection_date_idx")]

    def __str__(self):
        return f"{self.inspected_on:%Y-%m-%d} · {self.enterprise or self.area}"

    @property
    def open_hazards(self) -> int:
        return self.hazards_found - self.hazards_rectified

    def is_overdue(self, *, as_of: datetime.date) -> bool:
        """Return whether hazards are still open after their deadline on ``as_of``."""
        return bool(self.open_hazards and self.rectify_deadline and as_of > self.rectify_deadline)

    @property
    def overdue(self) -> bool:
        return self.is_overdue(as_of=timezone.localdate())


class SafetyActivity(TimeStampedModel):
    """A work-safety training, drill, publicity or document issued by the zone."""

    kind = models.CharField(_("kind"), max_length=16, choices=SafetyActivityKind)
    held_on = models.DateField(_("date"), validators=BEGUN_DATE_VALIDATORS)
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    # Counted since the article's publicity and city-wide training; blank on older rows.
    materials_distributed = models.PositiveIntegerField(
        _("materials distributed"),
        null=True,
        blank=True,
        help_text=_("Publicity materials handed out (份)."),
    )
    people_trained = models.PositiveIntegerField(
        _("people trained"),
        null=True,
        blank=True,
        help_text=_("People of the zone trained, including at trainings held elsewhere."),
    )
    venue = models.CharField(
        _("venue"), max_length=100, blank=True, help_text=_("Where it was held, if not the zone.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safety activity")
        verbose_name_plural = _("safety activities")
        ordering = ["-held_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SafetyActivityKind.values), name="safety_activity_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["held_on", "title"], name="safety_activity_unique_per_day_title"
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"
