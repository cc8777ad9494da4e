"""Records of the site's workflows: ranking snapshots of closed months and 督办 notices."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import indicators
from core.models import BoundedTextField
from core.periods import quarter_bounds
from enterprises.models import (
    BEGUN_DATE_VALIDATORS,
    BEGUN_YEAR_VALIDATORS,
    MONEY,
    YEAR_RANGE,
    YEAR_VALIDATORS,
    Assignment,
    Department,
    Period,
)

from .choices import Light, MemberKind, MemberReportStatus, NoticeStatus, RankedMetric
from .formats import display_places
from .ranking import RankingRow

RATE = {"max_digits": 16, "decimal_places": 9}
NINE_PLACES = Decimal("0.000000001")


def rate_to_decimal(value: Fraction | None) -> Decimal | None:
    """Return an exact rate rounded to nine places for storage, or None."""
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        NINE_PLACES, rounding=ROUND_HALF_EVEN
    )


class RankingSnapshot(models.Model):
    """One department's line of a metric's ranking, frozen when its month was closed.

    Sums are stored exactly; rates are stored to nine places for reading, and the rank, the
    lagging flag and the light as they were decided at the close. ``from_row`` and ``to_row``
    are the one mapping between a ranking row and its snapshot; a row read back recomputes its
    rates exactly from the stored sums.
    """

    period = models.ForeignKey(
        Period, verbose_name=_("month"), on_delete=models.CASCADE, related_name="snapshots"
    )
    metric = models.CharField(_("metric"), max_length=32, choices=RankedMetric)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="ranking_snapshots",
    )
    department_code = models.CharField(_("department code"), max_length=20)
    department_name = models.CharField(_("department name"), max_length=100)
    members = models.PositiveIntegerField(_("members"))
    targeted_members = models.PositiveIntegerField(_("members with a target"), null=True)
    reported = models.PositiveIntegerField(_("members reported"))
    target = models.DecimalField(_("target"), **MONEY)
    ytd = models.DecimalField(_("year to date"), **MONEY)
    ytd_targeted = models.DecimalField(_("year to date of targeted members"), **MONEY)
    ytd_previous = models.DecimalField(_("year to date, previous year"), **MONEY)
    completion_rate = models.DecimalField(_("completion rate"), null=True, **RATE)
    time_progress = models.DecimalField(_("time progress"), **RATE)
    gap = models.DecimalField(_("gap"), null=True, **RATE)
    yoy_growth = models.DecimalField(_("year-on-year growth"), null=True, **RATE)
    completeness = models.DecimalField(_("completeness"), **RATE)
    rank = models.PositiveIntegerField(_("position in the ranking"), null=True)
    lagging = models.BooleanField(_("lagging"))
    light = models.CharField(_("light"), max_length=8, choices=Light, blank=True)

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        ordering = ["period", "metric", "rank", "department_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "metric", "department"], name="snapshot_one_per_department"
            ),
        ]

    def __str__(self):
        return f"{self.period} · {self.get_metric_display()} · {self.department_name}"

    @classmethod
    def from_row(cls, row: RankingRow, *, period, metric: str) -> RankingSnapshot:
        """Return the (unsaved) snapshot of a ranking row."""
        return cls(
            period=period,
            metric=metric,
            department_id=row.department_id,
            department_code=row.department_code,
            department_name=row.department_name,
            members=row.members,
            targeted_members=row.targeted_members,
            reported=row.reported,
            target=row.target,
            ytd=row.ytd,
            ytd_targeted=row.ytd_targeted,
            ytd_previous=row.ytd_previous,
            completion_rate=rate_to_decimal(row.completion_rate),
            time_progress=rate_to_decimal(row.time_progress),
            gap=rate_to_decimal(row.gap),
            yoy_growth=rate_to_decimal(row.yoy_growth),
            completeness=rate_to_decimal(row.completeness),
            rank=row.rank,
            lagging=row.lagging,
            light=row.light or "",
        )

    def to_row(self, *, month: int) -> RankingRow:
        """Return the ranking row as decided at the close, its rates exact from the stored sums."""
        rate = indicators.completion_rate(self.ytd_targeted, self.target)
        return RankingRow(
            department_id=self.department_id,
            department_code=self.department_code,
            department_name=self.department_name,
            members=self.members,
            reported=self.reported,
            target=self.target,
            ytd=self.ytd,
            ytd_targeted=self.ytd_targeted,
            ytd_previous=self.ytd_previous,
            completion_rate=rate,
            time_progress=indicators.time_progress(month),
            gap=indicators.gap(rate, month),
            yoy_growth=indicators.growth(self.ytd, self.ytd_previous),
            completeness=indicators.completeness(self.reported, self.members),
            rank=self.rank,
            lagging=self.lagging,
            light=self.light or None,
            targeted_members=self.targeted_members,
        )


class BulletinIssue(models.Model):
    """A month's bulletin (月通报) as issued at a close: its document number and its content.

    The content holds every figure every section shows, computed at the close; a month closed
    again after a reopen gets a new issue with the same number, and the old one is kept with
    ``superseded_at`` set. Numbers run per year of the reported month, in close order.
    """

    period = models.ForeignKey(
        Period, verbose_name=_("month"), on_delete=models.CASCADE, related_name="bulletin_issues"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    number = models.PositiveIntegerField(_("number"), validators=[MinValueValidator(1)])
    document_number = models.CharField(_("document number"), max_length=50)
    closed_at = models.DateTimeField(_("closed at"))
    built_at = models.DateTimeField(_("built at"))
    content = models.JSONField(_("content"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulletin issue")
        verbose_name_plural = _("bulletin issues")
        ordering = ["-period__period", "-closed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(superseded_at__isnull=True),
                name="bulletin_issue_one_current_per_month",
            ),
            models.UniqueConstraint(
                fields=["year", "number"],
                condition=Q(superseded_at__isnull=True),
                name="bulletin_issue_number_once_per_year",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="bulletin_issue_number_positive"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="bulletin_issue_year_range"),
        ]

    def __str__(self):
        return f"{self.document_number} · {self.period}"

    def clean(self):
        if self.period_id and self.year and self.period.period.year != self.year:
            raise ValidationError({"year": _("The year is not the reported month's year.")})


class BulletinFile(models.Model):
    """A file of a bulletin issue (Excel, Word, PDF), kept as first rendered.

    An issue never changes (a close after a reopen makes a new one), so its files are rendered
    once, when first asked for or by the ``close_month`` command, and then served as stored: a
    city's 500-department bulletin takes seconds to lay out as a document. The Excel workbook
    speaks the reader's language (``language``); the official document is always Chinese
    (``language`` empty).
    """

    class Kind(models.TextChoices):
        XLSX = "xlsx", "Excel"
        DOCX = "docx", "Word"
        PDF = "pdf", "PDF"

    issue = models.ForeignKey(
        BulletinIssue, verbose_name=_("bulletin issue"), on_delete=models.CASCADE,
        related_name="files",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    language = models.CharField(_("language"), max_length=16, blank=True)
    content = models.BinaryField(_("content"))
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)

    class Meta:
        verbose_name = _("bulletin file")
        verbose_name_plural = _("bulletin files")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "kind", "language"], name="bulletin_file_once_per_language"
            ),
        ]

    def __str__(self):
        return f"{self.issue} · {self.kind}"


class RankingMemberSnapshot(models.Model):
    """One member's line of a department's drill-down for a metric, frozen when its month closed.

    A member is an enterprise (the enterprise metrics) or a project (the investment metrics),
    kept by id with its name as it was; the target is null for a member without one. Rates and
    shortfalls are derived on reading, exactly, from the stored sums and the month.
    """

    # No index of its own: the unique constraint's index leads with the month (the close writes
    # a city's 160,000 rows, each index costs time).
    period = models.ForeignKey(
        Period,
        verbose_name=_("month"),
        on_delete=models.CASCADE,
        related_name="member_snapshots",
        db_index=False,
    )
    metric = models.CharField(_("metric"), max_length=32, choices=RankedMetric)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="member_snapshots",
    )
    member_kind = models.CharField(_("member kind"), max_length=16, choices=MemberKind)
    member_id = models.PositiveIntegerField(_("member id"))
    name = models.CharField(_("name"), max_length=200)
    target = models.DecimalField(_("target"), null=True, **MONEY)
    ytd = models.DecimalField(_("year to date"), **MONEY)
    ytd_previous = models.DecimalField(_("year to date, previous year"), **MONEY)
    report_status = models.CharField(
        _("report of the month"), max_length=16, choices=MemberReportStatus
    )

    class Meta:
        verbose_name = _("ranking member snapshot")
        verbose_name_plural = _("ranking member snapshots")
        ordering = ["period", "metric", "department", "name"]
        constraints = [
            # Its index also serves the read of one department's members of a metric.
            models.UniqueConstraint(
                fields=["period", "metric", "department", "member_kind", "member_id"],
                name="member_snapshot_one_per_member",
            ),
        ]

    def __str__(self):
        return f"{self.period} · {self.get_metric_display()} · {self.name}"


class SupervisionNotice(models.Model):
    """A 督办 notice to a department lagging behind time progress on a metric in a month.

    issued → responded (the department writes its measures) → closed (the supervision office
    accepts); overdue while not responded after its due date. A re-close that finds the
    department no longer lagging withdraws the notice.
    """

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="supervision_notices",
    )
    period = models.DateField(_("month"))
    metric = models.CharField(_("metric"), max_length=32, choices=RankedMetric)
    completion_rate = models.DecimalField(_("completion rate"), **RATE)
    time_progress = models.DecimalField(_("time progress"), **RATE)
    gap = models.DecimalField(_("gap"), **RATE)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=NoticeStatus, default=NoticeStatus.ISSUED
    )
    response = BoundedTextField(_("response (measures taken)"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
    due_reminder_sent_at = models.DateTimeField(
        _("coming-due reminder sent at"), null=True, blank=True
    )
    overdue_reminder_sent_at = models.DateTimeField(
        _("overdue reminder sent at"), null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supervision notice (督办)")
        permissions = [
            ("respond_supervisionnotice", _("Can respond to a supervision notice")),
            ("close_supervisionnotice", _("Can accept a response and close a notice")),
        ]
        verbose_name_plural = _("supervision notices (督办)")
        ordering = ["-period", "department__code", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "period", "metric"], name="notice_one_per_department_metric"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NoticeStatus.values), name="notice_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["responded", "closed"]) | ~Q(response=""),
                name="notice_responded_has_response",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="notice_status_due_idx")]

    def __str__(self):
        return f"{self.period:%Y-%m} · {self.department} · {self.get_metric_display()}"

    @property
    def places(self) -> int:
        """Return the decimals its rate, time progress and gap print with (display_places)."""
        return display_places(self.completion_rate, self.time_progress)

    def is_overdue(self, today) -> bool:
        """Return whether the notice is still unanswered after its due date."""
        return self.status == NoticeStatus.ISSUED and self.due_on < today

    @staticmethod
    def overdue_on(today) -> Q:
        """Return the condition of ``is_overdue`` for a query."""
        return Q(status=NoticeStatus.ISSUED, due_on__lt=today)


class NoticeEvent(models.Model):
    """A step in a notice's life: issued, responded, closed or withdrawn, by whom and when."""

    notice = models.ForeignKey(
        SupervisionNotice,
        verbose_name=_("notice"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    status = models.CharField(_("status"), max_length=16, choices=NoticeStatus)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = BoundedTextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("notice step")
        verbose_name_plural = _("notice steps")
        ordering = ["notice", "at", "id"]

    def __str__(self):
        return f"{self.notice} · {self.get_status_display()}"


class Inspection(models.Model):
    """A quarterly inspection (一季一督查) of a department, or of one of its assignments.

    Dated within its quarter (from its first to its last day), and never in the future.
    """

    year = models.PositiveSmallIntegerField(_("year"), validators=BEGUN_YEAR_VALIDATORS)
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
        help_text=_("Leave empty for an inspection of the department as a whole."),
    )
    inspected_on = models.DateField(_("inspected on"), validators=BEGUN_DATE_VALIDATORS)
    findings = BoundedTextField(_("findings"))
    score = models.DecimalField(
        _("score (0-100)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quarterly inspection")
        verbose_name_plural = _("quarterly inspections")
        ordering = ["-year", "-quarter", "department__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="inspection_quarter_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="inspection_score_0_to_100"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="inspection_year_range"),
        ]
        indexes = [models.Index(fields=["year", "quarter"], name="inspection_year_quarter_idx")]

    def __str__(self):
        return f"{self.year}Q{self.quarter} · {self.department}"

    def clean(self):
        errors = {}
        if self.assignment_id and self.department_id:
            if self.assignment.department_id != self.department_id:
                errors["assignment"] = _("The assignment belongs to another department.")
            if self.assignment.year != self.year:
                errors["assignment"] = _("The assignment is of another year.")
        if self.inspected_on and self.year and self.inspected_on.year != self.year:
            errors["inspected_on"] = _("The inspection date is not in the inspection's year.")
        elif self.inspected_on and self.quarter in (1, 2, 3, 4):
            # 一季一督查: each quarter is inspected within it (from its first day to its last).
            start, end = quarter_bounds(self.year, self.quarter)
            if not start <= self.inspected_on <= end:
                errors["inspected_on"] = _(
                    "A quarter's inspection is dated within that quarter: from %(start)s to "
                    "%(end)s."
                ) % {"start": start.isoformat(), "end": end.isoformat()}
        if errors:
            raise ValidationError(errors)


class Notification(models.Model):
    """An in-app message to one user, such as a new monthly bulletin with its files."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = BoundedTextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    attachments = models.JSONField(
        _("attached files"), default=list, blank=True, help_text=_("A list of {label, url}.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self):
        return self.title


class Reminder(models.Model):
    """A reminder already sent to a user, so that each is sent once whatever runs the job."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("reminder"), max_length=200)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="reminder_once_per_user"),
        ]

    def __str__(self):
        return self.key


class OpenRanking(models.Model):
    """An open month's ranking of one enterprise metric, as last computed (derived data).

    Stored with the fingerprint of what it was computed from: the month's department totals
    (their count and the sum of their stamps, which change whenever a row is rewritten) and the
    ranking rules. A read whose fingerprint differs computes the ranking afresh and replaces
    the row (hengkou/selectors/open_ranking.py), so a stored ranking is never served after a
    write, in any process, without a cache to drop. ``rows`` keeps each row exactly, one list per
    field (fractions as numerators and denominators); ``body`` the API's JSON of it and
    ``body_key`` a random key of that body, new whenever it is stored.
    """

    period = models.DateField(_("month"))
    metric = models.CharField(_("metric"), max_length=32)
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    # 500 departments take about 200 kB; the bound leaves room and caps what is ever stored.
    body = BoundedTextField(_("API body"), blank=True, max_length=5_000_000)
    # A random key given to each stored body: a process keeps the bodies it read under their
    # key and, while the stored row still has it, reads the key and not the 200 kB again.
    body_key = models.CharField(_("API body key"), max_length=32, blank=True, default="")
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("open month's ranking")
        verbose_name_plural = _("open months' rankings")
        constraints = [
            models.UniqueConstraint(fields=["period", "metric"], name="open_ranking_unique"),
        ]

    def __str__(self):
        return f"{self.period:%Y-%m} · {self.metric}"


# The year's plan and the turn of the year, a feature package of their own (hengkou/annual/).
from .annual.models import (  # noqa: E402, F401
    AnnualPlan,
    DraftAssignment,
    DraftTarget,
    GrowthRate,
    PlanGoal,
    YearTurn,
)

# The stored history of the year-end projections (hengkou/forecast/).
from .forecast.models import ProjectionHistory  # noqa: E402, F401

# Delivery channels per department and user and the delivery log (hengkou/messaging/).
from .messaging.models import Delivery, DeliveryChannel  # noqa: E402, F401
