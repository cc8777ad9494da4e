"""Industrial projects (竣工一批、开工一批、储备一批), their yearly plans and monthly reports."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField
from enterprises.choices import OfficialRank, ReportStatus
from enterprises.models import (
    MONEY,
    NON_NEGATIVE,
    YEAR_RANGE,
    YEAR_VALIDATORS,
    Department,
    Enterprise,
    Official,
    TimeStampedModel,
    refuse_closed_month,
    refuse_month_not_begun,
    validate_photo,
)

from .choices import STAGE_ORDER, ProjectKind, Stage


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


class ProjectReport(TimeStampedModel):
    """A project's monthly report (月报表): the investment of that month and the progress.

    ``percent_complete`` never decreases from one month to the next.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    investment = models.DecimalField(
        _("investment of the month"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MaxValueValidator(100)]
    )
    progress_note = BoundedTextField(_("progress (形象进度)"), blank=True)
    problems = BoundedTextField(_("problems"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus, default=ReportStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("first submitted at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project monthly report")
        verbose_name_plural = _("project monthly reports")
        ordering = ["-period", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"],
                name="project_report_one_per_project_month",
                violation_error_message=_("This project already has a report for this month."),
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="project_report_period_first_day"
            ),
            models.CheckConstraint(
                condition=Q(investment__gte=0), name="project_report_investment_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0, percent_complete__lte=100),
                name="project_report_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="project_report_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["period", "project"], name="project_report_period_idx")]

    def __str__(self):
        return f"{self.project} · {self.period:%Y-%m}"

    def clean(self):
        if self.period and self.period.day != 1:
            self.period = self.period.replace(day=1)
        if self.period:
            refuse_month_not_begun(self.period)
            refuse_closed_month(self.period)
        if not (self.project_id and self.period and self.percent_complete is not None):
            return
        siblings = ProjectReport.objects.filter(project_id=self.project_id).exclude(pk=self.pk)
        before = (
            siblings.filter(period__lt=self.period)
            .order_by("-period")
            .values_list("percent_complete", flat=True)
            .first()
        )
        after = (
            siblings.filter(period__gt=self.period)
            .order_by("period")
            .values_list("percent_complete", flat=True)
            .first()
        )
        if before is not None and self.percent_complete < before:
            raise ValidationError(
                {
                    "percent_complete": _(
                        "Percent complete never decreases: an earlier month already reports "
                        "%(before)s%%."
                    )
                    % {"before": before}
                }
            )
        if after is not None and self.percent_complete > after:
            raise ValidationError(
                {
                    "percent_complete": _(
                        "Percent complete never decreases: a later month reports only %(after)s%%."
                    )
                    % {"after": after}
                }
            )


# Migration 0002 names this validator; the one check of a photo is enterprises' validate_photo.
validate_image_content = validate_photo


class ProjectPhoto(models.Model):
    """A photo of a project's visible progress (形象进度) attached to a monthly report.

    The image and its thumbnail are stored through Django's storage API, so object storage can
    replace the disk; the thumbnail is made by ``projects.services.attach_thumbnail``.
    """

    report = models.ForeignKey(
        ProjectReport,
        verbose_name=_("monthly report"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    image = models.ImageField(
        _("photo"),
        upload_to="projects/%Y/%m/",
        validators=[validate_photo],
    )
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="projects/%Y/%m/thumbnails/", blank=True
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("project photo")
        verbose_name_plural = _("project photos")
        ordering = ["report", "id"]

    def __str__(self):
        return f"{self.report} · {self.pk}"

    @property
    def thumbnail_url(self) -> str:
        """Return the thumbnail's URL, or the photo's own when no thumbnail was made."""
        return (self.thumbnail or self.image).url


class ProjectInspection(TimeStampedModel):
    """A project's half-year inspection (半年督查): findings and a rating from 0 to 100.

    The rating uses the same 0–100 scale as the quarterly inspections of departments; one
    inspection per project and half-year, dated inside that half.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    half = models.PositiveSmallIntegerField(
        _("half-year"),
        choices=[(1, _("First half (Jan–Jun)")), (2, _("Second half (Jul–Dec)"))],
    )
    inspected_on = models.DateField(_("inspected on"))
    findings = BoundedTextField(_("findings"))
    rating = models.PositiveSmallIntegerField(
        _("rating (0-100)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("half-year project inspection")
        verbose_name_plural = _("half-year project inspections")
        ordering = ["-year", "-half", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "half"],
                name="project_inspection_one_per_project_half",
                violation_error_message=_(
                    "This project already has an inspection for this half-year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(half__in=[1, 2]), name="project_inspection_half_1_or_2"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=100),
                name="project_inspection_rating_0_to_100",
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="project_inspection_year_range"),
        ]
        indexes = [
            models.Index(fields=["year", "half"], name="project_inspection_half_idx"),
        ]

    def __str__(self):
        return f"{self.project} · {self.year} H{self.half}"

    def clean(self):
        if self.inspected_on and self.year and self.half in (1, 2):
            in_half = self.inspected_on.year == self.year and (
                (self.inspected_on.month <= 6) == (self.half == 1)
            )
            if not in_half:
                raise ValidationError(
                    {
                        "inspected_on": _(
                            "The inspection date must fall inside the half-year it inspects."
                        )
                    }
                )


class EvaluationGrade(models.TextChoices):
    """The grades of the year-end evaluation (年终评比), best first."""

    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class ProjectEvaluation(TimeStampedModel):
    """A project's year-end evaluation (年终评比): the proposed grade and the confirmed one.

    The grade is proposed from the year's figures (``projects.selectors.propose_grade``) and
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


from .zone_models import *  # noqa: E402,F401,F403
