"""The department × month totals (``DepartmentYtd``), kept beside the year-to-date rollup.

The rule (domain.md, Rankings): a department's members in a year are the enterprises whose
assignment for that year names it; per metric its target is the sum of its members' targets,
its year-to-date figure the sum of their rollup at the month, and last year's figure the same
members' rollup a year earlier. This module keeps those sums at the grain the pages read, so a
ranking reads one row per department instead of one per member.

What makes a department's row of a year stale, and who refreshes it:

- a member's reports (its rollup) of that year, or of the year before (last year's side):
  ``refresh_monthly_ytd`` / ``refresh_ytd_pairs`` call ``refresh_for_enterprises``;
- an assignment of that year saved, moved or deleted, a target of that year saved or deleted:
  ``hengkou``-independent signal receivers below (every form, admin page and API view saves
  through the ORM); bulk imports of assignments and targets call ``refresh_years``;
- ``rebuild_department_ytd`` recomputes everything (``rebuild_rollups``).

A refresh recomputes whole (department, year) slices from the rollup with one set-based
statement per year (portable SQL, SQLite and PostgreSQL), inside the writer's transaction. On
PostgreSQL it first locks the departments' rows (``FOR NO KEY UPDATE``, in id order): two
writers touching the same department take turns, and the second one's statement, run after the
first committed, sees both writes (READ COMMITTED). Writers lock the enterprises they write
before (``lock_enterprises``), so the departments an enterprise belongs to cannot change under
a writer between reading them and recomputing.
"""

from __future__ import annotations

import datetime
import secrets
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from core.periods import on_time_cutoff

from ..models import (
    DEPARTMENT_PARTS,
    ROLLUP_METRICS,
    Assignment,
    Department,
    DepartmentYtd,
    Enterprise,
    MonthlyReport,
    MonthlyYtd,
    Target,
)

# Departments per statement (a city has a few hundred).
CHUNK = 2000


def _year_bounds(db, year: int) -> list:
    return [db.ops.adapt_datefield_value(datetime.date(year, m, 1)) for m in (1, 12)]


class _Slices:
    """The SQL of one year's refresh for some departments: four narrow aggregates.

    Members and targets per department; this year's rollup per department and month (with the
    part of members holding a target); last year's rollup of the same members; the reports
    submitted on time. Each reads only the year's rows through an index, and none multiplies
    rows by months, so a full year at city scale is a few hundred milliseconds.
    """

    def __init__(self, db, year: int, department_ids: list[int]):
        self.db, self.year, self.ids = db, year, department_ids
        qn = db.ops.quote_name
        self.metrics = [qn(m) for m in ROLLUP_METRICS]
        self.assignment = qn(Assignment._meta.db_table)
        self.ytd = qn(MonthlyYtd._meta.db_table)
        self.report = qn(MonthlyReport._meta.db_table)
        self.target = qn(Target._meta.db_table)

    def _members(self, join: str = "", join_params: tuple = ()) -> tuple[str, list]:
        """Return the FROM and WHERE of the departments' members with their targets' pivot."""
        sums = ", ".join(f"SUM(CASE WHEN metric = %s THEN value END) AS {m}" for m in self.metrics)
        placeholders = ", ".join(["%s"] * len(self.ids))
        members = (
            f"SELECT enterprise_id FROM {self.assignment}"
            f" WHERE year = %s AND department_id IN ({placeholders})"
        )
        pivot = (
            f"SELECT enterprise_id, {sums} FROM {self.target}"
            f" WHERE year = %s AND enterprise_id IN ({members})"
        )
        return (
            f"FROM {self.assignment} a"
            f" LEFT JOIN ({pivot} GROUP BY enterprise_id) t ON t.enterprise_id = a.enterprise_id"
            f"{join} WHERE a.year = %s AND a.department_id IN ({placeholders})",
            [*ROLLUP_METRICS, self.year, self.year, *self.ids, *join_params, self.year, *self.ids],
        )

    def targets(self) -> tuple[str, list]:
        where, params = self._members()
        sums = ", ".join(
            f"SUM(t.{m}) AS s{i}, COUNT(t.{m}) AS n{i}" for i, m in enumerate(self.metrics)
        )
        return (
            f"SELECT a.department_id, COUNT(*) AS members, {sums} {where} GROUP BY a.department_id",
            params,
        )

    def current(self) -> tuple[str, list]:
        where, params = self._members(
            f" JOIN {self.ytd} c ON c.enterprise_id = a.enterprise_id"
            " AND c.period >= %s AND c.period <= %s",
            tuple(_year_bounds(self.db, self.year)),
        )
        sums = ", ".join(
            f"SUM(c.{m}) AS s{i}, SUM(CASE WHEN t.{m} IS NOT NULL THEN c.{m} END) AS t{i}"
            for i, m in enumerate(self.metrics)
        )
        return (
            "SELECT a.department_id, c.period, "
            f"SUM(CASE WHEN c.has_report THEN 1 ELSE 0 END) AS reported, {sums} {where} "
            "GROUP BY a.department_id, c.period",
            params,
        )

    def previous(self) -> tuple[str, list]:
        placeholders = ", ".join(["%s"] * len(self.ids))
        sums = ", ".join(f"SUM(p.{m}) AS s{i}" for i, m in enumerate(self.metrics))
        return (
            f"SELECT a.department_id, p.period, {sums} FROM {self.assignment} a"
            f" JOIN {self.ytd} p ON p.enterprise_id = a.enterprise_id"
            " AND p.period >= %s AND p.period <= %s"
            f" WHERE a.year = %s AND a.department_id IN ({placeholders})"
            " GROUP BY a.department_id, p.period",
            [*_year_bounds(self.db, self.year - 1), self.year, *self.ids],
        )

    def on_time(self) -> tuple[str, list]:
        # A report is on time when first submitted before its month's cutoff (day 5 of the
        # next month, end of day): one CASE arm per month.
        placeholders = ", ".join(["%s"] * len(self.ids))
        arms, params = [], [*_year_bounds(self.db, self.year), self.year, *self.ids]
        for month in range(1, 13):
            period = datetime.date(self.year, month, 1)
            arms.append("WHEN r.period = %s THEN %s")
            params += [
                self.db.ops.adapt_datefield_value(period),
                self.db.ops.adapt_datetimefield_value(on_time_cutoff(period=period)),
            ]
        return (
            "SELECT a.department_id, r.period, COUNT(*) AS on_time FROM "
            f"{self.assignment} a JOIN {self.report} r ON r.enterprise_id = a.enterprise_id"
            " AND r.period >= %s AND r.period <= %s"
            f" WHERE a.year = %s AND a.department_id IN ({placeholders})"
            f" AND r.submitted_at < CASE {' '.join(arms)} END"
            " GROUP BY a.department_id, r.period",
            params,
        )


def new_stamp() -> int:
    """Return a fresh stamp: random, below 2**40 so a month's sum fits SQLite's integers."""
    return secrets.randbits(40)


def _insert(db, year: int, department_ids: list[int]) -> int:
    """Insert the DepartmentYtd rows of these departments in ``year``, computed afresh.

    One statement: the four aggregates above, joined on (department, month) to the twelve
    months of the year for every department with members.
    """
    sql = _Slices(db, year, department_ids)
    qn = db.ops.quote_name
    months, month_params = [], []
    for month in range(1, 13):
        months.append("SELECT %s AS period, %s AS previous")
        month_params += [
            db.ops.adapt_datefield_value(datetime.date(year, month, 1)),
            db.ops.adapt_datefield_value(datetime.date(year - 1, month, 1)),
        ]
    columns = ["department_id", "period", "members", "reported", "on_time", "stamp"]
    values = []
    for index, metric in enumerate(ROLLUP_METRICS):
        columns += [f"{part}_{metric}" for part in DEPARTMENT_PARTS]
        values += [
            f"COALESCE(m.s{index}, 0)",
            f"m.n{index}",
            f"COALESCE(c.s{index}, 0)",
            f"COALESCE(c.t{index}, 0)",
            f"COALESCE(p.s{index}, 0)",
        ]
    parts = [sql.targets(), sql.current(), sql.previous(), sql.on_time()]
    statement = (
        f"INSERT INTO {qn(DepartmentYtd._meta.db_table)} ({', '.join(qn(c) for c in columns)})"
        " SELECT m.department_id, mo.period, m.members, COALESCE(c.reported, 0),"
        f" COALESCE(o.on_time, 0), %s, {', '.join(values)}"
        f" FROM ({parts[0][0]}) m CROSS JOIN ({' UNION ALL '.join(months)}) mo"
        f" LEFT JOIN ({parts[1][0]}) c ON c.department_id = m.department_id"
        " AND c.period = mo.period"
        f" LEFT JOIN ({parts[2][0]}) p ON p.department_id = m.department_id"
        " AND p.period = mo.previous"
        f" LEFT JOIN ({parts[3][0]}) o ON o.department_id = m.department_id"
        " AND o.period = mo.period"
    )
    params = [new_stamp(), *parts[0][1], *month_params, *parts[1][1], *parts[2][1], *parts[3][1]]
    with db.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def lock_enterprises(enterprise_ids: Iterable[int]) -> None:
    """Lock these enterprises' rows until the transaction ends (PostgreSQL; in id order).

    Taken by every writer of reports, assignments and targets before it reads which departments
    an enterprise belongs to, so a concurrent move of the enterprise waits for it.
    ``FOR NO KEY UPDATE`` does not block rows that merely reference the enterprise.
    """
    ids = sorted(set(enterprise_ids))
    if connection.vendor != "postgresql" or not ids:
        return
    for chunk in _chunks(ids, 5000):
        list(
            Enterprise.objects.select_for_update(no_key=True)
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _lock_departments(department_ids: list[int]) -> None:
    if connection.vendor == "postgresql" and department_ids:
        list(
            Department.objects.select_for_update(no_key=True)
            .filter(pk__in=department_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _chunks(values: list[int], size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@transaction.atomic
def refresh_department_ytd(*, pairs: Iterable[tuple[int, int]]) -> int:
    """Recompute the rows of these (department id, year) slices; return the rows written.

    A slice whose department has no member that year is left empty (its rows deleted).
    """
    by_year: dict[int, set[int]] = defaultdict(set)
    for department_id, year in pairs:
        by_year[year].add(department_id)
    _lock_departments(sorted({d for ids in by_year.values() for d in ids}))
    if connection.vendor == "postgresql" and by_year:
        # Until the transaction ends: the aggregates hash in memory and skip JIT compilation
        # (which costs more than the queries it would speed up).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
    written = 0
    for year in sorted(by_year):
        for ids in _chunks(sorted(by_year[year])):
            DepartmentYtd.objects.filter(
                department_id__in=ids,
                period__gte=datetime.date(year, 1, 1),
                period__lte=datetime.date(year, 12, 1),
            ).delete()
            written += _insert(connection, year, ids)
    return written


def departments_of(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Return the (department, year) slices that read these (enterprise, year) pairs' rollup.

    The enterprise's department of that year (its year-to-date sums) and of the next year
    (last year's figures of next year's members).
    """
    by_year: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, year in pairs:
        by_year[year].add(enterprise_id)
        by_year[year + 1].add(enterprise_id)
    found: set[tuple[int, int]] = set()
    for year, ids in by_year.items():
        for chunk in _chunks(sorted(ids)):
            found |= set(
                Assignment.objects.filter(year=year, enterprise_id__in=chunk).values_list(
                    "department_id", "year"
                )
            )
    return found


@transaction.atomic
def refresh_for_enterprises(*, pairs: Iterable[tuple[int, int]]) -> int:
    """Recompute the department slices that read these (enterprise id, year) pairs' rollup."""
    pairs = set(pairs)
    if not pairs:
        return 0
    lock_enterprises(enterprise_id for enterprise_id, _year in pairs)
    return refresh_department_ytd(pairs=departments_of(pairs))


def refresh_years(*, years: Iterable[int]) -> int:
    """Recompute every department's rows of these years (after a bulk write of assignments)."""
    years = set(years)
    if not years:
        return 0
    pairs = set(
        Assignment.objects.filter(year__in=years).values_list("department_id", "year").distinct()
    )
    for year in years:
        pairs |= {
            (department_id, year)
            for department_id in DepartmentYtd.objects.filter(period__year=year)
            .values_list("department_id", flat=True)
            .distinct()
        }
    return refresh_department_ytd(pairs=pairs)


def rebuild_department_ytd() -> int:
    """Recompute every department's rows of every year; return the rows written."""
    years = set(Assignment.objects.values_list("year", flat=True).distinct())
    years |= {period.year for period in DepartmentYtd.objects.dates("period", "year")}
    with transaction.atomic():
        return refresh_years(years=years)


# --- assignments and targets saved one by one (forms, admin, API) -------------------------------


def _slices(model, values: dict) -> set[tuple[int, int]]:
    if model is Assignment:
        return {(values["department_id"], values["year"])}
    # A target counts in the department of its enterprise's assignment of the same year.
    return set(
        Assignment.objects.filter(
            enterprise_id=values["enterprise_id"], year=values["year"]
        ).values_list("department_id", "year")
    )


_KEYS = {Assignment: ("enterprise_id", "department_id", "year"), Target: ("enterprise_id", "year")}


def stored_keys(instance) -> dict | None:
    """Return what an assignment or target row holds now (before a save), or None if new."""
    if instance.pk is None:
        return None
    model = type(instance)
    return model.objects.filter(pk=instance.pk).values(*_KEYS[model]).first()


@transaction.atomic
def refresh_after_write(instance, before: dict | None = None) -> int:
    """Recompute the slices an assignment or target saved or deleted made stale.

    ``before`` is what the row held before a save (``stored_keys``): a moved assignment
    refreshes its old department and year too.
    """
    model = type(instance)
    now = {key: getattr(instance, key) for key in _KEYS[model]}
    lock_enterprises({now["enterprise_id"], *([before["enterprise_id"]] if before else [])})
    slices = _slices(model, now) | (_slices(model, before) if before else set())
    return refresh_department_ytd(pairs=slices)
