"""Recording on-site visits (到企帮扶), with the problems raised and the photos taken."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from core.images import check_photo_count, delete_files_on_commit, reencode_photo

from ..choices import ProblemSeverity, VisitKind
from ..models import (
    Assignment,
    Department,
    Enterprise,
    Official,
    PendingVisitPhoto,
    Period,
    Visit,
    VisitPhoto,
)
from ..selectors.sponsorship import is_involved
from .problems import raise_problem

# A photo chosen on a visit form that came back with an error is kept this long for its user.
PENDING_PHOTO_MAX_AGE = datetime.timedelta(days=1)
# At most this many kept photos named by one form (a bound on the tokens a request may carry).
MAX_KEPT_PHOTOS = 20
PENDING_PHOTO_SALT = "enterprises.visits.pending-photo"
DEFAULT_CORRECTION_DAYS = 7
# What a correction may change: every field of the recording form but its photos and problems.
CORRECTABLE = ("enterprise", "visited_on", "participants", "kind", "notes")


# An idempotency key: 8 to 64 letters, digits, '-' or '_' (a UUID fits).
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


class VisitAlreadyRecorded(Exception):  # noqa: N818 (an answer, not a failure)
    """The author already recorded a visit with this idempotency key: ``visit`` is that one."""

    def __init__(self, visit: Visit):
        super().__init__(visit.pk)
        self.visit = visit


def check_idempotency_key(key: str | None) -> None:
    """Refuse an idempotency key that is not 8 to 64 letters, digits, '-' or '_'."""
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationError(
            {
                "idempotency_key": _(
                    "The idempotency key must be 8 to 64 letters, digits, '-' or '_'."
                )
            },
            code="invalid",
        )


def find_recorded_visit(*, acting_user, idempotency_key: str | None) -> Visit | None:
    """Return the visit ``acting_user`` recorded with ``idempotency_key``, or None.

    Keys are the author's own: another user's visit with the same key is never returned.
    """
    if not idempotency_key or acting_user is None or acting_user.pk is None:
        return None
    return Visit.objects.filter(created_by=acting_user, idempotency_key=idempotency_key).first()


def _refuse_replay(*, acting_user, idempotency_key: str | None) -> None:
    """Refuse a malformed key; raise ``VisitAlreadyRecorded`` for a key the author used."""
    check_idempotency_key(idempotency_key)
    recorded = find_recorded_visit(acting_user=acting_user, idempotency_key=idempotency_key)
    if recorded is not None:
        raise VisitAlreadyRecorded(recorded)


@dataclass(frozen=True)
class RaisedProblem:
    """A problem raised on the spot during a visit."""

    category: str
    description: str
    department: Department | None = None
    severity: str = ProblemSeverity.ORDINARY


def official_of(user) -> Official | None:
    """Return the official linked to ``user``, or None."""
    return Official.objects.filter(user=user).select_related("department").first() if user else None


def may_log_visits(user, *, enterprise: Enterprise, year: int) -> bool:
    """Return whether ``user`` logs visits to ``enterprise`` in ``year`` (and adds their photos).

    The officials of the enterprise's assignment that year (leader, department head,
    responsible person, team) do, and administrators.
    """
    if user is not None and user.is_superuser:
        return True
    return is_involved(official_of(user), enterprise_id=enterprise.pk, year=year)


# No visit is dated before this year, whatever the enterprise (the zone's records begin then).
EARLIEST_VISIT_YEAR = 2000


def _too_early(enterprise: Enterprise, visited_on: datetime.date) -> str | None:
    """Return why ``visited_on`` is too early for a visit to ``enterprise``, or None.

    A visit is dated from 1 January of the enterprise's first sponsored year (its first
    assignment), and never before 2000.
    """
    first = Assignment.objects.filter(enterprise=enterprise).aggregate(first=Min("year"))["first"]
    earliest = datetime.date(max(first or EARLIEST_VISIT_YEAR, EARLIEST_VISIT_YEAR), 1, 1)
    if visited_on >= earliest:
        return None
    if first is None:
        return _("A visit cannot be dated before %(date)s.") % {"date": earliest.isoformat()}
    return _(
        "A visit cannot be dated before %(date)s, the start of the first year %(enterprise)s "
        "was sponsored."
    ) % {"date": earliest.isoformat(), "enterprise": enterprise.name}


def _check_visit(
    *,
    enterprise: Enterprise,
    visited_on: datetime.date,
    participants: list[Official],
    kept_photos: list[PendingVisitPhoto],
    acting_user,
    today: datetime.date,
    photos=(),
) -> None:
    """Raise the ValidationError of every reason ``record_visit`` refuses, if any."""
    errors = {}
    if any(photo.user_id != getattr(acting_user, "pk", None) for photo in kept_photos):
        errors["photos"] = _("A kept photo belongs to someone else.")
    else:
        try:
            check_photo_count(existing=0, adding=len(photos) + len(kept_photos))
        except ValidationError as error:
            errors["photos"] = error
    if visited_on > today:
        errors["visited_on"] = _("A visit cannot be dated in the future.")
    too_early = _too_early(enterprise, visited_on)
    if too_early:
        errors["visited_on"] = too_early
    if not participants:
        errors["participants"] = _("Choose at least one participant.")
    if not too_early and not may_log_visits(
        acting_user, enterprise=enterprise, year=visited_on.year
    ):
        errors["enterprise"] = _(
            "You have no assignment on %(enterprise)s in %(year)s: only its sponsoring "
            "leader, department head, responsible person and team log its visits."
        ) % {"enterprise": enterprise.name, "year": visited_on.year}
    if errors:
        raise ValidationError(errors)


def _attach_photos(
    visit: Visit, *, photos, kept_photos, acting_user, now: datetime.datetime
) -> None:
    """Save the new photos (re-encoded) and the kept ones on ``visit``; discard the kept ones."""
    for photo in photos:
        record = VisitPhoto(
            visit=visit, image=reencode_photo(photo), uploaded_by=acting_user, uploaded_at=now
        )
        record.full_clean()
        record.save()
    for kept in kept_photos:
        with kept.image.open("rb") as stored:
            image = ContentFile(stored.read(), name="photo.jpg")
        record = VisitPhoto(visit=visit, image=image, uploaded_by=acting_user, uploaded_at=now)
        record.full_clean()
        record.save()
    discard_pending_photos(kept_photos)


def _save_once(visit: Visit) -> None:
    """Insert ``visit``; raise ``VisitAlreadyRecorded`` when its author's key was used meanwhile."""
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # Another request with the same key committed first (the unique constraint waited for it).
        recorded = find_recorded_visit(
            acting_user=visit.created_by, idempotency_key=visit.idempotency_key
        )
        if recorded is None:
            raise
        raise VisitAlreadyRecorded(recorded) from None


@transaction.atomic
def record_visit(
    *,
    enterprise: Enterprise,
    visited_on: datetime.date,
    participants: list[Official],
    kind: str = VisitKind.ROUTINE,
    notes: str = "",
    problems: list[RaisedProblem] = (),
    photos=(),
    kept_photos: list[PendingVisitPhoto] = (),
    acting_user,
    today: datetime.date,
    now: datetime.datetime,
    idempotency_key: str | None = None,
) -> Visit:
    """Record a visit that counts for every participant, with its problems and photos.

    With an ``idempotency_key`` (the draft's, docs/api.md), recording is done once: when the
    acting user already recorded a visit with that key (a replay, or two requests racing), nothing
    is written and ``VisitAlreadyRecorded`` carries the visit recorded first.

    ``kept_photos`` are photos kept from the acting user's earlier try of the same form: the visit
    takes them over. Refused (nothing written) when dated in the future, without participants,
    when the acting official has no assignment on the enterprise that year (administrators
    excepted), when a kept photo is not the acting user's, or with more photos than a visit
    holds (``HENGKOU_PHOTOS_PER_RECORD``).
    """
    idempotency_key = idempotency_key or None
    _refuse_replay(acting_user=acting_user, idempotency_key=idempotency_key)
    _check_visit(
        enterprise=enterprise,
        visited_on=visited_on,
        participants=participants,
        kept_photos=kept_photos,
        acting_user=acting_user,
        today=today,
        photos=photos,
    )
    visit = Visit(
        enterprise=enterprise,
        visited_on=visited_on,
        kind=kind,
        notes=notes,
        created_by=acting_user,
        idempotency_key=idempotency_key,
    )
    # The key's uniqueness is the database's to decide (below), race included.
    visit.full_clean(exclude=["idempotency_key"])
    _save_once(visit)
    visit.participants.set(participants)
    _attach_photos(visit, photos=photos, kept_photos=kept_photos, acting_user=acting_user, now=now)
    _raise_problems(visit, problems=problems, acting_user=acting_user, now=now)
    return visit


def _raise_problems(visit: Visit, *, problems, acting_user, now: datetime.datetime) -> None:
    """Raise the problems of ``visit``, on its day, by the acting official."""
    raised_by = official_of(acting_user)
    for problem in problems:
        raise_problem(
            enterprise=visit.enterprise,
            category=problem.category,
            description=problem.description,
            severity=problem.severity,
            department=problem.department,
            visit=visit,
            raised_by=raised_by,
            raised_on=visit.visited_on,
            acting_user=acting_user,
            now=now,
        )


def pending_photo_token(photo: PendingVisitPhoto) -> str:
    """Return the signed token a visit form carries for one of its user's kept photos."""
    return signing.dumps([photo.pk, photo.user_id], salt=PENDING_PHOTO_SALT)


@transaction.atomic
def keep_pending_photos(*, user, photos, now: datetime.datetime) -> list[PendingVisitPhoto]:
    """Keep, for a day, the photos of ``user``'s visit form that came back with an error.

    Each is checked and re-encoded as a visit photo is; kept photos older than a day (anyone's)
    are removed on the way.
    """
    purge_pending_photos(before=now - PENDING_PHOTO_MAX_AGE)
    kept = []
    for photo in photos:
        record = PendingVisitPhoto(user=user, image=reencode_photo(photo), uploaded_at=now)
        record.full_clean()
        record.save()
        kept.append(record)
    return kept


def get_pending_photos(*, user, tokens: list[str], now: datetime.datetime):
    """Return ``user``'s kept photos named by ``tokens``, in their order, without repeats.

    Refused: a token that is forged, of another user, or of a photo gone (used, removed, or
    older than a day), and more than ``MAX_KEPT_PHOTOS`` tokens.
    """
    gone = ValidationError(
        _(
            "A photo kept from the previous try is no longer available (a photo is kept a day, "
            "for the person who chose it): choose it again."
        ),
        code="pending_photo",
    )
    if len(tokens) > MAX_KEPT_PHOTOS:
        raise ValidationError(
            _("At most %(count)s kept photos.") % {"count": MAX_KEPT_PHOTOS}, code="pending_photo"
        )
    ids = []
    for token in tokens:
        try:
            pk, owner = signing.loads(token, salt=PENDING_PHOTO_SALT)
        except (signing.BadSignature, TypeError, ValueError) as error:
            raise gone from error
        if owner != user.pk or not isinstance(pk, int):
            raise gone
        ids.append(pk)
    ids = list(dict.fromkeys(ids))
    found = PendingVisitPhoto.objects.filter(
        user=user, pk__in=ids, uploaded_at__gte=now - PENDING_PHOTO_MAX_AGE
    ).in_bulk()
    if len(found) != len(ids):
        raise gone
    return [found[pk] for pk in ids]


def discard_pending_photos(photos) -> None:
    """Delete kept photos, their files once the transaction commits."""
    names = [photo.image.name for photo in photos]
    PendingVisitPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    storage = PendingVisitPhoto._meta.get_field("image").storage

    def delete_files():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


def purge_pending_photos(*, before: datetime.datetime) -> int:
    """Delete the kept photos uploaded before ``before``; return how many."""
    stale = list(PendingVisitPhoto.objects.filter(uploaded_at__lt=before))
    discard_pending_photos(stale)
    return len(stale)


# --- photos added later, corrections and deletions (API v1) ---------------------------------------


def correction_days() -> int:
    """Return the days after recording during which a visit's author corrects or deletes it."""
    return int(getattr(settings, "HENGKOU_VISIT_CORRECTION_DAYS", DEFAULT_CORRECTION_DAYS))


def refuse_closed_visit_month(day: datetime.date) -> None:
    """Refuse a write of a visit in (or into) a closed month, with the code ``month_closed``."""
    if Period.is_closed(day):
        raise ValidationError(
            {
                "visited_on": ValidationError(
                    _(
                        "The month %(period)s is closed: its visits are locked. An administrator "
                        "must reopen it before they can change."
                    ),
                    code="month_closed",
                    params={"period": f"{day:%Y-%m}"},
                )
            }
        )


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("enterprise").get(pk=visit.pk)


def refuse_photo_adder(visit: Visit, acting_user) -> None:
    """Raise ``PermissionDenied`` unless ``acting_user`` may add photos to ``visit``.

    Who may record visits to the enterprise in the visit's year adds them (``may_log_visits``);
    the API asks before it reads an upload.
    """
    if not may_log_visits(acting_user, enterprise=visit.enterprise, year=visit.visited_on.year):
        raise PermissionDenied(
            _(
                "Only the officials of %(enterprise)s's assignment in %(year)s (its sponsoring "
                "leader, department head, responsible person and team) add photos to its visits."
            )
            % {"enterprise": visit.enterprise.name, "year": visit.visited_on.year}
        )


@transaction.atomic
def add_visit_photos(
    *, visit: Visit, photos, acting_user, now: datetime.datetime
) -> list[VisitPhoto]:
    """Add photos to a recorded visit, re-encoded as on the visit form; all of them or none.

    Who may record visits to the enterprise in the visit's year adds them (``may_log_visits``,
    else ``PermissionDenied``). Refused with nothing written: a closed month (code
    ``month_closed``), no photo, more photos than a visit holds, a file that is not a photo
    within the limits (core/images.py).
    """
    visit = _locked(visit)
    refuse_photo_adder(visit, acting_user)
    refuse_closed_visit_month(visit.visited_on)
    if not photos:
        raise ValidationError({"image": _("Choose at least one photo.")})
    try:
        check_photo_count(existing=visit.photos.count(), adding=len(photos))
    except ValidationError as error:
        raise ValidationError({"image": error}) from error
    images, errors = [], []
    for photo in photos:
        try:
            images.append(reencode_photo(photo))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError({"image": errors})
    records = []
    for image in images:
        record = VisitPhoto(visit=visit, image=image, uploaded_by=acting_user, uploaded_at=now)
        record.full_clean()
        record.save()
        records.append(record)
    return records


def photo_author_id(photo: VisitPhoto) -> int | None:
    """Return the id of who added a photo: its uploader, else (older photos) the visit's author."""
    return photo.uploaded_by_id or photo.visit.created_by_id


@transaction.atomic
def remove_visit_photo(*, photo: VisitPhoto, acting_user) -> None:
    """Remove a visit's photo, its file once the transaction commits.

    Only its author (``photo_author_id``) removes it (else ``PermissionDenied``), and only while
    the visit's month is open (code ``month_closed``).
    """
    if acting_user is None or photo_author_id(photo) != acting_user.pk:
        raise PermissionDenied(_("Only who added a photo removes it."))
    refuse_closed_visit_month(photo.visit.visited_on)
    delete_files_on_commit([photo.image])
    photo.delete()


def _check_correction(visit: Visit, *, acting_user, now: datetime.datetime) -> None:
    """Refuse a correction or deletion by anyone but the author, late, or in a closed month."""
    if acting_user is None or visit.created_by_id != acting_user.pk:
        raise PermissionDenied(_("Only who recorded a visit corrects or deletes it."))
    days = correction_days()
    if now > visit.created_at + datetime.timedelta(days=days):
        raise PermissionDenied(
            _(
                "A visit is corrected or deleted within %(days)s days of being recorded; this "
                "one was recorded on %(date)s."
            )
            % {"days": days, "date": visit.created_at.date().isoformat()}
        )
    refuse_closed_visit_month(visit.visited_on)


@transaction.atomic
def correct_visit(
    *, visit: Visit, changes: dict, acting_user, today: datetime.date, now: datetime.datetime
) -> Visit:
    """Correct a recorded visit: its author, within the correction window, in an open month.

    ``changes`` holds any of ``CORRECTABLE``. Refused with nothing written: not the author or
    past ``HENGKOU_VISIT_CORRECTION_DAYS`` days after it was recorded (``PermissionDenied``),
    the visit's month or the month it would move to closed (code ``month_closed``), and every
    reason ``record_visit`` refuses a visit for. The history row names ``acting_user``.
    """
    visit = _locked(visit)
    _check_correction(visit, acting_user=acting_user, now=now)
    values = {name: changes.get(name, getattr(visit, name)) for name in CORRECTABLE}
    values["participants"] = list(changes.get("participants", visit.participants.all()))
    refuse_closed_visit_month(values["visited_on"])
    _check_visit(
        enterprise=values["enterprise"],
        visited_on=values["visited_on"],
        participants=values["participants"],
        kept_photos=[],
        acting_user=acting_user,
        today=today,
    )
    for name in ("enterprise", "visited_on", "kind", "notes"):
        setattr(visit, name, values[name])
    visit._history_user = acting_user
    visit.full_clean()
    visit.save()
    if "participants" in changes:
        visit.participants.set(values["participants"])
    return visit


@transaction.atomic
def delete_visit(*, visit: Visit, acting_user, now: datetime.datetime) -> None:
    """Delete a visit and its photos (their files once committed), on the terms of a correction.

    Problems raised during it stay, without the visit.
    """
    visit = _locked(visit)
    _check_correction(visit, acting_user=acting_user, now=now)
    delete_files_on_commit([photo.image for photo in visit.photos.all()])
    visit._history_user = acting_user
    visit.delete()
