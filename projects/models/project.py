"""Industrial projects (竣工一批、开工一批、储备一批) and the dated moves of their stage."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField
from enterprises.models import (
    MONEY,
    NON_NEGATIVE,
    Enterprise,
    TimeStampedModel,
)

from ..choices import STAGE_ORDER, ProjectKind, Stage


class Project(TimeStampedModel):
    """An industrial project; its stage only moves forward, each move dated (see StageMove)."""

    name = models.CharField(_("name"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("investor enterprise"),
        on_delete=models.PROTECT,
        related_name="projects",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ProjectKind)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage, default=Stage.RESERVE)
    total_investment = models.DecimalField(
        _("total planned investment"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    capacity = models.CharField(
        _("capacity"), max_length=100, blank=True, help_text=_("For example 年产20万吨.")
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned completion"), null=True, blank=True)
    description = BoundedTextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ProjectKind.values), name="project_kind_valid"
            ),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="project_stage_valid"),
            models.CheckConstraint(
                condition=Q(total_investment__gte=0), name="project_total_investment_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="project_planned_end_after_start",
                violation_error_message=_(
                    "The planned completion cannot precede the planned start."
                ),
            ),
        ]
        indexes = [models.Index(fields=["stage", "kind"], name="project_stage_kind_idx")]

    def __str__(self):
        return self.name


class StageMove(models.Model):
    """A dated move of a project to a later stage, with who recorded it."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stage_moves"
    )
    from_stage = models.CharField(_("from stage"), max_length=16, choices=Stage)
    to_stage = models.CharField(_("to stage"), max_length=16, choices=Stage)
    moved_on = models.DateField(_("date"))
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("stage move")
        verbose_name_plural = _("stage moves")
        ordering = ["project", "moved_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "to_stage"], name="stage_move_once_per_stage"
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")), name="stage_move_changes_stage"
            ),
        ]

    def __str__(self):
        return f"{self.project}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    def clean(self):
        if (
            self.from_stage
            and self.to_stage
            and STAGE_ORDER[self.to_stage] <= STAGE_ORDER[self.from_stage]
        ):
            raise ValidationError({"to_stage": _("A project's stage only moves forward.")})
