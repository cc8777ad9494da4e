"""Enterprises and their yearly titles (above scale, high-tech, 专精特新)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import choices
from ..fields import CreditCodeField
from .base import YEAR_RANGE, YEAR_VALIDATORS, TimeStampedModel


class Enterprise(TimeStampedModel):
    """An enterprise, identified by its unified social credit code (GB 32100-2015)."""

    credit_code = CreditCodeField(
        _("unified social credit code"),
        unique=True,
        help_text=_("18 characters; both check digits are verified."),
    )
    name = models.CharField(_("name"), max_length=200)
    chain = models.CharField(_("industry chain"), max_length=50, blank=True, db_index=True)
    chain_role = models.CharField(
        _("role in the chain"), max_length=32, choices=choices.ChainRole, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), default=0)
    poverty_employees = models.PositiveIntegerField(_("employees lifted out of poverty"), default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(chain_role="") | Q(chain_role__in=choices.ChainRole.values),
                name="enterprise_chain_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(poverty_employees__lte=F("employees")),
                name="enterprise_poverty_employees_lte_employees",
                violation_error_message=_(
                    "Employees lifted out of poverty cannot exceed the employees."
                ),
            ),
        ]
        indexes = [
            # Lists of a month's or a year's rows by enterprise name (monthly reports, targets)
            # walk the enterprises in name order and stop after a page.
            models.Index(fields=["name", "id"], name="enterprise_name_idx"),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # Clerks paste codes with spaces or in lower case; validate and store the canonical form.
        if self.credit_code:
            self.credit_code = "".join(self.credit_code.split()).upper()
        super().clean_fields(exclude=exclude)


class EnterpriseTitle(TimeStampedModel):
    """A yearly status or title of an enterprise: above scale, high-tech or 专精特新."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="titles"
    )
    title = models.CharField(_("title"), max_length=32, choices=choices.TitleKind)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    level = models.CharField(
        _("level"), max_length=16, choices=choices.TitleLevel, blank=True, default=""
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise title")
        verbose_name_plural = _("enterprise titles")
        ordering = ["enterprise", "year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "title", "year"], name="enterprise_title_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(title__in=choices.TitleKind.values), name="enterprise_title_kind_valid"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="enterprise_title_year_range"),
        ]
        indexes = [models.Index(fields=["title", "year"], name="enterprise_title_year_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.year} · {self.get_title_display()}"
