"""Financing: bank–enterprise matchmaking meetings (银企对接) and the loans granted."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField

from .base import MONEY, NON_NEGATIVE, TimeStampedModel
from .enterprise import Enterprise


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
