"""Applications for special funds (项目资金争取), by project or enterprise (issue 9)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField
from enterprises.models import (
    MONEY,
    NON_NEGATIVE,
    YEAR_RANGE,
    YEAR_VALIDATORS,
    Enterprise,
    TimeStampedModel,
)

from .project import Project

# The programmes the article names; the field stays free text because programmes change yearly.
FUNDING_PROGRAMMES = (
    "陕南发展专项",
    "省级汽车发展专项",
    "省级技术改造专项",
    "外贸物流补贴",
    "加工贸易梯度转移",
    "市级工业产业发展",
)


class FundingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FundingApplication(TimeStampedModel):
    """An application to a special fund: the amounts requested, approved and received.

    Amounts are in 万元 and only shrink along the way: received ≤ approved ≤ requested; only an
    approved application has an approved amount.
    """

    programme = models.CharField(
        _("programme"),
        max_length=100,
        help_text=_("For example 陕南发展专项, 省级技术改造专项 or 外贸物流补贴."),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="funding_applications",
        null=True,
        blank=True,
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="funding_applications",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FundingStatus, default=FundingStatus.SUBMITTED
    )
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    requested = models.DecimalField(
        _("requested (10k CNY)"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    approved = models.DecimalField(
        _("approved (10k CNY)"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    received = models.DecimalField(
        _("received (10k CNY)"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    note = BoundedTextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funding application")
        verbose_name_plural = _("funding applications")
        ordering = ["-year", "programme"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FundingStatus.values), name="funding_status_valid"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="funding_year_range"),
            models.CheckConstraint(
                condition=Q(requested__gte=0, approved__gte=0, received__gte=0),
                name="funding_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(approved__lte=F("requested")),
                name="funding_approved_lte_requested",
                violation_error_message=_("The approved amount cannot exceed the request."),
            ),
            models.CheckConstraint(
                condition=Q(received__lte=F("approved")),
                name="funding_received_lte_approved",
                violation_error_message=_("The received amount cannot exceed the approved one."),
            ),
            models.CheckConstraint(
                condition=Q(status=FundingStatus.APPROVED) | Q(approved=0),
                name="funding_approved_only_when_approved",
                violation_error_message=_(
                    "Only an approved application can have an approved amount."
                ),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="funding_year_status_idx")]

    def __str__(self):
        return f"{self.year} {self.programme} · {self.project or self.enterprise or '—'}"
