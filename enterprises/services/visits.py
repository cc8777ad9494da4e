"""Recording on-site visits (到企帮扶), with the problems raised and the photos taken."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from core.images import reencode_photo

from ..choices import ProblemSeverity, VisitKind
from ..models import Department, Enterprise, Official, PendingVisitPhoto, Visit, VisitPhoto
from ..selectors.sponsorship import is_involved
from .problems import raise_problem

# A photo chosen on a visit form that came back with an error is kept this long for its user.
PENDING_PHOTO_MAX_AGE = datetime.timedelta(days=1)
# At most this many kept photos named by one form (a bound on the tokens a request may carry).
MAX_KEPT_PHOTOS = 20
PENDING_PHOTO_SALT = "enterprises.visits.pending-photo"


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


def _check_visit(
    *,
    enterprise: Enterprise,
    visited_on: datetime.date,
    participants: list[Official],
    kept_photos: list[PendingVisitPhoto],
    acting_user,
    today: datetime.date,
) -> None:
    """Raise the ValidationError of every reason ``record_visit`` refuses, if any."""
    errors = {}
    if any(photo.user_id != getattr(acting_user, "pk", None) for photo in kept_photos):
        errors["photos"] = _("A kept photo belongs to someone else.")
    if visited_on > today:
        errors["visited_on"] = _("A visit cannot be dated in the future.")
    if not participants:
        errors["participants"] = _("Choose at least one participant.")
    if not (acting_user and acting_user.is_superuser):
        official = official_of(acting_user)
        if not is_involved(official, enterprise_id=enterprise.pk, year=visited_on.year):
            errors["enterprise"] = _(
                "You have no assignment on %(enterprise)s in %(year)s: only its sponsoring "
                "leader, department head, responsible person and team log its visits."
            ) % {"enterprise": enterprise.name, "year": visited_on.year}
    if errors:
        raise ValidationError(errors)


def _attach_photos(visit: Visit, *, photos, kept_photos, now: datetime.datetime) -> None:
    """Save the new photos (re-encoded) and the kept ones on ``visit``; discard the kept ones."""
    for photo in photos:
        record = VisitPhoto(visit=visit, image=reencode_photo(photo), uploaded_at=now)
        record.full_clean()
        record.save()
    for kept in kept_photos:
        with kept.image.open("rb") as stored:
            image = ContentFile(stored.read(), name="photo.jpg")
        record = VisitPhoto(visit=visit, image=image, uploaded_at=now)
        record.full_clean()
        record.save()
    discard_pending_photos(kept_photos)


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
) -> Visit:
    """Record a visit that counts for every participant, with its problems and photos.

    ``kept_photos`` are photos kept from the acting user's earlier try of the same form: the visit
    takes them over. Refused (nothing written) when dated in the future, without participants,
    when the acting official has no assignment on the enterprise that year (administrators
    excepted), or when a kept photo is not the acting user's.
    """
    _check_visit(
        enterprise=enterprise,
        visited_on=visited_on,
        participants=participants,
        kept_photos=kept_photos,
        acting_user=acting_user,
        today=today,
    )
    visit = Visit(
        enterprise=enterprise,
        visited_on=visited_on,
        kind=kind,
        notes=notes,
        created_by=acting_user,
    )
    visit.full_clean()
    visit.save()
    visit.participants.set(participants)
    _attach_photos(visit, photos=photos, kept_photos=kept_photos, now=now)
    raised_by = official_of(acting_user)
    for problem in problems:
        raise_problem(
            enterprise=enterprise,
            category=problem.category,
            description=problem.description,
            severity=problem.severity,
            department=problem.department,
            visit=visit,
            raised_by=raised_by,
            raised_on=visited_on,
            acting_user=acting_user,
            now=now,
        )
    return visit


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
