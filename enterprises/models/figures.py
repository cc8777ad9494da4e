"""Monthly figures: the reports, the reporting month with its close and reopen events, the
year-to-date rollup, and the refusals of a closed or not yet begun month."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import REASON_MAX, BoundedTextField

from .. import choices
from .base import MONEY, NON_NEGATIVE, TimeStampedModel
from .enterprise import Enterprise
from .org import Department


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


# The parts of each metric kept per department and month (``DepartmentYtd``).
DEPARTMENT_PARTS = ("target", "targeted", "ytd", "ytd_targeted", "ytd_previous")


class DepartmentYtd(models.Model):
    """A department's members' totals through a month, for every metric (derived data).

    One row per department and month of each year in which it sponsors at least one enterprise
    (its *members*: the enterprises whose assignment for that year names it). Per metric m:
    ``target_m`` the sum of the members' targets of the year and ``targeted_m`` how many have
    one; ``ytd_m`` the sum of the members' year-to-date rollup at the month, ``ytd_targeted_m``
    the same over the members with a target, ``ytd_previous_m`` the same members' rollup at the
    same month a year earlier. ``reported`` counts the members with a report of the month,
    ``on_time`` those whose report was first submitted by the deadline.

    The grain the ranking, the monthly trend and the completeness board read: 500 rows a month
    at city scale instead of one per member. Kept by ``enterprises.services.aggregates`` on
    every path that writes reports, assignments or targets; ``rebuild_rollups`` rebuilds it.
    """

    department = models.ForeignKey(
        Department,
        verbose_name=_("sponsoring department"),
        on_delete=models.CASCADE,
        related_name="ytd_rows",
        db_index=False,
        db_constraint=False,
    )
    period = models.DateField(_("month"))
    members = models.PositiveIntegerField(_("members"), default=0)
    reported = models.PositiveIntegerField(_("members reported"), default=0)
    on_time = models.PositiveIntegerField(_("members reported on time"), default=0)
    # A random number given at every write of the row: the count of a month's rows and the sum
    # of their stamps fingerprint what a ranking of that month was computed from.
    stamp = models.BigIntegerField(_("stamp"), default=0)

    class Meta:
        verbose_name = _("department year-to-date totals")
        verbose_name_plural = _("department year-to-date totals")
        constraints = [
            models.UniqueConstraint(fields=["period", "department"], name="department_ytd_unique"),
        ]

    def __str__(self):
        return f"{self.department_id} · {self.period:%Y-%m}"


def _add_metric_columns() -> None:
    # Five columns per metric, added in a loop so a new metric cannot be forgotten.
    for metric in ROLLUP_METRICS:
        label = choices.Metric(metric).label
        for part in DEPARTMENT_PARTS:
            field = (
                models.PositiveIntegerField(label, default=0)
                if part == "targeted"
                else models.DecimalField(label, default=0, max_digits=20, decimal_places=2)
            )
            DepartmentYtd.add_to_class(f"{part}_{metric}", field)


_add_metric_columns()
