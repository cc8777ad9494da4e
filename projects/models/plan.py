"""A project's yearly plan: planned investment, sponsoring leader and department."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.choices import OfficialRank
from enterprises.models import (
    MONEY,
    NON_NEGATIVE,
    YEAR_RANGE,
    YEAR_VALIDATORS,
    Department,
    Official,
    TimeStampedModel,
)

from .project import Project


class ProjectPlan(TimeStampedModel):
    """A project's plan for one year: planned investment, sponsoring leader and department."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    planned_investment = models.DecimalField(
        _("planned investment"), validators=NON_NEGATIVE, **MONEY
    )
    leader = models.ForeignKey(
        Official,
        verbose_name=_("sponsoring leader"),
        on_delete=models.PROTECT,
        related_name="project_plans",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("sponsoring department"),
        on_delete=models.PROTECT,
        related_name="project_plans",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project plan")
        verbose_name_plural = _("project plans")
        ordering = ["-year", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="project_plan_one_per_project_year",
                violation_error_message=_("This project already has a plan for this year."),
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0), name="project_plan_investment_non_negative"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="project_plan_year_range"),
        ]
        indexes = [models.Index(fields=["year", "department"], name="project_plan_year_dept_idx")]

    def __str__(self):
        return f"{self.project} · {self.year}"

    def clean(self):
        if self.leader_id and self.leader.rank != OfficialRank.COUNTY_LEADER:
            raise ValidationError(
                {"leader": _("The sponsoring leader must be a county-level leader.")}
            )
