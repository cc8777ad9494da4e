"""Enterprises' problems (企业诉求) and the steps of their life."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import DESCRIPTION_MAX, BoundedTextField

from .. import choices
from .base import TimeStampedModel
from .enterprise import Enterprise
from .org import Department, Official
from .visits import Visit


class Problem(TimeStampedModel):
    """An enterprise's problem (企业诉求), assigned to a department and tracked to resolution.

    It is resolved only when the department has written its resolution and the enterprise has
    confirmed it with a satisfaction rating from 1 to 5.
    """

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="problems"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("raised during visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
    )
    category = models.CharField(_("category"), max_length=32, choices=choices.ProblemCategory)
    severity = models.CharField(
        _("severity"),
        max_length=16,
        choices=choices.ProblemSeverity,
        default=choices.ProblemSeverity.ORDINARY,
    )
    description = BoundedTextField(_("description"), max_length=DESCRIPTION_MAX)
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="problems",
        null=True,
        blank=True,
    )
    raised_by = models.ForeignKey(
        Official,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raised_problems",
    )
    raised_on = models.DateField(_("raised on"))
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    first_feedback_on = models.DateField(_("first feedback on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=choices.ProblemStatus,
        default=choices.ProblemStatus.OPEN,
    )
    resolution = BoundedTextField(_("resolution"), blank=True)
    solved_on = models.DateField(_("solved on"), null=True, blank=True)
    resolved_on = models.DateField(_("confirmed on"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["due_on", "-raised_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=choices.ProblemStatus.values), name="problem_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=choices.ProblemCategory.values),
                name="problem_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="problem_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved")
                | (Q(satisfaction__isnull=False, resolved_on__isnull=False) & ~Q(resolution="")),
                name="problem_resolved_needs_confirmation",
                violation_error_message=_(
                    "A problem is resolved only with a written resolution and the enterprise's "
                    "confirmation with a satisfaction rating."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="problem_dept_status_idx"),
            models.Index(fields=["enterprise", "raised_on"], name="problem_enterprise_date_idx"),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.get_category_display()}"


class ProblemEvent(models.Model):
    """A step in a problem's life, or the escalation of a missed clock, with who and when."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=choices.ProblemAction)
    clock = models.CharField(
        _("clock"), max_length=16, choices=choices.ProblemClock, blank=True, default=""
    )
    note = BoundedTextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("problem step")
        verbose_name_plural = _("problem steps")
        ordering = ["problem", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "clock"],
                condition=Q(action="escalated"),
                name="problem_event_escalated_once_per_clock",
            ),
        ]

    def __str__(self):
        return f"{self.problem} · {self.get_action_display()}"
