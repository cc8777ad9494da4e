"""Work reports (工作开展情况报送): who may submit, the submission, and the leading office's board.

A sponsoring department reports each month on every assignment it sponsors, against the
assignment's plan (goals, standards, deadline), to the leading office (包抓重点工业企业工作领导小组
办公室), which follows who has not reported yet.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    FilteredRelation,
    OuterRef,
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import stamp_times
from core.periods import DefaultPeriod, default_month
from core.scoping import scope_queryset

from .models import Assignment, Department, WorkReport


def can_submit_work_report(user, assignment: Assignment) -> bool:
    """Return whether ``user`` may submit or amend the work reports of ``assignment``.

    Superusers may; otherwise only an official of the assignment's sponsoring department.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    try:
        official = user.official
    except ObjectDoesNotExist:
        return False
    return official.department_id == assignment.department_id


def check_work_report_period(
    *, assignment: Assignment, period: datetime.date, today: datetime.date
) -> None:
    """Refuse a month after the current one, or outside the assignment's year."""
    if period.replace(day=1) > today.replace(day=1):
        raise ValidationError(
            {
                "period": ValidationError(
                    _(
                        "The month %(period)s has not begun yet: a work report covers the "
                        "current month or an earlier one."
                    ),
                    code="work_report_future_month",
                    params={"period": f"{period:%Y-%m}"},
                )
            }
        )
    if period.year != assignment.year:
        raise ValidationError(
            {
                "period": ValidationError(
                    _(
                        "The month %(period)s is outside the assignment's year %(year)s: "
                        "report on a month of %(year)s."
                    ),
                    code="work_report_other_year",
                    params={"period": f"{period:%Y-%m}", "year": assignment.year},
                )
            }
        )


@transaction.atomic
def submit_work_report(
    *,
    assignment: Assignment,
    period: datetime.date,
    progress: str,
    standards: str = "",
    deadlines: str = "",
    acting_user,
    now: datetime.datetime,
    today: datetime.date | None = None,
) -> WorkReport:
    """Record the sponsoring department's work report on an assignment for one month.

    A second submission for the same assignment and month updates the existing report (a
    department may amend its report): its first submission time is kept and its
    ``updated_at`` becomes ``now``. ``period`` may be any day of the month. Refused, with
    nothing written: a month after the current one (``today``, by default the date of ``now``
    in Asia/Shanghai), a month outside the assignment's year, and an empty progress.
    ``acting_user`` must be allowed by ``can_submit_work_report``; ``None`` stands for a
    system import and is not checked.
    """
    today = today or timezone.localdate(now)
    period = period.replace(day=1)
    progress, standards, deadlines = (
        (value or "").strip() for value in (progress, standards, deadlines)
    )
    if acting_user is not None and not can_submit_work_report(acting_user, assignment):
        raise PermissionDenied(_("Only the sponsoring department may report on this assignment."))
    errors: dict[str, list[ValidationError]] = {}
    try:
        check_work_report_period(assignment=assignment, period=period, today=today)
    except ValidationError as error:
        errors.update(error.error_dict)
    if not progress:
        errors["progress"] = [
            ValidationError(
                _("Write the progress made against the plan's goals this month."),
                code="work_report_no_progress",
            )
        ]
    if errors:
        raise ValidationError(errors)

    # Lock the assignment so that two first submissions of a month cannot race to the
    # unique constraint; amendments of the same report are serialised too.
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    report = WorkReport.objects.filter(assignment=assignment, period=period).first()
    created = report is None
    if created:
        report = WorkReport(assignment=assignment, period=period)
    report.progress = progress
    report.standards = standards
    report.deadlines = deadlines
    report.submitted_by = acting_user
    report.full_clean()
    # The trail names the acting user also when no request is in flight (commands, tests).
    report._history_user = acting_user
    report.save()
    # created_at and updated_at are auto fields that read the clock; record the caller's time.
    stamps = {"created_at": now, "updated_at": now} if created else {"updated_at": now}
    stamp_times(report, **stamps)
    return report


def get_work_report_default_month(*, reports, today: datetime.date) -> DefaultPeriod:
    """Return the month the work-report board opens on: the latest with a work report, to now.

    ``reports`` are the ones the user may see.
    """
    return default_month(reports, "period", today=today)


@dataclass(frozen=True)
class SubmittedReport:
    """The report of the month on a board row."""

    id: int
    progress: str
    standards: str
    deadlines: str
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_by: str

    @property
    def amended(self) -> bool:
        return self.updated_at != self.submitted_at


@dataclass(frozen=True)
class WorkReportRow:
    """One assignment of the year with its plan and the month's report, if any."""

    assignment_id: int
    department_id: int
    department_code: str
    department_name: str
    enterprise_id: int
    enterprise_name: str
    responsible_name: str
    plan_goals: str
    plan_standards: str
    plan_deadline: datetime.date | None
    report: SubmittedReport | None

    @property
    def reported(self) -> bool:
        return self.report is not None


@dataclass(frozen=True)
class DepartmentReportCount:
    """How many of a department's assignments have the month's work report."""

    department_id: int
    department_code: str
    department_name: str
    assignments: int
    reported: int

    @property
    def missing(self) -> int:
        return self.assignments - self.reported

    @property
    def percent(self) -> int:
        return round(100 * self.reported / self.assignments) if self.assignments else 0


@dataclass(frozen=True)
class WorkReportBoard:
    """The month's work reports of the year's assignments: who has reported and who has not."""

    period: datetime.date
    department_id: int | None
    rows: list[WorkReportRow]
    departments: list[DepartmentReportCount]

    @property
    def assignments(self) -> int:
        return sum(row.assignments for row in self.departments)

    @property
    def reported(self) -> int:
        return sum(row.reported for row in self.departments)

    @property
    def missing(self) -> int:
        return self.assignments - self.reported


def get_work_report_board(
    *, year: int, month: int, department: Department | int | None = None, user=None
) -> WorkReportBoard:
    """Return the assignments of ``year`` with their work report of ``month``, missing first.

    Rows are those of ``department`` when given, ordered not reported first, then by department
    code and enterprise name. The per-department counts cover every department with an
    assignment that year, whatever the filter, so the summary also serves to pick one.
    Two queries, whatever the number of assignments.
    """
    period = datetime.date(year, month, 1)
    department_id = department.pk if isinstance(department, Department) else department
    assignments = Assignment.objects.filter(year=year)
    if user is not None:
        assignments = scope_queryset(assignments, user)
    listed = (
        assignments if department_id is None else assignments.filter(department_id=department_id)
    )
    values = (
        listed.annotate(
            month_report=FilteredRelation("work_reports", condition=Q(work_reports__period=period))
        )
        .annotate(
            has_report=ExpressionWrapper(
                Q(month_report__id__isnull=False), output_field=BooleanField()
            )
        )
        .order_by("has_report", "department__code", "enterprise__name", "id")
        .values(
            "id",
            "department_id",
            "department__code",
            "department__name",
            "enterprise_id",
            "enterprise__name",
            "responsible__name",
            "plan_goals",
            "plan_standards",
            "plan_deadline",
            "month_report__id",
            "month_report__progress",
            "month_report__standards",
            "month_report__deadlines",
            "month_report__created_at",
            "month_report__updated_at",
            "month_report__submitted_by__username",
            "month_report__submitted_by__official__name",
        )
    )
    rows = [
        WorkReportRow(
            assignment_id=row["id"],
            department_id=row["department_id"],
            department_code=row["department__code"],
            department_name=row["department__name"],
            enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise__name"],
            responsible_name=row["responsible__name"],
            plan_goals=row["plan_goals"],
            plan_standards=row["plan_standards"],
            plan_deadline=row["plan_deadline"],
            report=None
            if row["month_report__id"] is None
            else SubmittedReport(
                id=row["month_report__id"],
                progress=row["month_report__progress"],
                standards=row["month_report__standards"],
                deadlines=row["month_report__deadlines"],
                submitted_at=row["month_report__created_at"],
                updated_at=row["month_report__updated_at"],
                submitted_by=row["month_report__submitted_by__official__name"]
                or row["month_report__submitted_by__username"]
                or "",
            ),
        )
        for row in values
    ]
    counts = (
        assignments.annotate(
            has_report=Exists(WorkReport.objects.filter(assignment=OuterRef("pk"), period=period))
        )
        .values("department_id", "department__code", "department__name")
        .annotate(total=Count("id"), reported=Count("id", filter=Q(has_report=True)))
        .order_by("department__code")
    )
    departments = [
        DepartmentReportCount(
            department_id=row["department_id"],
            department_code=row["department__code"],
            department_name=row["department__name"],
            assignments=row["total"],
            reported=row["reported"],
        )
        for row in counts
    ]
    return WorkReportBoard(
        period=period, department_id=department_id, rows=rows, departments=departments
    )
