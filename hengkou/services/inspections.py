"""The quarterly inspections (一季一督查)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from enterprises.models import Assignment, Department

from ..models import (
    Inspection,
)


@transaction.atomic
def record_inspection(
    *,
    year: int,
    quarter: int,
    department: Department,
    inspected_on: datetime.date,
    findings: str,
    score: Decimal,
    assignment: Assignment | None = None,
    acting_user,
    inspection: Inspection | None = None,
) -> Inspection:
    """Record a quarterly inspection (or amend ``inspection``), with who recorded it.

    The inspection's own rules (the assignment of that department and year, the date inside the
    year, quarter 1–4, score 0–100) are checked by ``full_clean`` before anything is written.
    """
    inspection = inspection or Inspection()
    inspection.year = year
    inspection.quarter = quarter
    inspection.department = department
    inspection.assignment = assignment
    inspection.inspected_on = inspected_on
    inspection.findings = findings
    inspection.score = score
    inspection.inspector = acting_user
    inspection.full_clean()
    # The trail names the acting user also when no request is in flight (commands, tests).
    inspection._history_user = acting_user
    inspection.save()
    return inspection
