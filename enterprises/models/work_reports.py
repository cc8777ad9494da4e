"""A sponsoring department's monthly work report on an assignment (工作开展情况报送)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import REPORT_MAX, BoundedTextField

from .base import TimeStampedModel
from .sponsorship import Assignment


class WorkReport(TimeStampedModel):
    """A sponsoring department's monthly report on one assignment (工作开展情况报送)."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="work_reports",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    progress = BoundedTextField(_("progress against the plan's goals"), max_length=REPORT_MAX)
    standards = BoundedTextField(_("standards met"), blank=True, max_length=REPORT_MAX)
    deadlines = BoundedTextField(_("deadlines and next steps"), blank=True, max_length=REPORT_MAX)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        ordering = ["-period", "assignment__enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period"],
                name="work_report_one_per_assignment_month",
                violation_error_message=_("This assignment already has a work report this month."),
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="work_report_period_first_day"),
        ]
        indexes = [
            # The board counts a month's reports per department: read that month's alone.
            models.Index(fields=["period", "assignment"], name="work_report_period_idx"),
        ]

    def __str__(self):
        return f"{self.assignment} · {self.period:%Y-%m}"
