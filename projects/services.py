"""Writes of the projects app."""

import datetime
import io
import os
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from core.images import check_photo_count, delete_files_on_commit, reencode_photo
from enterprises.models import refuse_closed_month

from .choices import STAGE_ORDER, Stage
from .models import (
    EvaluationGrade,
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPhoto,
    ProjectPlan,
    ProjectReport,
    StageMove,
)
from .selectors.grades import get_evaluation_proposal


def validate_stage_move(*, project: Project, to_stage: str, moved_on: datetime.date) -> None:
    """Refuse a stage move that goes backwards, is dated in the future or before the project's
    previous move."""
    if moved_on > timezone.localdate():
        raise ValidationError({"stage_moved_on": _("A stage move cannot be dated in the future.")})
    if to_stage not in STAGE_ORDER:
        raise ValidationError({"stage": _("Unknown stage.")})
    if STAGE_ORDER[to_stage] <= STAGE_ORDER[project.stage]:
        raise ValidationError(
            {
                "stage": _("A project's stage only moves forward: it is already “%(stage)s”.")
                % {"stage": Stage(project.stage).label}
            }
        )
    last = project.stage_moves.order_by("-moved_on").values_list("moved_on", flat=True).first()
    if last and moved_on < last:
        raise ValidationError(
            {
                "stage_moved_on": _("The move cannot be dated before the previous one (%(date)s).")
                % {"date": last.isoformat()}
            }
        )


@transaction.atomic
def move_project_stage(
    *, project: Project, to_stage: str, moved_on: datetime.date, acting_user=None
) -> StageMove:
    """Move a project to a later stage on ``moved_on`` and record the move.

    A stage only moves forward (reserve → started → completed → operating; skipping is allowed,
    going back is not), and a move cannot be dated before the project's previous move.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    validate_stage_move(project=locked, to_stage=to_stage, moved_on=moved_on)
    move = StageMove(
        project=locked,
        from_stage=locked.stage,
        to_stage=to_stage,
        moved_on=moved_on,
        moved_by=acting_user,
    )
    move.full_clean()
    move.save()
    locked.stage = to_stage
    if acting_user is not None:
        locked._history_user = acting_user
    locked.save(update_fields=["stage", "updated_at"])
    project.stage = to_stage
    return move


# --- who may write ------------------------------------------------------------------------------


def can_edit_project(user, project: Project, *, year: int) -> bool:
    """Return whether ``user`` may report on ``project`` or move its stage in ``year``.

    Superusers and holders of ``projects.change_project`` may; otherwise a user whose role
    writes project reports (``projects.add_projectreport``) and who is an official of the
    sponsoring department named by the project's plan for ``year``, or its sponsoring leader.
    A role without that permission (a county leader, an official) never writes, whoever it is.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.has_perm("projects.change_project"):
        return True
    if not user.has_perm("projects.add_projectreport"):
        return False
    try:
        official = user.official
    except ObjectDoesNotExist:
        return False
    return (
        ProjectPlan.objects.filter(project=project, year=year)
        .filter(Q(department_id=official.department_id) | Q(leader_id=official.pk))
        .exists()
    )


def can_inspect_projects(user) -> bool:
    """Return whether ``user`` may record half-year inspections."""
    return bool(user and user.is_active and user.has_perm("projects.add_projectinspection"))


def can_confirm_evaluations(user) -> bool:
    """Return whether ``user`` may confirm year-end grades (a supervisor)."""
    return bool(user and user.is_active and user.has_perm("projects.confirm_projectevaluation"))


# --- monthly reports ----------------------------------------------------------------------------

THUMBNAIL_SIZE = (320, 320)


def make_thumbnail(image) -> ContentFile:
    """Return a JPEG thumbnail of ``image`` (at most 320 px a side, turned upright by EXIF)."""
    source = getattr(image, "file", image)
    source.seek(0)
    with Image.open(source) as picture:
        upright = ImageOps.exif_transpose(picture)
        upright.thumbnail(THUMBNAIL_SIZE)
        if upright.mode != "RGB":
            upright = upright.convert("RGB")
        buffer = io.BytesIO()
        upright.save(buffer, "JPEG", quality=82, optimize=True)
    source.seek(0)
    return ContentFile(buffer.getvalue())


def store_photo(photo: ProjectPhoto) -> None:
    """Re-encode a new photo (upright JPEG, no metadata) and give it a thumbnail (unsaved)."""
    photo.image = reencode_photo(photo.image)
    attach_thumbnail(photo)


def attach_thumbnail(photo: ProjectPhoto) -> None:
    """Store a thumbnail of the photo's image beside it, through the storage API (unsaved)."""
    stem = os.path.splitext(os.path.basename(photo.image.name))[0] or "photo"
    photo.thumbnail.save(f"{stem}.jpg", make_thumbnail(photo.image), save=False)


def _refuse_report(message, code: str, field: str = "period") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _refuse_month(project: Project, *, period: datetime.date, today: datetime.date) -> None:
    """Refuse a report of a project in reserve, or of a month after ``today``'s."""
    if project.stage == Stage.RESERVE:
        raise _refuse_report(_("A project in reserve has no monthly reports."), "project_reserve")
    if period > today.replace(day=1):
        raise _refuse_report(
            _("The month %(period)s has not begun yet.") % {"period": f"{period:%Y-%m}"},
            "future_month",
        )


def _checked_photos(photos, *, acting_user, now: datetime.datetime) -> list[ProjectPhoto]:
    """Return the uploads as unsaved photos, every one checked and re-encoded (no file written
    yet); refuse them all if one fails.
    """
    records = [
        ProjectPhoto(image=photo, uploaded_by=acting_user, uploaded_at=now) for photo in photos
    ]
    photo_errors = []
    for record in records:
        try:
            record.full_clean(exclude=["report", "thumbnail"])
            # Re-encoded here, before any file is written: a photo whose pixel data is cut off
            # passes the header check but fails to decode, and must refuse the others too.
            record.image = reencode_photo(record.image)
        except ValidationError as error:
            photo_errors.extend(
                error.error_dict.get("image", [error])
                if hasattr(error, "error_dict")
                else error.error_list
            )
    if photo_errors:
        raise ValidationError({"photos": photo_errors})
    return records


@transaction.atomic
def submit_project_report(
    *,
    project: Project,
    period: datetime.date,
    investment: Decimal,
    percent_complete: int,
    progress_note: str = "",
    problems: str = "",
    photos=(),
    acting_user,
    now: datetime.datetime,
    today: datetime.date | None = None,
) -> ProjectReport:
    """Record a project's monthly report (月报表) with its photos; a second one updates it.

    One report per project and month: submitting again for the month updates the report (its
    first submission time is kept) and adds the new photos. Refused, with nothing written: a
    project in reserve, a month after the current one (``today``, by default the date of
    ``now`` in Asia/Shanghai), a closed month (code ``month_closed``), a percent complete below
    an earlier month's or above a later month's, a photo that is not an image, too large
    or of absurd dimensions, and more photos than a report holds (``HENGKOU_PHOTOS_PER_RECORD``).
    ``acting_user`` must pass ``can_edit_project`` for the month's year; ``None`` stands for a
    system import and is not checked.
    """
    today = today or timezone.localdate(now)
    period = period.replace(day=1)
    if acting_user is not None and not can_edit_project(acting_user, project, year=period.year):
        raise PermissionDenied(
            _("Only the project's sponsoring department and leader may report on it.")
        )
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _refuse_month(locked, period=period, today=today)
    report = ProjectReport.objects.filter(project=locked, period=period).first()
    if report is None:
        report = ProjectReport(project=locked, period=period, submitted_at=now)
    report.investment = investment
    report.percent_complete = percent_complete
    report.progress_note = (progress_note or "").strip()
    report.problems = (problems or "").strip()
    report.full_clean()
    records = _checked_photos(photos, acting_user=acting_user, now=now)
    try:
        check_photo_count(existing=report.photos.count() if report.pk else 0, adding=len(records))
    except ValidationError as error:
        raise ValidationError({"photos": error}) from error
    report.save()
    for record in records:
        record.report = report
        attach_thumbnail(record)
        record.save()
    return report


def refuse_photo_adder(report: ProjectReport, acting_user) -> None:
    """Raise ``PermissionDenied`` unless ``acting_user`` may add photos to ``report``: who may
    report on the project that year (``can_edit_project``). The API asks before reading an upload.
    """
    if not can_edit_project(acting_user, report.project, year=report.period.year):
        raise PermissionDenied(
            _("Only the project's sponsoring department and leader may report on it.")
        )


@transaction.atomic
def add_report_photos(
    *, report: ProjectReport, photos, acting_user, now: datetime.datetime
) -> list[ProjectPhoto]:
    """Add progress photos to a filed monthly report, as its page does; all of them or none.

    Who may report on the project that year adds them (``can_edit_project``, else
    ``PermissionDenied``). Refused with nothing written: a closed month (code ``month_closed``),
    no photo, more photos than a report holds, a file that is not a photo within the limits.
    Each is re-encoded and given a thumbnail (``store_photo``).
    """
    report = ProjectReport.objects.select_for_update().get(pk=report.pk)
    refuse_photo_adder(report, acting_user)
    refuse_closed_month(report.period)
    if not photos:
        raise ValidationError({"image": _("Choose at least one photo.")})
    try:
        check_photo_count(existing=report.photos.count(), adding=len(photos))
    except ValidationError as error:
        raise ValidationError({"image": error}) from error
    try:
        records = _checked_photos(photos, acting_user=acting_user, now=now)
    except ValidationError as error:
        raise ValidationError({"image": error.error_dict["photos"]}) from error
    for record in records:
        record.report = report
        attach_thumbnail(record)
        record.save()
    return records


@transaction.atomic
def remove_report_photo(*, photo: ProjectPhoto, acting_user) -> None:
    """Remove a report's photo and its thumbnail, their files once the transaction commits.

    Only who uploaded it removes it (else ``PermissionDenied``), while the month is open (code
    ``month_closed``).
    """
    if acting_user is None or photo.uploaded_by_id != acting_user.pk:
        raise PermissionDenied(_("Only who added a photo removes it."))
    refuse_closed_month(photo.report.period)
    delete_files_on_commit([photo.image, photo.thumbnail])
    photo.delete()


# --- stage moves from the project page ----------------------------------------------------------


def move_project_stage_from_page(
    *, project: Project, to_stage: str, moved_on: datetime.date, acting_user, today: datetime.date
) -> StageMove:
    """Move a project's stage as asked on its page: permitted users only, never in the future.

    A date in the future is refused first: whose plan decides who may move the stage depends
    on the move's year, and a year not begun has no say.
    """
    if moved_on > today:
        raise ValidationError({"moved_on": _("A stage move cannot be dated in the future.")})
    if not can_edit_project(acting_user, project, year=moved_on.year):
        raise PermissionDenied(
            _("Only the project's sponsoring department and leader may move its stage.")
        )
    return move_project_stage(
        project=project, to_stage=to_stage, moved_on=moved_on, acting_user=acting_user
    )


# --- half-year inspections and year-end evaluations ---------------------------------------------


@transaction.atomic
def record_project_inspection(
    *,
    project: Project,
    year: int,
    half: int,
    inspected_on: datetime.date,
    findings: str,
    rating: int,
    acting_user,
) -> ProjectInspection:
    """Record a project's half-year inspection (半年督查) with its findings and rating."""
    if acting_user is not None and not can_inspect_projects(acting_user):
        raise PermissionDenied(_("Only the supervision office records project inspections."))
    inspection = ProjectInspection(
        project=project,
        year=year,
        half=half,
        inspected_on=inspected_on,
        findings=(findings or "").strip(),
        rating=rating,
        inspector=acting_user,
    )
    inspection.full_clean()
    if acting_user is not None:
        inspection._history_user = acting_user
    inspection.save()
    return inspection


@transaction.atomic
def confirm_project_evaluation(
    *,
    project: Project,
    year: int,
    grade: str,
    note: str = "",
    acting_user,
    now: datetime.datetime,
    today: datetime.date | None = None,
) -> ProjectEvaluation:
    """Confirm a project's year-end grade (年终评比), storing the proposal it started from.

    The grade is the supervisor's choice; the proposed grade is recomputed and stored beside it,
    so a grade that departs from the rule stays visible. Confirming again replaces the grade,
    the note and who confirmed it when. Refused before December of ``year`` (the evaluation is
    a year-end one), for a project without a plan for ``year``, and for users without
    ``projects.confirm_projectevaluation``.
    """
    today = today or timezone.localdate(now)
    if acting_user is not None and not can_confirm_evaluations(acting_user):
        raise PermissionDenied(_("Only a supervisor confirms year-end grades."))
    if grade not in EvaluationGrade.values:
        raise ValidationError({"grade": _("Choose a grade.")})
    if today < datetime.date(year, 12, 1):
        raise ValidationError(
            {
                "year": _("The evaluation of %(year)s is confirmed from December %(year)s on.")
                % {"year": year}
            }
        )
    if not ProjectPlan.objects.filter(project=project, year=year).exists():
        raise ValidationError(
            {"project": _("This project has no plan for %(year)s.") % {"year": year}}
        )
    evaluation = ProjectEvaluation.objects.select_for_update().filter(
        project=project, year=year
    ).first() or ProjectEvaluation(project=project, year=year)
    evaluation.proposed_grade = get_evaluation_proposal(project=project, year=year)
    evaluation.grade = grade
    evaluation.note = (note or "").strip()
    evaluation.confirmed_by = acting_user
    evaluation.confirmed_at = now
    evaluation.full_clean()
    if acting_user is not None:
        evaluation._history_user = acting_user
    evaluation.save()
    return evaluation
