"""The audit trail (django-simple-history): writes that bypass ``save()`` and reading history.

Every domain model carries ``history = HistoricalRecords()``; a ``save()`` or ``delete()`` from a
page, the admin, the API or a service writes its historical row by itself (the request's user is
taken by ``HistoryRequestMiddleware``). ``bulk_create``, ``bulk_update`` and ``QuerySet.update()``
write none: the demo seed uses ``bulk_create_with_history`` / ``bulk_update_with_history``, and
the status writes of the monthly close go through :func:`update_with_history`.
"""

from __future__ import annotations

from enterprises.audit import has_history, stamp_times, update_with_history

__all__ = ["diff_fields", "has_history", "stamp_times", "update_with_history"]


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
