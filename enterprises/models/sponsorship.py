"""The 五个一 sponsorship of an enterprise for a year, and the enterprise's annual targets."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import REPORT_MAX, BoundedTextField

from .. import choices
from .base import MONEY, NON_NEGATIVE, YEAR_RANGE, YEAR_VALIDATORS, TimeStampedModel
from .enterprise import Enterprise
from .org import Department, Official

# A plan's deadline falls in the assignment's year or within this many years after it.
PLAN_DEADLINE_YEARS = 5
PLAN_DEADLINE_HELP = _("A day in the assignment's year or in the five years after it.")


def check_plan_deadline(deadline, year) -> None:
    """Raise ValidationError (on ``plan_deadline``) unless ``deadline`` falls in ``year`` or in
    the ``PLAN_DEADLINE_YEARS`` years after it; nothing to check without a deadline or a year.
    """
    if not isinstance(deadline, datetime.date) or not isinstance(year, int):
        return
    try:
        first = datetime.date(year, 1, 1)
        last = datetime.date(year + PLAN_DEADLINE_YEARS, 12, 31)
    except (ValueError, OverflowError):
        return  # an impossible year is refused on its own field
    if not first <= deadline <= last:
        raise ValidationError(
            {
                "plan_deadline": ValidationError(
                    _(
                        "The plan's deadline must fall between %(first)s and %(last)s: in the "
                        "assignment's year or the five years after it."
                    ),
                    code="plan_deadline_range",
                    params={"first": first.isoformat(), "last": last.isoformat()},
                )
            }
        )


class Assignment(TimeStampedModel):
    """The 五个一 sponsorship of one enterprise for one year.

    One enterprise, one leader (a county-level leader), one sponsoring department, one team
    with one responsible person (帮扶责任人), and one plan with goals, standards and a deadline.
    """

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    leader = models.ForeignKey(
        Official,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="led_assignments",
        help_text=_("A county-level leader."),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("sponsoring department"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    responsible = models.ForeignKey(
        Official,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="responsible_assignments",
    )
    team = models.ManyToManyField(
        Official, verbose_name=_("team"), related_name="team_assignments", blank=True
    )
    plan_goals = BoundedTextField(_("plan: goals"), blank=True, max_length=REPORT_MAX)
    plan_standards = BoundedTextField(_("plan: standards"), blank=True, max_length=REPORT_MAX)
    plan_deadline = models.DateField(
        _("plan: deadline"), null=True, blank=True, help_text=PLAN_DEADLINE_HELP
    )

    history = HistoricalRecords(m2m_fields=["team"])

    class Meta:
        verbose_name = _("assignment (五个一)")
        verbose_name_plural = _("assignments (五个一)")
        ordering = ["-year", "department__code", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="assignment_one_per_enterprise_year",
                violation_error_message=_(
                    "This enterprise already has an assignment for this year."
                ),
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="assignment_year_range"),
        ]
        indexes = [
            models.Index(fields=["year", "department"], name="assignment_year_dept_idx"),
            models.Index(fields=["year", "leader"], name="assignment_year_leader_idx"),
        ]

    def __str__(self):
        return f"{self.year} · {self.enterprise}"

    def clean(self):
        errors = {}
        if self.leader_id and self.leader.rank != choices.OfficialRank.COUNTY_LEADER:
            errors["leader"] = _("The leader of an assignment must be a county-level leader.")
        try:
            check_plan_deadline(self.plan_deadline, self.year)
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)


class Target(TimeStampedModel):
    """An enterprise's annual target for one metric."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    metric = models.CharField(_("metric"), max_length=32, choices=choices.Metric)
    value = models.DecimalField(_("target value"), validators=NON_NEGATIVE, **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        ordering = ["-year", "enterprise__name", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "metric"],
                name="target_one_per_enterprise_year_metric",
                violation_error_message=_(
                    "This enterprise already has a target for this metric and year."
                ),
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_non_negative"),
            models.CheckConstraint(
                condition=Q(metric__in=choices.Metric.values), name="target_metric_valid"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="target_year_range"),
        ]
        indexes = [models.Index(fields=["year", "metric"], name="target_year_metric_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.year} · {self.get_metric_display()}"
