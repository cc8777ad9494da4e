"""Departments, officials, enterprises and the 五个一 sponsorship with its visits and figures."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.images import check_photo
from core.models import DESCRIPTION_MAX, REASON_MAX, REPORT_MAX, BoundedTextField

from . import choices
from .fields import CreditCodeField

MONEY = {"max_digits": 14, "decimal_places": 2}
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
YEAR_RANGE = Q(year__gte=2000, year__lte=2100)
NON_NEGATIVE = [MinValueValidator(0)]


class TimeStampedModel(models.Model):
    """Add creation and modification times to a model."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Department(TimeStampedModel):
    """A government unit: a sponsoring department, the economic bureau or one of the offices."""

    # Few enough for the browsable API to offer them in a dropdown (core.api.IdField).
    api_dropdown = True

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=32,
        choices=choices.DepartmentKind,
        default=choices.DepartmentKind.SPONSOR,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=choices.DepartmentKind.values), name="department_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class Official(TimeStampedModel):
    """A person who takes part in the sponsorship, optionally linked to a login."""

    name = models.CharField(_("name"), max_length=50)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="officials",
    )
    rank = models.CharField(
        _("rank"), max_length=32, choices=choices.OfficialRank, default=choices.OfficialRank.STAFF
    )
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="official",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["department__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__in=choices.OfficialRank.values), name="official_rank_valid"
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(rank="department_head"),
                name="official_one_head_per_department",
                violation_error_message=_("This department already has a department head."),
            ),
        ]

    def __str__(self):
        return self.name


class Enterprise(TimeStampedModel):
    """An enterprise, identified by its unified social credit code (GB 32100-2015)."""

    credit_code = CreditCodeField(
        _("unified social credit code"),
        unique=True,
        help_text=_("18 characters; both check digits are verified."),
    )
    name = models.CharField(_("name"), max_length=200)
    chain = models.CharField(_("industry chain"), max_length=50, blank=True, db_index=True)
    chain_role = models.CharField(
        _("role in the chain"), max_length=32, choices=choices.ChainRole, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), default=0)
    poverty_employees = models.PositiveIntegerField(_("employees lifted out of poverty"), default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(chain_role="") | Q(chain_role__in=choices.ChainRole.values),
                name="enterprise_chain_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(poverty_employees__lte=F("employees")),
                name="enterprise_poverty_employees_lte_employees",
                violation_error_message=_(
                    "Employees lifted out of poverty cannot exceed the employees."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # Clerks paste codes with spaces or in lower case; validate and store the canonical form.
        if self.credit_code:
            self.credit_code = "".join(self.credit_code.split()).upper()
        super().clean_fields(exclude=exclude)


class EnterpriseTitle(TimeStampedModel):
    """A yearly status or title of an enterprise: above scale, high-tech or 专精特新."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="titles"
    )
    title = models.CharField(_("title"), max_length=32, choices=choices.TitleKind)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    level = models.CharField(
        _("level"), max_length=16, choices=choices.TitleLevel, blank=True, default=""
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise title")
        verbose_name_plural = _("enterprise titles")
        ordering = ["enterprise", "year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "title", "year"], name="enterprise_title_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(title__in=choices.TitleKind.values), name="enterprise_title_kind_valid"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="enterprise_title_year_range"),
        ]
        indexes = [models.Index(fields=["title", "year"], name="enterprise_title_year_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.year} · {self.get_title_display()}"


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
    plan_deadline = models.DateField(_("plan: deadline"), null=True, blank=True)

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
        if errors:
            raise ValidationError(errors)


class Visit(TimeStampedModel):
    """An on-site visit (到企帮扶); it counts for every participant."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("date of visit"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=choices.VisitKind, default=choices.VisitKind.ROUTINE
    )
    participants = models.ManyToManyField(
        Official, verbose_name=_("participants"), related_name="visits"
    )
    notes = BoundedTextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(m2m_fields=["participants"])

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=choices.VisitKind.values), name="visit_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_date_idx"),
            models.Index(fields=["visited_on"], name="visit_date_idx"),
        ]

    def __str__(self):
        return f"{self.visited_on} · {self.enterprise}"

    def clean(self):
        if self.visited_on and self.visited_on > timezone.localdate():
            raise ValidationError({"visited_on": _("A visit cannot be dated in the future.")})


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


def refuse_closed_month(period) -> None:
    """Refuse a write into a closed month with a message that says so."""
    if Period.is_closed(period):
        raise ValidationError(
            {
                "period": ValidationError(
                    _(
                        "The month %(period)s is closed: its figures are locked. An administrator "
                        "must reopen it before they can change."
                    ),
                    code="month_closed",
                    params={"period": f"{period:%Y-%m}"},
                )
            }
        )


def month_not_begun_message(period) -> str:
    return _(
        "The month %(period)s has not begun yet: figures are reported for months that have begun."
    ) % {"period": f"{period:%Y-%m}"}


def refuse_month_not_begun(period, *, today=None) -> None:
    """Refuse figures for a month after the current one (Asia/Shanghai), with a message."""
    today = today or timezone.localdate()
    if period > today.replace(day=1):
        raise ValidationError(
            {"period": ValidationError(month_not_begun_message(period), code="future_month")}
        )


# Flow metrics that are money and must not be negative; profit may be a loss.
NON_NEGATIVE_REPORT_FIELDS = (
    "output_value",
    "value_added",
    "revenue",
    "tax",
    "wages",
    "electricity",
)


class MonthlyReport(TimeStampedModel):
    """An enterprise's figures of one month (当月值, never cumulative).

    Money in 万元, electricity in 万千瓦时, employees at month end. ``period`` is the first day of
    the month. A report is ``open`` until its month is closed, then ``locked``.
    """

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="monthly_reports",
        # The (enterprise, period) unique index serves every lookup by enterprise.
        db_index=False,
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    output_value = models.DecimalField(
        _("gross industrial output"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    value_added = models.DecimalField(
        _("industrial value added"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    revenue = models.DecimalField(
        _("operating revenue"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    profit = models.DecimalField(
        _("total profit"), default=0, help_text=_("Negative for a loss."), **MONEY
    )
    tax = models.DecimalField(_("total tax"), default=0, validators=NON_NEGATIVE, **MONEY)
    employees = models.PositiveIntegerField(_("employees at month end"), default=0)
    wages = models.DecimalField(_("wages payable"), default=0, validators=NON_NEGATIVE, **MONEY)
    electricity = models.DecimalField(
        _("electricity consumption"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    status = models.CharField(
        _("status"), max_length=16, choices=choices.ReportStatus, default=choices.ReportStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("first submitted at"), default=timezone.now)

    # The trail is read by report id; an index on its enterprise would only slow imports.
    history = HistoricalRecords(no_db_index=["enterprise"])

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-period", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "period"],
                name="monthly_report_one_per_enterprise_month",
                violation_error_message=_("This enterprise already has a report for this month."),
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="monthly_report_period_first_day"
            ),
            models.CheckConstraint(
                condition=Q(status__in=choices.ReportStatus.values),
                name="monthly_report_status_valid",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0}),
                    name=f"monthly_report_{field}_non_negative",
                )
                for field in NON_NEGATIVE_REPORT_FIELDS
            ],
        ]
        indexes = [models.Index(fields=["period", "enterprise"], name="monthly_report_period_idx")]

    def __str__(self):
        return f"{self.enterprise} · {self.period:%Y-%m}"

    def clean(self):
        # A month is stored as its first day, whatever day the clerk picked.
        if self.period and self.period.day != 1:
            self.period = self.period.replace(day=1)
        if self.period:
            refuse_month_not_begun(self.period)
            refuse_closed_month(self.period)


class Period(TimeStampedModel):
    """A reporting month and whether it is closed (一月一通报).

    A month without a row is open. Once closed, its monthly reports and project reports are
    locked; changing them needs a reopen by an administrator, recorded with who and why.
    """

    period = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=choices.PeriodStatus,
        default=choices.PeriodStatus.OPEN,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reporting month")
        verbose_name_plural = _("reporting months")
        ordering = ["-period"]
        permissions = [
            ("close_period", _("Can close a month")),
            ("reopen_period", _("Can reopen a closed month")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="period_first_day"),
            models.CheckConstraint(
                condition=Q(status__in=choices.PeriodStatus.values), name="period_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.period:%Y-%m}"

    @classmethod
    def is_closed(cls, day) -> bool:
        """Return whether the month holding ``day`` is closed."""
        return cls.objects.filter(
            period=day.replace(day=1), status=choices.PeriodStatus.CLOSED
        ).exists()


class PeriodEvent(models.Model):
    """A close or a reopen of a month, with who did it, when and (for a reopen) why."""

    class Action(models.TextChoices):
        CLOSE = "close", _("Closed")
        REOPEN = "reopen", _("Reopened")

    period = models.ForeignKey(
        Period, verbose_name=_("month"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = BoundedTextField(_("reason"), blank=True, max_length=REASON_MAX)

    class Meta:
        verbose_name = _("close or reopen")
        verbose_name_plural = _("closes and reopens")
        ordering = ["period", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="reopen") | ~Q(reason=""),
                name="period_event_reopen_has_reason",
                violation_error_message=_("A reopen needs a reason."),
            ),
        ]

    def __str__(self):
        return f"{self.period} · {self.get_action_display()}"


ROLLUP_METRICS = list(choices.Metric.values)


class MonthlyYtd(models.Model):
    """Year-to-date sums of an enterprise's monthly reports through each month (derived data).

    For every year in which an enterprise has at least one report there is one row per month:
    flow metrics summed over months 1..m (a missing month counts as 0), ``employees`` the value
    of month m itself (a stock). Kept by ``enterprises.services.refresh_monthly_ytd`` on every
    write path so rankings read one row per member instead of re-summing the year.
    """

    # Derived rows, written only from reports whose own foreign key is checked: no database
    # constraint (a per-row check on every rollup write), and the (enterprise, period) unique
    # index serves lookups by enterprise. Deleting an enterprise still cascades (Django).
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="ytd_rows",
        db_index=False,
        db_constraint=False,
    )
    period = models.DateField(_("month"))
    has_report = models.BooleanField(_("reported this month"), default=False)
    output_value = models.DecimalField(_("gross industrial output"), default=0, **MONEY)
    value_added = models.DecimalField(_("industrial value added"), default=0, **MONEY)
    revenue = models.DecimalField(_("operating revenue"), default=0, **MONEY)
    profit = models.DecimalField(_("total profit"), default=0, **MONEY)
    tax = models.DecimalField(_("total tax"), default=0, **MONEY)
    employees = models.PositiveIntegerField(_("employees at month end"), default=0)
    wages = models.DecimalField(_("wages payable"), default=0, **MONEY)
    electricity = models.DecimalField(_("electricity consumption"), default=0, **MONEY)

    class Meta:
        verbose_name = _("year-to-date rollup")
        verbose_name_plural = _("year-to-date rollups")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "period"], name="monthly_ytd_unique"),
        ]
        indexes = [
            # Covering, so a month's rows are read from the index alone (PostgreSQL).
            models.Index(
                fields=["period", "enterprise"],
                include=["has_report", *ROLLUP_METRICS],
                name="monthly_ytd_period_idx",
            )
        ]

    def __str__(self):
        return f"{self.enterprise_id} · {self.period:%Y-%m}"


def validate_photo(image) -> None:
    """Refuse a file that is not a JPEG, PNG or WebP photo within the size and pixel limits."""
    check_photo(image)


class VisitPhoto(models.Model):
    """A photo taken during a visit, stored through Django's storage API."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/", validators=[validate_photo])
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "id"]

    def __str__(self):
        return f"{self.visit} · {self.pk}"


def pending_photo_path(instance, filename) -> str:
    """Return an unguessable name: media URLs are not access-controlled (docs/deploy.md)."""
    return f"visits/pending/{secrets.token_urlsafe(18)}.jpg"


class PendingVisitPhoto(models.Model):
    """A photo chosen on a visit form that came back with an error, kept a day for its user.

    The form carries a signed token for it; the visit saved from that form takes the photo over.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="pending_visit_photos",
    )
    image = models.ImageField(_("photo"), upload_to=pending_photo_path, validators=[validate_photo])
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("photo of a visit draft")
        verbose_name_plural = _("photos of visit drafts")
        ordering = ["id"]

    def __str__(self):
        return f"{self.user} · {self.pk}"


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

    def __str__(self):
        return f"{self.assignment} · {self.period:%Y-%m}"


from .zone_models import *  # noqa: E402,F401,F403
