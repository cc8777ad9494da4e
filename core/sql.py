"""Set-based writes the ORM has no verb for: ``INSERT INTO … SELECT``, portable to SQLite and
PostgreSQL, with the SELECT compiled by the ORM from a queryset."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Value


def insert_select(model, columns: dict[str, object], rows: models.QuerySet) -> int:
    """Insert one row into ``model``'s table per row of ``rows``; return how many.

    ``columns`` maps each written field of ``model`` (name or attname) to an expression over
    ``rows`` (``F``, ``Case`` …) or a plain value (the same on every row, typed as the field).
    Fields not named take their database default, so name every column without one. A
    ``select_for_update()`` on ``rows`` locks the rows read where the database can.
    """
    meta = model._meta
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    targets, select = [], {}
    for name, value in columns.items():
        field = meta.get_field(name)
        if not hasattr(value, "resolve_expression"):
            plain = value.pk if isinstance(value, models.Model) else value
            value = Value(plain, output_field=field)
        targets.append(quote(field.column))
        select[f"_insert_{len(select)}"] = value
    try:
        sql, params = (
            rows.order_by().annotate(**select).values_list(*select).query.sql_with_params()
        )
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to insert
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({', '.join(targets)}) {sql}", params)
        return cursor.rowcount
