"""Writes that bypass ``save()`` and still keep the audit trail (django-simple-history).

``bulk_create``, ``bulk_update`` and ``QuerySet.update()`` write no historical rows; the writes
of the services that need them go through these helpers (core.audit re-exports them with the
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


def diff_fields(record, previous) -> list[dict]:
    """The fields a historical row changed against ``previous`` (the row before it, or None).

    A creation lists every field with ``before`` None; a deletion every field with ``after``
    None; a change only the fields whose values differ.
    """
    fields = [
        field.name
        for field in record.instance_type._meta.concrete_fields
        if hasattr(record, field.attname)
    ]
    if record.history_type == "-":
        return [{"field": name, "before": _value(record, name), "after": None} for name in fields]
    if previous is None:
        return [{"field": name, "before": None, "after": _value(record, name)} for name in fields]
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    return [
        {"field": change.field, "before": _plain(change.old), "after": _plain(change.new)}
        for change in delta.changes
    ]


def _value(record, name):
    field = record.instance_type._meta.get_field(name)
    return _plain(getattr(record, field.attname))


def _plain(value):
    """A JSON-friendly value: numbers, text and None stay; dates, decimals and files as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):  # m2m: a list of through-row dicts
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return str(value)
