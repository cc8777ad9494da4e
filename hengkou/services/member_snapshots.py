"""The drill-down's snapshot: every department's members of every metric, frozen at the close."""

from __future__ import annotations

from itertools import islice

from core.sql import insert_select
from enterprises.models import Period

from ..models import RankingMemberSnapshot
from ..ranking import ENTERPRISE_METRICS, INVESTMENT_METRICS
from ..selectors.members import enterprise_member_rows, member_figures

# Project members written per INSERT at the close.
SNAPSHOT_BATCH = 2000


def snapshot_members(period_row: Period) -> int:
    """Freeze every department's members of every metric for a month being closed.

    Called by ``close_month`` right after the ranking's snapshot, in its transaction; a month
    closed again replaces its rows. Written one row per (metric, department, member), typed like
    the ranking's snapshot so that each department's sums can be checked against it in SQL.
    The enterprise metrics are copied by the database, one ``INSERT … SELECT`` per metric
    (``enterprise_member_rows``: the same figures as ``member_figures``, which the tests
    check), so a city's 160,000 rows never pass through Python; the few project members are
    computed by ``member_figures`` and written in batches. Returns the number of rows written.
    """
    RankingMemberSnapshot.objects.filter(period=period_row).delete()
    period = period_row.period
    written = 0
    for metric in ENTERPRISE_METRICS:
        rows, columns = enterprise_member_rows(period=period, metric=metric)
        written += insert_select(
            RankingMemberSnapshot, {"period": period_row, "metric": metric, **columns}, rows
        )
    groups = member_figures(period=period, metrics=list(INVESTMENT_METRICS))
    rows = (
        RankingMemberSnapshot(
            period=period_row,
            metric=metric,
            department_id=department_id,
            member_kind=item.kind,
            member_id=item.member_id,
            name=item.name,
            target=item.target,
            ytd=item.ytd,
            ytd_previous=item.ytd_previous,
            report_status=item.report_status,
        )
        for (department_id, metric), items in groups
        for item in items
    )
    while batch := list(islice(rows, SNAPSHOT_BATCH)):
        RankingMemberSnapshot.objects.bulk_create(batch)
        written += len(batch)
    return written
