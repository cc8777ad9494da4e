"""A project's year-end evaluation (年终评比) and its grades."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField
from enterprises.models import (
    YEAR_RANGE,
    YEAR_VALIDATORS,
    TimeStampedModel,
)

from .project import Project


class EvaluationGrade(models.TextChoices):
    """The grades of the year-end evaluation (年终评比), best first."""

    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class ProjectEvaluation(TimeStampedModel):
    """A project's year-end evaluation (年终评比): the proposed grade and the confirmed one.

    The grade is proposed from the year's figures (``projects.selectors.grades.propose_grade``) and
    counts only once a supervisor confirms it, with who and when; ``grade`` is empty until then.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    proposed_grade = models.CharField(
        _("proposed grade"), max_length=16, choices=EvaluationGrade, blank=True
    )
    grade = models.CharField(_("grade"), max_length=16, choices=EvaluationGrade, blank=True)
    note = BoundedTextField(_("note"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("year-end project evaluation")
        verbose_name_plural = _("year-end project evaluations")
        ordering = ["-year", "project__name"]
        permissions = [("confirm_projectevaluation", _("Can confirm a year-end project grade"))]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="project_evaluation_one_per_project_year",
                violation_error_message=_("This project already has an evaluation for this year."),
            ),
            models.CheckConstraint(
                condition=Q(proposed_grade="") | Q(proposed_grade__in=EvaluationGrade.values),
                name="project_evaluation_proposed_grade_valid",
            ),
            models.CheckConstraint(
                condition=(Q(grade="") & Q(confirmed_at__isnull=True))
                | (Q(grade__in=EvaluationGrade.values) & Q(confirmed_at__isnull=False)),
                name="project_evaluation_confirmed_has_grade",
                violation_error_message=_("A confirmed evaluation has a grade, and only it."),
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="project_evaluation_year_range"),
        ]

    def __str__(self):
        return f"{self.project} · {self.year}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None
