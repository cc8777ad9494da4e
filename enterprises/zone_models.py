"""Cultivation, financing, safety and park records: the rest of the article (issue 9).

Imported at the end of ``enterprises.models`` so that Django finds these models in the app.
"""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField

from . import choices
from .models import MONEY, NON_NEGATIVE, YEAR_RANGE, YEAR_VALIDATORS, Enterprise, TimeStampedModel
from .zone_choices import (
    DECIDED_CULTIVATION,
    CultivationStatus,
    FacilityKind,
    InspectionKind,
    SafetyActivityKind,
)

__all__ = [
    "MAJOR_INVESTMENT",
    "Cultivation",
    "Loan",
    "Matchmaking",
    "NewInvestor",
    "SafetyActivity",
    "SafetyInspection",
    "ServiceFacility",
    "StandardFactory",
]

# 万元: the article counts new enterprises that invested 10 million CNY or more (千万元以上).
MAJOR_INVESTMENT = Decimal("1000.00")
AREA = {"max_digits": 12, "decimal_places": 2}


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


class Matchmaking(TimeStampedModel):
    """A bank–enterprise matchmaking meeting (银企对接会) and the loans it agreed."""

    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    banks = BoundedTextField(_("banks"), help_text=_("The banks that took part, one a line."))
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("enterprises"), related_name="matchmakings", blank=True
    )
    outcome = BoundedTextField(_("outcome"), blank=True)
    loans_amount = models.DecimalField(
        _("loans agreed (10k CNY)"), default=0, validators=NON_NEGATIVE, **MONEY
    )

    history = HistoricalRecords(m2m_fields=["enterprises"])

    class Meta:
        verbose_name = _("bank–enterprise matchmaking")
        verbose_name_plural = _("bank–enterprise matchmakings")
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["held_on", "title"], name="matchmaking_unique_per_day_title"
            ),
            models.CheckConstraint(
                condition=Q(loans_amount__gte=0), name="matchmaking_loans_amount_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    @property
    def year(self) -> int:
        return self.held_on.year


class Loan(TimeStampedModel):
    """A bank loan to an enterprise, possibly under the zone's risk-compensation fund."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="loans"
    )
    bank = models.CharField(_("bank"), max_length=100)
    amount = models.DecimalField(
        _("amount (10k CNY)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    granted_on = models.DateField(_("granted on"))
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1), MaxValueValidator(360)]
    )
    under_risk_fund = models.BooleanField(_("under the risk-compensation fund"), default=False)
    matchmaking = models.ForeignKey(
        Matchmaking,
        verbose_name=_("matchmaking meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-granted_on", "enterprise__name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=360), name="loan_term_1_to_360"
            ),
        ]
        indexes = [models.Index(fields=["granted_on"], name="loan_granted_on_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.bank} · {self.amount}"

    @property
    def year(self) -> int:
        return self.granted_on.year


class SafetyInspection(TimeStampedModel):
    """A work-safety inspection of a workplace: hazards found and how many were rectified.

    Hazards left unrectified need a rectification deadline; past it they are overdue.
    """

    inspected_on = models.DateField(_("inspected on"))
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
    """A work-safety training, drill or document issued by the zone."""

    kind = models.CharField(_("kind"), max_length=16, choices=SafetyActivityKind)
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)

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
