"""Monthly figures: saving reports, and the one year-to-date rollup (``MonthlyYtd``).

The rollup's rule (domain.md, Monthly figures): per enterprise and month, each flow metric summed
from January to that month, ``employees`` the month's own value (a stock), a month without a
report counting 0. ``refresh_monthly_ytd`` applies it through the ORM; ``refresh_ytd_pairs``
is the same rule set-based on PostgreSQL for the bulk import.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from itertools import islice

from django.db import connection, transaction

from core.figures_cache import figures_changed

from ..choices import Metric
from ..models import Enterprise, MonthlyReport, MonthlyYtd, refuse_closed_month
from . import aggregates
from .quality import refresh_figure_flags

FLOW_METRICS = [metric for metric in Metric.values if metric != Metric.EMPLOYEES]
CHUNK = 500


def _chunks(values: Iterable[int], size: int = CHUNK):
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


ROLLUP_FIELDS = ["has_report", "employees", *FLOW_METRICS]


def _rollup_rows(reports) -> dict[tuple[int, datetime.date], dict]:
    """Return the wanted rollup values keyed by (enterprise, month), from report values."""
    by_year: dict[tuple[int, int], dict[int, dict]] = defaultdict(dict)
    for report in reports:
        by_year[(report["enterprise_id"], report["period"].year)][report["period"].month] = report
    wanted = {}
    for (enterprise_id, year), months in by_year.items():
        running = dict.fromkeys(FLOW_METRICS, Decimal(0))
        for month in range(1, 13):
            report = months.get(month)
            if report:
                for metric in FLOW_METRICS:
                    running[metric] += report[metric]
            wanted[(enterprise_id, datetime.date(year, month, 1))] = {
                "has_report": report is not None,
                "employees": report["employees"] if report else 0,
                **running,
            }
    return wanted


@transaction.atomic
def refresh_monthly_ytd(
    *,
    enterprise_ids: Iterable[int],
    years: Iterable[int],
    departments: bool = True,
    flags: bool = True,
) -> int:
    """Bring the year-to-date rollup of these enterprises in these years up to date.

    Call it after any write of MonthlyReport rows (form, admin, API, import) with the
    enterprises and years touched, including the old ones of a report that moved. Only rows
    whose values differ are written; returns how many rows were inserted, updated or deleted.
    The department totals that read these rows follow (``aggregates.refresh_for_enterprises``)
    unless ``departments`` is False (a caller that refreshes them once for many calls), and so
    do the reports' data-quality flags (``quality.refresh_figure_flags``) unless ``flags`` is
    False (the bulk import, which recomputes them once at its end).
    """
    years = sorted(set(years))
    enterprise_ids = sorted(set(enterprise_ids))
    changed = 0
    if not years:
        return changed
    aggregates.lock_enterprises(enterprise_ids)
    # Rankings and statistics read the rollup: cached figures are stale from here on.
    figures_changed()
    for ids in _chunks(sorted(set(enterprise_ids))):
        wanted = _rollup_rows(
            MonthlyReport.objects.filter(enterprise_id__in=ids, period__year__in=years).values(
                "enterprise_id", "period", "employees", *FLOW_METRICS
            )
        )
        existing = {
            (row.enterprise_id, row.period): row
            for row in MonthlyYtd.objects.filter(enterprise_id__in=ids, period__year__in=years)
        }
        stale = [row.pk for key, row in existing.items() if key not in wanted]
        new, updated = [], []
        for (enterprise_id, period), values in wanted.items():
            row = existing.get((enterprise_id, period))
            if row is None:
                new.append(MonthlyYtd(enterprise_id=enterprise_id, period=period, **values))
            elif any(getattr(row, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(row, field, value)
                updated.append(row)
        MonthlyYtd.objects.filter(pk__in=stale).delete()
        MonthlyYtd.objects.bulk_create(new, batch_size=2000)
        MonthlyYtd.objects.bulk_update(updated, ROLLUP_FIELDS, batch_size=1000)
        changed += len(stale) + len(new) + len(updated)
    if departments:
        aggregates.refresh_for_enterprises(pairs={(e, y) for e in enterprise_ids for y in years})
    if flags:
        refresh_figure_flags(pairs={(e, y) for e in enterprise_ids for y in years})
    return changed


@transaction.atomic
def refresh_monthly_ytd_pairs(
    *, pairs: Iterable[tuple[int, int]], departments: bool = True, flags: bool = True
) -> int:
    """Bring the rollup of these (enterprise id, year) pairs up to date; return the rows changed.

    The pairs are grouped by year, so each enterprise is refreshed only in the years it was
    touched (not in every year touched by any of them). The department totals follow once,
    unless ``departments`` is False.
    """
    pairs = set(pairs)
    by_year: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, year in pairs:
        by_year[year].add(enterprise_id)
    changed = sum(
        refresh_monthly_ytd(enterprise_ids=ids, years=[year], departments=False, flags=False)
        for year, ids in by_year.items()
    )
    if departments:
        aggregates.refresh_for_enterprises(pairs=pairs)
    if flags:
        refresh_figure_flags(pairs=pairs)
    return changed


def rebuild_monthly_ytd() -> int:
    """Bring the whole rollup, then every department total, up to date; return the rollup rows
    changed."""
    pairs = set(MonthlyReport.objects.values_list("enterprise_id", "period__year").distinct())
    pairs |= set(MonthlyYtd.objects.values_list("enterprise_id", "period__year").distinct())
    with transaction.atomic():
        changed = refresh_monthly_ytd_pairs(pairs=pairs, departments=False)
        aggregates.rebuild_department_ytd()
        return changed


@transaction.atomic
def save_monthly_report(*, report: MonthlyReport) -> MonthlyReport:
    """Validate and save one enterprise's figures of a month, and refresh the rollup.

    Refused with a ValidationError (nothing written) for bad values, a duplicate month or a
    closed month. A report moved to another enterprise or year refreshes both.
    """
    touched = {(report.enterprise_id, report.period.year)} if report.period else set()
    if report.pk:
        old = MonthlyReport.objects.filter(pk=report.pk).values_list("enterprise_id", "period")
        for enterprise_id, period in old:
            refuse_closed_month(period)
            touched.add((enterprise_id, period.year))
    report.full_clean()
    report.save()
    refresh_monthly_ytd_pairs(pairs=touched)
    return report


@transaction.atomic
def delete_monthly_reports(*, reports) -> int:
    """Delete monthly reports of open months and refresh the rollup; return how many."""
    rows = list(reports.values_list("pk", "enterprise_id", "period"))
    for _pk, _enterprise_id, period in rows:
        refuse_closed_month(period)
    MonthlyReport.objects.filter(pk__in=[pk for pk, _e, _p in rows]).delete()
    refresh_monthly_ytd_pairs(
        pairs={(enterprise_id, period.year) for _pk, enterprise_id, period in rows}
    )
    return len(rows)


# The enterprises' rows, locked as ``aggregates.lock_enterprises`` does through the ORM.
_LOCK_SQL = """
SELECT id FROM {enterprise} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE
"""

_YTD_DELETE_SQL = """
DELETE FROM {ytd} y USING unnest(%s::bigint[], %s::int[]) AS p(enterprise_id, year)
WHERE y.enterprise_id = p.enterprise_id
  AND y.period >= make_date(p.year, 1, 1) AND y.period < make_date(p.year + 1, 1, 1)
"""


_YTD_SQL = """
WITH p AS (
    SELECT * FROM unnest(%s::bigint[], %s::int[]) AS p(enterprise_id, year)
), r AS (
    SELECT r.id, r.enterprise_id, r.period, r.employees, {report_metrics}, p.year AS pair_year
    FROM p JOIN {report} r ON r.enterprise_id = p.enterprise_id
      AND r.period >= make_date(p.year, 1, 1) AND r.period < make_date(p.year + 1, 1, 1)
)
INSERT INTO {ytd} (enterprise_id, period, has_report, employees, {metrics})
SELECT g.enterprise_id, make_date(g.pair_year, m.month, 1), r.id IS NOT NULL,
       COALESCE(r.employees, 0), {sums}
FROM (SELECT DISTINCT enterprise_id, pair_year FROM r) AS g
CROSS JOIN generate_series(1, 12) AS m(month)
LEFT JOIN r ON r.enterprise_id = g.enterprise_id
  AND r.period = make_date(g.pair_year, m.month, 1)
WINDOW w AS (PARTITION BY g.enterprise_id, g.pair_year ORDER BY m.month)
"""


def refresh_ytd_pairs(pairs: set[tuple[int, int]], *, db=None) -> None:
    """Bring the year-to-date rollup of these (enterprise, year) pairs up to date, set-based.

    The rule is the rollup's (``refresh_monthly_ytd``, above): per enterprise and
    month of the year, the sum of each flow metric from January to that month and the month's
    own employees, a month without a report counting 0. Other databases use that service
    itself, ``refresh_monthly_ytd_pairs`` (one year at a time, a few queries per 500
    enterprises). PostgreSQL rebuilds the pairs' rows in one statement through ``db``: the
    import's connection, which the writer thread shares (by default this thread's). The ORM
    there would take the writer thread's own connection, outside the import's transaction;
    one statement per chunk also keeps pace with the writes (docs/performance.md).
    """
    if not pairs:
        return
    db = db or connection
    if db.vendor != "postgresql":
        # The import recomputes the flags once, at its end (MonthlyReportKind.after_all).
        refresh_monthly_ytd_pairs(pairs=pairs, departments=False, flags=False)
        return
    qn = db.ops.quote_name
    sql = _YTD_SQL.format(
        ytd=qn(MonthlyYtd._meta.db_table),
        report=qn(MonthlyReport._meta.db_table),
        metrics=", ".join(qn(m) for m in FLOW_METRICS),
        report_metrics=", ".join(f"r.{qn(m)}" for m in FLOW_METRICS),
        sums=", ".join(f"SUM(COALESCE(r.{qn(m)}, 0)) OVER w" for m in FLOW_METRICS),
    )
    ordered = sorted(pairs)
    params = [[e for e, _y in ordered], [y for _e, y in ordered]]
    with db.cursor() as cursor:
        cursor.execute(_LOCK_SQL.format(enterprise=qn(Enterprise._meta.db_table)), params[:1])
        cursor.execute(_YTD_DELETE_SQL.format(ytd=qn(MonthlyYtd._meta.db_table)), params)
        cursor.execute(sql, params)
