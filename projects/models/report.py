"""A project's monthly reports (月报表) and the photos of its progress."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField
from enterprises.choices import ReportStatus
from enterprises.models import (
    MONEY,
    NON_NEGATIVE,
    TimeStampedModel,
    refuse_closed_month,
    refuse_month_not_begun,
    validate_photo,
)

from .project import Project


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
