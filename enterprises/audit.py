"""Writes that bypass ``save()`` and still keep the audit trail (django-simple-history).

``bulk_create``, ``bulk_update`` and ``QuerySet.update()`` write no historical rows; the writes
of the services that need them go through these helpers (hengkou.audit re-exports them with the
reading side of the trail).
"""

from __future__ import annotations

from django.db import models


def has_history(model) -> bool:
    """Whether ``model`` keeps an audit trail."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def update_with_history(queryset: models.QuerySet, *, user=None, reason: str = "", **values) -> int:
    """``queryset.update(**values)`` that also writes one "~" historical row per changed row.

    Rows that already hold ``values`` are neither updated nor recorded. Returns the rows changed.
    """
    model = queryset.model
    changed = list(queryset.exclude(**values))
    if not changed:
        return 0
    count = model._default_manager.filter(pk__in=[obj.pk for obj in changed]).update(**values)
    if has_history(model):
        for obj in changed:
            for name, value in values.items():
                setattr(obj, name, value)
        model.history.bulk_history_create(
            changed, update=True, default_user=user, default_change_reason=reason
        )
    return count


def stamp_times(obj: models.Model, **stamps) -> None:
    """Set auto timestamps (``created_at``, ``updated_at``) to the caller's clock.

    ``save()`` fills them from the system clock; services take ``now`` from their caller. The
    row and the historical row its save just wrote get the same values, so the trail shows
    what the row holds and no extra "changed" row appears for a timestamp.
    """
    model = type(obj)
    model._default_manager.filter(pk=obj.pk).update(**stamps)
    for name, value in stamps.items():
        setattr(obj, name, value)
    if has_history(model):
        latest = model.history.filter(id=obj.pk).order_by("-history_id").values("pk")[:1]
        model.history.filter(pk__in=latest).update(**stamps)
