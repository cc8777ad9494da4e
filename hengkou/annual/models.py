"""The annual work plan with its goals, and the turn of the year with its drafts."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import REPORT_MAX, BoundedTextField
from enterprises.choices import Metric
from enterprises.models import (
    MONEY,
    NON_NEGATIVE,
    PLAN_DEADLINE_HELP,
    YEAR_RANGE,
    YEAR_VALIDATORS,
    Department,
    Enterprise,
    Official,
    check_plan_deadline,
)

from ..choices import RankedMetric

# Growth rates are fractions (0.12 is +12%), bounded: −100% … +1000%.
RATE_MIN, RATE_MAX = Decimal("-1"), Decimal("10")
RATE = {"max_digits": 9, "decimal_places": 6}
RATE_VALIDATORS = [MinValueValidator(RATE_MIN), MaxValueValidator(RATE_MAX)]
RATE_RANGE = Q(rate__gte=RATE_MIN, rate__lte=RATE_MAX)


def check_plan_year(year: int) -> None:
    """Refuse a plan year after the next one: a plan is written for this year or, ahead, the next.

    A validator of the field, so that the admin, the page, the service and the API refuse it.
    """
    latest = timezone.localdate().year + 1
    if year > latest:
        raise ValidationError(
            _(
                "An annual plan is written for the current year or, in advance, the next one: "
                "%(year)s is after %(latest)s."
            ),
            code="plan_year_too_far",
            params={"year": year, "latest": latest},
        )


class AnnualPlan(models.Model):
    """The zone's annual work plan (年度工作实施方案): its text or file and its goals."""

    year = models.PositiveSmallIntegerField(
        _("year"),
        validators=[*YEAR_VALIDATORS, check_plan_year],
        unique=True,
        help_text=_("The current year or, written in advance, the next one."),
    )
    title = models.CharField(_("title"), max_length=200)
    text = BoundedTextField(_("text"), blank=True, max_length=REPORT_MAX)
    document = models.FileField(_("document"), upload_to="annual-plans/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The file's name is no text to keep in the audit trail (history has no bounded file field).
    history = HistoricalRecords(excluded_fields=["document"])

    class Meta:
        verbose_name = _("annual work plan")
        verbose_name_plural = _("annual work plans")
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=YEAR_RANGE, name="annual_plan_year_range")]

    def __str__(self):
        return f"{self.year} · {self.title}"


class PlanGoal(models.Model):
    """One goal of an annual plan: an indicator with a goal value, a growth rate, or both."""

    plan = models.ForeignKey(
        AnnualPlan,
        verbose_name=_("annual work plan"),
        on_delete=models.CASCADE,
        related_name="goals",
    )
    metric = models.CharField(_("indicator"), max_length=32, choices=RankedMetric)
    goal_value = models.DecimalField(
        _("goal value"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    growth_rate = models.DecimalField(
        _("growth rate"),
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("A fraction: 0.15 is a growth of 15%."),
        **RATE,
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric"],
                name="plan_goal_one_per_metric",
                violation_error_message=_("The plan already has a goal for this indicator."),
            ),
            models.CheckConstraint(
                condition=Q(goal_value__isnull=False) | Q(growth_rate__isnull=False),
                name="plan_goal_value_or_rate",
                violation_error_message=_("Give a goal value, a growth rate, or both."),
            ),
            models.CheckConstraint(
                condition=Q(growth_rate__isnull=True)
                | Q(growth_rate__gte=RATE_MIN, growth_rate__lte=RATE_MAX),
                name="plan_goal_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=RankedMetric.values), name="plan_goal_metric_valid"
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.get_metric_display()}"


class YearTurnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")


class YearTurn(models.Model):
    """The start of a new year from the last one: its drafts, reviewed, then confirmed once.

    Until it is confirmed nothing of it counts anywhere: the drafts live in their own tables.
    """

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS, unique=True)
    from_year = models.PositiveSmallIntegerField(_("carried over from"), validators=YEAR_VALIDATORS)
    status = models.CharField(
        _("status"), max_length=16, choices=YearTurnStatus, default=YearTurnStatus.DRAFT
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("turn of the year")
        verbose_name_plural = _("turns of the year")
        ordering = ["-year"]
        permissions = [("confirm_yearturn", "Can confirm a turn of the year")]
        constraints = [
            models.CheckConstraint(condition=YEAR_RANGE, name="year_turn_year_range"),
            models.CheckConstraint(
                condition=Q(from_year__lt=models.F("year")), name="year_turn_from_earlier"
            ),
        ]

    def __str__(self):
        return f"{self.from_year} → {self.year}"

    @property
    def is_draft(self) -> bool:
        return self.status == YearTurnStatus.DRAFT


class GrowthRate(models.Model):
    """A growth rate of one indicator for a turn: zone-wide, or one department's override."""

    turn = models.ForeignKey(
        YearTurn, verbose_name=_("turn of the year"), on_delete=models.CASCADE, related_name="rates"
    )
    metric = models.CharField(_("indicator"), max_length=32, choices=Metric)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the zone-wide rate."),
    )
    rate = models.DecimalField(_("growth rate"), validators=RATE_VALIDATORS, **RATE)

    class Meta:
        verbose_name = _("growth rate")
        verbose_name_plural = _("growth rates")
        ordering = ["turn", "metric", "department__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["turn", "metric"],
                condition=Q(department__isnull=True),
                name="growth_rate_one_zone_wide",
            ),
            models.UniqueConstraint(
                fields=["turn", "metric", "department"],
                condition=Q(department__isnull=False),
                name="growth_rate_one_per_department",
            ),
            models.CheckConstraint(condition=RATE_RANGE, name="growth_rate_range"),
        ]

    def __str__(self):
        return f"{self.turn} · {self.metric} · {self.rate}"


class DraftAssignment(models.Model):
    """Next year's 五个一 of one enterprise, as a draft of its turn of the year."""

    turn = models.ForeignKey(
        YearTurn,
        verbose_name=_("turn of the year"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Official, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("sponsoring department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible = models.ForeignKey(
        Official, verbose_name=_("responsible person"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ManyToManyField(Official, verbose_name=_("team"), related_name="+", blank=True)
    plan_goals = BoundedTextField(_("plan: goals"), blank=True, max_length=REPORT_MAX)
    plan_standards = BoundedTextField(_("plan: standards"), blank=True, max_length=REPORT_MAX)
    plan_deadline = models.DateField(
        _("plan: deadline"), null=True, blank=True, help_text=PLAN_DEADLINE_HELP
    )

    class Meta:
        verbose_name = _("draft assignment")
        verbose_name_plural = _("draft assignments")
        ordering = ["turn", "department__code", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["turn", "enterprise"],
                name="draft_assignment_one_per_enterprise",
                violation_error_message=_("This enterprise is already in the drafts."),
            )
        ]

    def __str__(self):
        return f"{self.turn.year} · {self.enterprise}"

    def clean(self):
        from enterprises.choices import OfficialRank

        errors = {}
        if self.leader_id and self.leader.rank != OfficialRank.COUNTY_LEADER:
            errors["leader"] = [_("The leader of an assignment must be a county-level leader.")]
        if self.turn_id:
            try:
                check_plan_deadline(self.plan_deadline, self.turn.year)
            except ValidationError as error:
                errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)


class DraftTarget(models.Model):
    """Next year's target of one enterprise and indicator, with last year's actual figure."""

    turn = models.ForeignKey(
        YearTurn,
        verbose_name=_("turn of the year"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(_("indicator"), max_length=32, choices=Metric)
    base = models.DecimalField(
        _("last year's actual"), null=True, blank=True, editable=False, **MONEY
    )
    value = models.DecimalField(_("target value"), validators=NON_NEGATIVE, **MONEY)

    # Who set or imported each draft value (the Excel import writes history rows too).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("draft target")
        verbose_name_plural = _("draft targets")
        ordering = ["turn", "enterprise__name", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["turn", "enterprise", "metric"],
                name="draft_target_one_per_metric",
                violation_error_message=_("The drafts already hold this target."),
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="draft_target_non_negative"),
            models.CheckConstraint(
                condition=Q(metric__in=Metric.values), name="draft_target_metric_valid"
            ),
        ]

    def __str__(self):
        return f"{self.turn.year} · {self.enterprise} · {self.metric}"
