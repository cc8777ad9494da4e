"""The peer: DuckDB re-sums the whole ranking from the raw rows, copied into memory.

What an analyst would reach for: the monthly reports, assignments, targets and departments are
copied out of the app's database (PostgreSQL's COPY, elsewhere a plain SELECT, into CSV files)
and loaded into an in-memory DuckDB, the copy timed on its own; then one SQL statement sums,
per department and for the year's members, the targets, how many members have one, the year to
date, the year to date of the targeted members, last year's year to date at the same month of
the same members and how many reported this month. The same statement is timed on the app's
database, and DuckDB's result is checked against the app's own totals
(``list_department_totals``). Bench only: duckdb is a development dependency.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from core.numbers import cents
from enterprises.models import Assignment, Department, MonthlyReport, Target

from ...ranking import ENTERPRISE_METRICS, STOCK_METRICS
from ...selectors import list_department_totals
from .common import PeerResult, is_postgresql, measure_interleaved

# The raw rows copied, with their DuckDB types (money as the app stores it: cents).
MONEY = "DECIMAL(18,2)"
REPORT_COLUMNS = {"enterprise_id": "BIGINT", "period": "DATE"} | {
    metric: ("INTEGER" if metric in STOCK_METRICS else MONEY) for metric in ENTERPRISE_METRICS
}
TABLES = (
    (Department, {"id": "BIGINT", "code": "VARCHAR", "name": "VARCHAR"}),
    (
        Assignment,
        {"id": "BIGINT", "year": "INTEGER", "enterprise_id": "BIGINT", "department_id": "BIGINT"},
    ),
    (
        Target,
        {
            "id": "BIGINT",
            "enterprise_id": "BIGINT",
            "year": "INTEGER",
            "metric": "VARCHAR",
            "value": MONEY,
        },
    ),
    (MonthlyReport, REPORT_COLUMNS),
)

RESUM_SQL = """
WITH member AS (
    SELECT department_id, enterprise_id FROM {assignment} WHERE year = {year}
), goal AS (
    SELECT enterprise_id, value FROM {target} WHERE year = {year} AND metric = '{metric}'
), figures AS (
    SELECT enterprise_id,
           SUM({column}) FILTER (WHERE period >= '{start}' AND period <= '{end}') AS ytd,
           SUM({column}) FILTER (
               WHERE period >= '{previous_start}' AND period <= '{previous_end}'
           ) AS ytd_previous,
           COUNT(*) FILTER (WHERE period = '{month}') AS reported
    FROM {report}
    WHERE period >= '{previous_start}' AND period <= '{end}'
    GROUP BY enterprise_id
)
SELECT member.department_id, department.code, department.name,
       COUNT(*) AS members,
       SUM(goal.value) AS target,
       COUNT(goal.enterprise_id) AS targeted,
       SUM(figures.ytd) AS ytd,
       SUM(figures.ytd) FILTER (WHERE goal.enterprise_id IS NOT NULL) AS ytd_targeted,
       SUM(figures.ytd_previous) AS ytd_previous,
       COALESCE(SUM(figures.reported), 0) AS reported
FROM member
JOIN {department} AS department ON department.id = member.department_id
LEFT JOIN goal ON goal.enterprise_id = member.enterprise_id
LEFT JOIN figures ON figures.enterprise_id = member.enterprise_id
GROUP BY member.department_id, department.code, department.name
ORDER BY member.department_id
"""


def resum_sql(*, period: datetime.date, metric: str) -> str:
    """Return the brute-force ranking re-sum, the same text for DuckDB and the app's database.

    Flow metrics sum months 1..m of the year and of the year before; a stock metric
    (employees) takes month m itself, as ``list_department_totals`` does.
    """
    if metric not in ENTERPRISE_METRICS:
        raise ValueError(f"the re-sum covers the enterprise metrics, not {metric!r}")
    previous = period.replace(year=period.year - 1)
    stock = metric in STOCK_METRICS
    return RESUM_SQL.format(
        assignment=Assignment._meta.db_table,
        target=Target._meta.db_table,
        report=MonthlyReport._meta.db_table,
        department=Department._meta.db_table,
        column=MonthlyReport._meta.get_field(metric).column,
        metric=metric,
        year=period.year,
        month=period.isoformat(),
        start=(period if stock else period.replace(month=1)).isoformat(),
        end=period.isoformat(),
        previous_start=(previous if stock else previous.replace(month=1)).isoformat(),
        previous_end=previous.isoformat(),
    )


def _export(model, columns: list[str], path: Path) -> None:
    """Write the columns of the model's table to a CSV file (UTF-8, no header)."""
    names = ", ".join(model._meta.get_field(name).column for name in columns)
    select = f"SELECT {names} FROM {model._meta.db_table}"
    with connection.cursor() as cursor:
        if is_postgresql():
            with (
                path.open("wb") as out,
                cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy,
            ):
                for chunk in copy:
                    out.write(chunk)
        else:
            cursor.execute(select)
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                while rows := cursor.fetchmany(10_000):
                    writer.writerows(rows)


def copy_to_duckdb(folder: Path, log: Callable[[str], None] = print):
    """Copy the raw rows into a new in-memory DuckDB; return it, the seconds and the rows.

    The seconds are the export from the app's database to CSV and DuckDB's load of it.
    """
    import duckdb

    paths, rows = {}, {}
    started = time.perf_counter()
    for model, columns in TABLES:
        paths[model] = folder / f"{model._meta.db_table}.csv"
        _export(model, list(columns), paths[model])
    exported = time.perf_counter()
    duck = duckdb.connect(":memory:")
    for model, columns in TABLES:
        table = model._meta.db_table
        types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
        duck.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{paths[model]}', header = false, "
            f"columns = {{{types}}}, nullstr = '', quote = '\"', escape = '\"')"
        )
    loaded = time.perf_counter()
    for model, _columns in TABLES:
        table = model._meta.db_table
        rows[table] = duck.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    log(
        f"DuckDB copy: {sum(rows.values()):,} rows, export {exported - started:.1f} s, "
        f"load {loaded - exported:.1f} s"
    )
    return duck, exported - started, loaded - exported, rows


def _key(row) -> tuple:
    """Return a department's totals as comparable values (money in cents)."""
    department_id, code, name, members, target, targeted, ytd, ytd_targeted, previous, reported = (
        row
    )
    return (
        int(department_id),
        code,
        name,
        int(members),
        int(reported),
        cents(target),
        int(targeted),
        cents(ytd),
        cents(ytd_targeted),
        cents(previous),
    )


def app_totals(*, period: datetime.date, metric: str) -> list[tuple]:
    """Return the app's totals of the month (``list_department_totals``) in the same shape."""
    return sorted(
        _key(
            (
                totals.department_id,
                totals.department_code,
                totals.department_name,
                totals.members,
                totals.target,
                totals.targeted_members,
                totals.ytd,
                totals.ytd_targeted,
                totals.ytd_previous,
                totals.reported,
            )
        )
        for totals in list_department_totals(period=period, metric=metric)
    )


def compare(peer: list[tuple], app: list[tuple]) -> list[str]:
    """Return the differences between two sets of totals, one line per department (at most 5)."""
    fields = ("id", "code", "name", "members", "reported", "target", "targeted", "ytd",
              "ytd_targeted", "ytd_previous")  # fmt: skip
    by_id = {row[0]: row for row in app}
    lines = []
    for row in peer:
        theirs = by_id.pop(row[0], None)
        if theirs is None:
            lines.append(f"department {row[0]}: only in DuckDB")
        elif theirs != row:
            changed = [
                f"{name} {mine} ≠ {other}"
                for name, mine, other in zip(fields, row, theirs, strict=True)
                if mine != other
            ]
            lines.append(f"department {row[0]}: " + ", ".join(changed))
    lines += [f"department {department}: only in the app" for department in sorted(by_id)]
    return lines[:5] + ([f"… {len(lines) - 5} more"] if len(lines) > 5 else [])


def measure_peer(
    *, period: datetime.date, metric: str, repeat: int, log: Callable[[str], None] = print
) -> PeerResult:
    """Copy the raw rows into DuckDB, time the re-sum there and on the app's database, check it."""
    import duckdb

    sql = resum_sql(period=period, metric=metric)
    with tempfile.TemporaryDirectory(prefix="hengkou-bench-duckdb-") as folder:
        duck, export_seconds, load_seconds, rows = copy_to_duckdb(Path(folder), log)
    try:

        def in_duckdb():
            return duck.execute(sql).fetchall()

        def in_database():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        timings = measure_interleaved(
            [("duckdb", "DuckDB re-sum", in_duckdb), ("database", "the same SQL", in_database)],
            repeat=repeat,
        )
        peer = sorted(_key(row) for row in in_duckdb())
        database = sorted(_key(row) for row in in_database())
    finally:
        duck.close()
    app = app_totals(period=period, metric=metric)
    differences = compare(peer, app)
    if database != peer:
        differences.append("the same SQL on the app's database gave other totals than DuckDB")
    result = PeerResult(
        version=duckdb.__version__,
        export_seconds=export_seconds,
        load_seconds=load_seconds,
        rows=rows,
        duckdb=timings["duckdb"],
        database=timings["database"],
        sql=sql.strip(),
        departments=len(peer),
        equal=not differences,
        differences=differences,
    )
    log(
        f"DuckDB re-sum: p50 {result.duckdb.p50 * 1000:.1f} ms; the same SQL on "
        f"{connection.vendor}: p50 {result.database.p50 * 1000:.1f} ms; equal to the app's "
        f"totals ({len(app)} departments): {result.equal}"
    )
    return result
