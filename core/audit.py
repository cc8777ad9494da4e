"""Writes that bypass ``save()`` and still keep the audit trail (django-simple-history).

``bulk_create``, ``bulk_update`` and ``QuerySet.update()`` write no historical rows; the writes
of the services that need them go through these helpers (core.audit re-exports them with the
reading side of the trail).
"""

from __future__ import annotations

from django.db import connections, models, transaction
from django.db.models import F
from django.utils import timezone

from .sql import insert_select


def has_history(model) -> bool:
    """Whether ``model`` keeps an audit trail."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def update_with_history(queryset: models.QuerySet, *, user=None, reason: str = "", **values) -> int:
    """``queryset.update(**values)`` that also writes one "~" historical row per changed row.

    Rows that already hold ``values`` are neither updated nor recorded. Returns the rows changed.

    Set-based, in two statements whatever the number of rows (a close locks a city's 20,000
    reports): ``INSERT INTO <history> SELECT`` the rows to change with ``values`` in place, then
    ``UPDATE`` exactly the rows just recorded. On PostgreSQL the first statement locks the rows
    it copies (``FOR UPDATE``), so a concurrent writer waits and the trail holds what the table
    holds; on SQLite the first write takes the database's write lock. Must run in a transaction
    when the rows may change concurrently (the services' writes all do).
    """
    model = queryset.model
    pending = queryset.exclude(**values)
    if not has_history(model):
        return pending.update(**values)
    with transaction.atomic(using=pending.db, savepoint=False):
        stamp = timezone.now()
        user_id = getattr(user, "pk", user)
        recorded = _insert_history(
            pending, values=values, user_id=user_id, reason=reason, stamp=stamp
        )
        if not recorded:
            return 0
        written = model.history.filter(
            history_date=stamp,
            history_type="~",
            history_change_reason=reason,
            history_user_id=user_id,
        ).values("id")
        return model._default_manager.using(pending.db).filter(pk__in=written).update(**values)


def _insert_history(pending: models.QuerySet, *, values: dict, user_id, reason: str, stamp) -> int:
    """Copy the rows of ``pending`` into the model's history with ``values`` in place; return
    how many (one ``INSERT … SELECT``, locking the rows copied on PostgreSQL)."""
    model = pending.model
    history = model.history.model
    tracked = {field.attname for field in model._meta.concrete_fields}
    new_values = {model._meta.get_field(name).attname: value for name, value in values.items()}
    stamps = {
        "history_date": stamp,
        "history_change_reason": reason,
        "history_type": "~",
        "history_user_id": user_id,
    }
    columns: dict[str, object] = {}
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        if field.attname in new_values:
            columns[field.attname] = new_values[field.attname]
        elif field.attname in tracked:
            columns[field.attname] = F(field.attname)
        elif field.attname in stamps:
            columns[field.attname] = stamps[field.attname]
        else:
            raise ValueError(f"{history.__name__}.{field.name}: no value for a history row")
    if connections[pending.db].features.has_select_for_update:
        pending = pending.select_for_update(of=("self",))
    return insert_select(history, columns, pending)


def record_m2m_history(model, field: str, pks) -> int:
    """Snapshot a many-to-many field, as it is stored now, into the latest history row of each
    object of ``pks``.

    django-simple-history keeps an audited many-to-many (``m2m_fields``) on ``save()`` and on
    ``m2m_changed``; rows written in bulk (with their history rows) and their through rows
    written in bulk get no snapshot. Returns how many through-history rows were written.
    """
    pks = list(pks)
    if not pks:
        return 0
    historical = model.history.model
    relation = model._meta.get_field(field)
    source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    through_history = next(
        f.related_model
        for f in historical._meta.get_fields()
        if f.auto_created
        and f.related_model is not None
        and f.related_model.__name__ == f"{historical.__name__}_{field}"
    )
    latest: dict[int, int] = {}
    for pk, history_id in historical.objects.filter(id__in=pks).values_list("id", "history_id"):
        latest[pk] = max(history_id, latest.get(pk, history_id))
    stored = relation.remote_field.through.objects.filter(**{f"{source}_id__in": list(latest)})
    rows = [
        through_history(
            id=row["id"],
            history_id=latest[row[f"{source}_id"]],
            **{f"{source}_id": row[f"{source}_id"], f"{target}_id": row[f"{target}_id"]},
        )
        for row in stored.values("id", f"{source}_id", f"{target}_id")
    ]
    through_history.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


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
        created = [
            {"field": name, "before": None, "after": _value(record, name)} for name in fields
        ]
        return created + _m2m_snapshots(record)
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    return [
        {"field": change.field, "before": _plain(change.old), "after": _plain(change.new)}
        for change in delta.changes
    ]


def _m2m_snapshots(record) -> list[dict]:
    """The audited many-to-many fields of a creation, in the shape of a change's: through rows."""
    snapshots = []
    for field in getattr(type(record), "_history_m2m_fields", ()):
        relation = record.instance_type._meta.get_field(field.name)
        keys = [relation.m2m_field_name(), relation.m2m_reverse_field_name()]
        rows = (
            getattr(record, field.name).order_by(f"{keys[1]}_id").values(*[f"{k}_id" for k in keys])
        )
        after = [{key: row[f"{key}_id"] for key in keys} for row in rows]
        snapshots.append({"field": field.name, "before": None, "after": after})
    return snapshots


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
