"""The parks: standard factory buildings, service facilities and new investors."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    FacilityKind,
)
from .base import MONEY, NON_NEGATIVE, YEAR_RANGE, YEAR_VALIDATORS, TimeStampedModel
from .enterprise import Enterprise

# 万元: the article counts new enterprises that invested 10 million CNY or more (千万元以上).
MAJOR_INVESTMENT = Decimal("1000.00")
AREA = {"max_digits": 12, "decimal_places": 2}


class StandardFactory(TimeStampedModel):
    """A standard factory building (标准化厂房) of a park, with its occupant."""

    park = models.CharField(_("park"), max_length=100)
    building = models.CharField(_("building"), max_length=50)
    area = models.DecimalField(
        _("floor area (m²)"), validators=[MinValueValidator(Decimal("0.01"))], **AREA
    )
    occupant = models.ForeignKey(
        Enterprise,
        verbose_name=_("occupant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="factories",
    )
    year_built = models.PositiveSmallIntegerField(_("year built"), validators=YEAR_VALIDATORS)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standard factory")
        verbose_name_plural = _("standard factories")
        ordering = ["park", "building"]
        constraints = [
            models.UniqueConstraint(
                fields=["park", "building"],
                name="standard_factory_unique_building",
                violation_error_message=_("This park already has a building of this name."),
            ),
            models.CheckConstraint(condition=Q(area__gt=0), name="standard_factory_area_positive"),
            models.CheckConstraint(
                condition=Q(year_built__gte=2000, year_built__lte=2100),
                name="standard_factory_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.park} {self.building}"


class ServiceFacility(TimeStampedModel):
    """A service facility of the parks: a service centre, canteen or apartment."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=FacilityKind)
    park = models.CharField(_("park"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year started"), validators=YEAR_VALIDATORS, help_text=_("The year building started.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service facility")
        verbose_name_plural = _("service facilities")
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FacilityKind.values), name="service_facility_kind_valid"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="service_facility_year_range"),
        ]

    def __str__(self):
        return self.name


class NewInvestor(TimeStampedModel):
    """An enterprise newly settled in a park in a year, with the investment it brought.

    Investments of 1,000 万元 (10 million CNY) or more are the ones the article counts.
    """

    enterprise = models.OneToOneField(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="new_investor",
    )
    year = models.PositiveSmallIntegerField(_("year settled"), validators=YEAR_VALIDATORS)
    investment = models.DecimalField(_("investment (10k CNY)"), validators=NON_NEGATIVE, **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("new investor")
        verbose_name_plural = _("new investors")
        ordering = ["-year", "-investment"]
        constraints = [
            models.CheckConstraint(
                condition=Q(investment__gte=0), name="new_investor_investment_non_negative"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="new_investor_year_range"),
        ]
        indexes = [models.Index(fields=["year", "investment"], name="new_investor_year_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.year}"

    @property
    def is_major(self) -> bool:
        """Return whether the investment reaches 1,000 万元."""
        return self.investment is not None and self.investment >= MAJOR_INVESTMENT
