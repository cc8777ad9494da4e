"""Writes of the work reports (工作开展情况报送): a sponsoring department's monthly report on an
assignment, for a month that has begun, by an official of that department (one per month,
amended in place)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import stamp_times

from ..models import Assignment, WorkReport
from ..selectors.work_reports import can_submit_work_report


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


def _check_work_report(
    *,
    assignment: Assignment,
    period: datetime.date,
    progress: str,
    acting_user,
    today: datetime.date,
) -> None:
    """Refuse a report the acting user may not make, then every reason the report is invalid."""
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
    amend: bool = True,
) -> WorkReport:
    """Record the sponsoring department's work report on an assignment for one month.

    A second submission for the same assignment and month updates the existing report (a
    department may amend its report): its first submission time is kept and its
    ``updated_at`` becomes ``now``. ``period`` may be any day of the month. Refused, with
    nothing written: a month after the current one (``today``, by default the date of ``now``
    in Asia/Shanghai), a month outside the assignment's year, and an empty progress.
    ``acting_user`` must be allowed by ``can_submit_work_report``; ``None`` stands for a
    system import and is not checked. With ``amend=False`` (the API's create) a month that
    already has its report is refused instead of amended.
    """
    today = today or timezone.localdate(now)
    period = period.replace(day=1)
    progress, standards, deadlines = (
        (value or "").strip() for value in (progress, standards, deadlines)
    )
    _check_work_report(
        assignment=assignment,
        period=period,
        progress=progress,
        acting_user=acting_user,
        today=today,
    )
    # Lock the assignment so that two first submissions of a month cannot race to the
    # unique constraint; amendments of the same report are serialised too.
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    report = WorkReport.objects.filter(assignment=assignment, period=period).first()
    created = report is None
    if not (created or amend):
        raise ValidationError(
            _("This assignment already has a work report this month."), code="unique"
        )
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


@transaction.atomic
def delete_work_report(*, report: WorkReport, acting_user) -> None:
    """Delete a work report; only who may submit the assignment's reports may delete them."""
    if not can_submit_work_report(acting_user, report.assignment):
        raise PermissionDenied(_("Only the sponsoring department may report on this assignment."))
    report._history_user = acting_user
    report.delete()
