"""Writes of the zone's records: recording the detected cultivation candidates."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet
from simple_history.utils import bulk_create_with_history

from ..choices import CultivationStatus, TitleKind
from ..models import Cultivation, Enterprise
from ..selectors.zone import list_cultivation_candidates


@transaction.atomic
def record_cultivation_candidates(
    *,
    year: int,
    through: datetime.date,
    identified_on: datetime.date,
    enterprises: QuerySet[Enterprise] | None = None,
) -> list[Cultivation]:
    """Record the year's detected above-scale candidates as ``candidate`` paths; return the new.

    Idempotent: an enterprise that already has an above-scale path in ``year`` (at any status)
    gets no second one, so repeating the detection writes nothing. The candidates are those of
    ``list_cultivation_candidates`` for the 12 months ending with ``through``; each new path is
    identified on ``identified_on`` and written with its history row.
    """
    candidates = list_cultivation_candidates(year=year, through=through, enterprises=enterprises)
    wanted = [candidate.enterprise_id for candidate in candidates if not candidate.on_ladder]
    if not wanted:
        return []
    # Re-read inside the transaction: a path recorded since the selector ran is not repeated; a
    # concurrent run's duplicate is refused by the unique constraint, which rolls this one back.
    already = set(
        Cultivation.objects.filter(
            enterprise_id__in=wanted, title=TitleKind.ABOVE_SCALE, year=year
        ).values_list("enterprise_id", flat=True)
    )
    rows = [
        Cultivation(
            enterprise_id=enterprise_id,
            title=TitleKind.ABOVE_SCALE,
            year=year,
            status=CultivationStatus.CANDIDATE,
            identified_on=identified_on,
        )
        for enterprise_id in wanted
        if enterprise_id not in already
    ]
    for row in rows:
        # Uniqueness was settled above and is enforced by the database; checked per row it would
        # cost a query per candidate.
        row.full_clean(validate_unique=False, validate_constraints=False)
    return bulk_create_with_history(rows, Cultivation, batch_size=500)
