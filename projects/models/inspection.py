"""A project's half-year inspections (半年督查)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField
from enterprises.models import (
    BEGUN_DATE_VALIDATORS,
    BEGUN_YEAR_VALIDATORS,
    YEAR_RANGE,
    TimeStampedModel,
)

from .project import Project


class ProjectInspection(TimeStampedModel):
    """A project's half-year inspection (半年督查): findings and a rating from 0 to 100.

    The rating uses the same 0–100 scale as the quarterly inspections of departments; one
    inspection per project and half-year, dated inside that half.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=BEGUN_YEAR_VALIDATORS)
    half = models.PositiveSmallIntegerField(
        _("half-year"),
        choices=[(1, _("First half (Jan–Jun)")), (2, _("Second half (Jul–Dec)"))],
    )
    inspected_on = models.DateField(_("inspected on"), validators=BEGUN_DATE_VALIDATORS)
    findings = BoundedTextField(_("findings"))
    rating = models.PositiveSmallIntegerField(
        _("rating (0-100)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("half-year project inspection")
        verbose_name_plural = _("half-year project inspections")
        ordering = ["-year", "-half", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "half"],
                name="project_inspection_one_per_project_half",
                violation_error_message=_(
                    "This project already has an inspection for this half-year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(half__in=[1, 2]), name="project_inspection_half_1_or_2"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=100),
                name="project_inspection_rating_0_to_100",
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="project_inspection_year_range"),
        ]
        indexes = [
            models.Index(fields=["year", "half"], name="project_inspection_half_idx"),
        ]

    def __str__(self):
        return f"{self.project} · {self.year} H{self.half}"

    def clean(self):
        if self.inspected_on and self.year and self.half in (1, 2):
            in_half = self.inspected_on.year == self.year and (
                (self.inspected_on.month <= 6) == (self.half == 1)
            )
            if not in_half:
                raise ValidationError(
                    {
                        "inspected_on": _(
                            "The inspection date must fall inside the half-year it inspects."
                        )
                    }
                )
