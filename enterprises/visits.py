"""Recording on-site visits (到企帮扶), with the problems raised and the photos taken."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.images import reencode_photo

from .choices import ProblemSeverity, VisitKind
from .models import Department, Enterprise, Official, Visit, VisitPhoto
from .problems import raise_problem
from .selectors import is_involved


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
    acting_user,
    today: datetime.date,
    now: datetime.datetime,
) -> Visit:
    """Record a visit that counts for every participant, with its problems and photos.

    Refused (nothing written) when dated in the future, without participants, or when the
    acting official has no assignment on the enterprise that year (administrators excepted).
    """
    errors = {}
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
    for photo in photos:
        record = VisitPhoto(visit=visit, image=reencode_photo(photo), uploaded_at=now)
        record.full_clean()
        record.save()
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
