"""The drill-down's snapshot: every department's members of every metric, frozen at the close."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import connection

from enterprises.models import Period

from ..models import RankingMemberSnapshot
from ..ranking import METRICS
from ..selectors.members import member_figures

# Rows written per INSERT at the close (a city's 20,000 enterprises make 160,000 rows).
SNAPSHOT_BATCH = 2000

SNAPSHOT_FIELDS = (
    "period",
    "metric",
    "department",
    "member_kind",
    "member_id",
    "name",
    "target",
    "ytd",
    "ytd_previous",
    "report_status",
)


def snapshot_members(period_row: Period) -> int:
    """Freeze every department's members of every metric for a month being closed.

    Called by ``close_month`` right after the ranking's snapshot, in its transaction; a month
    closed again replaces its rows. All the metrics of a kind of member are computed in one
    pass (four queries in all) and written one row per (metric, department, member), typed like
    the ranking's snapshot so that each department's sums can be checked against it in SQL.
    A city (20,000 enterprises, 160,000 rows) is written with one COPY on PostgreSQL, which
    takes a fraction of the time model instances would; other databases get ``bulk_create``
    in batches. Returns the number of rows written.
    """
    RankingMemberSnapshot.objects.filter(period=period_row).delete()
    # Read everything first: no query may run on the connection while its COPY is open.
    groups = list(member_figures(period=period_row.period, metrics=list(METRICS)))
    rows = (
        (
            period_row.pk,
            metric,
            department_id,
            item.kind,
            item.member_id,
            item.name,
            item.target,
            item.ytd,
            item.ytd_previous,
            item.report_status,
        )
        for (department_id, metric), items in groups
        for item in items
    )
    if connection.vendor == "postgresql":
        return _copy_rows(rows)
    written = 0
    while batch := list(islice(rows, SNAPSHOT_BATCH)):
        RankingMemberSnapshot.objects.bulk_create(
            RankingMemberSnapshot(
                **{
                    ("department_id" if name == "department" else name): value
                    for name, value in zip(SNAPSHOT_FIELDS, row, strict=True)
                    if name != "period"
                },
                period=period_row,
            )
            for row in batch
        )
        written += len(batch)
    return written


def _copy_rows(rows: Iterable[tuple]) -> int:
    """Write snapshot rows with PostgreSQL's COPY (psycopg escapes and adapts each value)."""
    meta = RankingMemberSnapshot._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in SNAPSHOT_FIELDS)
    written = 0
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
