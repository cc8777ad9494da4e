"""The quarterly inspections (一季一督查)."""

from __future__ import annotations

from django.db import transaction

from ..models import (
    Inspection,
)


@transaction.atomic
def record_inspection(*, form, acting_user) -> Inspection:
    """Save a quarterly inspection from a validated form, with who recorded it."""
    inspection = form.save(commit=False)
    inspection.inspector = acting_user
    inspection.full_clean()
    inspection.save()
    return inspection
