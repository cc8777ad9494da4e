"""Deterministic city-scale data for the benchmark, written by COPY on PostgreSQL.

Elsewhere it falls back to ``bulk_create`` and ``rebuild_monthly_ytd`` (what the tests run on
SQLite).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from enterprises.choices import DepartmentKind, Metric, OfficialRank
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    MonthlyYtd,
    Official,
    Target,
)
from enterprises.services.aggregates import rebuild_department_ytd
from enterprises.services.figures import FLOW_METRICS, rebuild_monthly_ytd
from enterprises.validators import build_credit_code

from .common import (
    CHAINS,
    COPY_BATCH,
    CREDIT_SERIAL_BASE,
    SEASON,
    Phase,
    Scale,
    is_postgresql,
    progress,
    timed,
)
from .logins import SUPERVISION_OFFICE, SUPERVISOR_NAME


def _copy_text(value) -> str:
    if type(value) is str:
        return value
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _constant_columns(model, fields: list[str]) -> dict[str, object]:
    """Return the value of every other concrete column: its default, or now for timestamps."""
    now = timezone.now()
    constants = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.attname in fields:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = now
        else:
            value = model_field.get_default()
        if value is None and not model_field.null:
            raise ValueError(f"{model.__name__}.{model_field.name} needs a value")
        constants[model_field.column] = value
    return constants


def insert_rows(model, fields: list[str], rows: Iterable[tuple]) -> int:
    """Insert rows of ``fields`` values into ``model``'s table; return how many.

    Other columns take their default (timestamps: now). PostgreSQL gets one COPY; elsewhere
    ``bulk_create`` in batches. String values must hold no tab, newline or backslash
    (generated data never does).
    """
    count = 0
    if not is_postgresql():
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(fields, row, strict=True))))
            if len(batch) == 2000:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch.clear()
        model.objects.bulk_create(batch)
        return count + len(batch)
    constants = _constant_columns(model, fields)
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in fields] + list(constants)
    tail = "".join("\t" + _copy_text(value) for value in constants.values())
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        lines = []
        for row in rows:
            lines.append("\t".join(map(_copy_text, row)) + tail)
            if len(lines) == COPY_BATCH:
                copy.write("\n".join(lines) + "\n")
                count += len(lines)
                lines.clear()
        if lines:
            copy.write("\n".join(lines) + "\n")
            count += len(lines)
    return count


@dataclass
class _Profile:
    """How one generated enterprise behaves over the years."""

    monthly_output: float
    growth: float
    employees: int
    first_year: int
    missing: float
    departments: dict[int, int] = field(default_factory=dict)


ROLLUP_SQL = """
INSERT INTO {ytd} (enterprise_id, period, has_report, employees, {flows})
SELECT years.enterprise_id, months.period, report.id IS NOT NULL,
       COALESCE(report.employees, 0), {running}
FROM (SELECT DISTINCT enterprise_id, date_trunc('year', period)::date AS year_start
      FROM {report}) AS years
CROSS JOIN LATERAL (
    SELECT (years.year_start + make_interval(months => n))::date AS period
    FROM generate_series(0, 11) AS n
) AS months
LEFT JOIN {report} AS report
       ON report.enterprise_id = years.enterprise_id AND report.period = months.period
WINDOW running AS (PARTITION BY years.enterprise_id, years.year_start ORDER BY months.period)
"""


def build_rollup() -> int:
    """Build the year-to-date rollup from the monthly reports of an empty rollup table.

    On PostgreSQL one INSERT … SELECT with a running window sum (the same rows as
    ``rebuild_monthly_ytd``, which the tests check); elsewhere ``rebuild_monthly_ytd`` itself.
    """
    if not is_postgresql():
        return rebuild_monthly_ytd()
    sql = ROLLUP_SQL.format(
        ytd=MonthlyYtd._meta.db_table,
        report=MonthlyReport._meta.db_table,
        flows=", ".join(FLOW_METRICS),
        running=", ".join(
            f"SUM(COALESCE(report.{metric}, 0)) OVER running" for metric in FLOW_METRICS
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def _money(value: float) -> str:
    return f"{value:.2f}"


def generate(*, scale: Scale, log: Callable[[str], None] = print) -> list[Phase]:
    """Fill an empty database with deterministic data of ``scale``; return the timed phases.

    Sponsoring departments each have a head and staff; county leaders sit in a leading office
    of their own, and the supervision office has a head. Every enterprise has an assignment in
    every year (about 5% change department from one year to the next), most have an output
    target each year, and reports start in a random year for a few and miss about 1% of
    months, so the rollup has gaps to bridge.

    Seasonal pattern (``common.SEASON``, fixed before the year-end projection was written):
    a month's flows are the enterprise's average month × its year's growth × the month's factor
    × noise of ±15%. The factors are a Spring-Festival dip in January (0.78) and February
    (0.72), about 1 from March to October (0.97–1.05), and a year-end peak in November (1.10)
    and December (1.34); they sum to 12.
    """
    if Enterprise.objects.exists():
        raise RuntimeError("The database already holds enterprises: the bench needs an empty one.")
    rng = random.Random(scale.seed)
    phases: list[Phase] = []

    with timed(phases, "departments and officials", log) as box:
        office_code = "BLEAD"
        supervision_code, supervision_name = SUPERVISION_OFFICE
        departments = [
            (office_code, "基准县领导", DepartmentKind.LEADING_OFFICE),
            (supervision_code, supervision_name, DepartmentKind.SUPERVISION_OFFICE),
        ]
        departments += [
            (f"B{n:04d}", f"基准部门{n:04d}", DepartmentKind.SPONSOR)
            for n in range(scale.departments)
        ]
        rows = insert_rows(Department, ["code", "name", "kind"], departments)
        codes = [code for code, _name, _kind in departments]
        department_ids = dict(Department.objects.filter(code__in=codes).values_list("code", "id"))
        office_id = department_ids.pop(office_code)
        supervision_id = department_ids.pop(supervision_code)
        sponsors = [department_ids[f"B{n:04d}"] for n in range(scale.departments)]
        # The supervision office's head is the benchmark's supervisor (logins.py).
        officials = [(SUPERVISOR_NAME, supervision_id, OfficialRank.DEPARTMENT_HEAD)]
        officials += [
            (f"基准领导{n:03d}", office_id, OfficialRank.COUNTY_LEADER)
            for n in range(scale.county_leaders)
        ]
        for n, department_id in enumerate(sponsors):
            for k in range(scale.staff_per_department):
                rank = OfficialRank.DEPARTMENT_HEAD if k == 0 else OfficialRank.STAFF
                officials.append((f"基准干部{n:04d}-{k}", department_id, rank))
        rows += insert_rows(Official, ["name", "department_id", "rank"], officials)
        by_name = dict(Official.objects.filter(name__startswith="基准").values_list("name", "id"))
        leaders = [by_name[f"基准领导{n:03d}"] for n in range(scale.county_leaders)]
        staff = {
            department_id: [
                by_name[f"基准干部{n:04d}-{k}"] for k in range(scale.staff_per_department)
            ]
            for n, department_id in enumerate(sponsors)
        }
        box["rows"] = rows

    years = scale.years
    profiles = []
    for _n in range(scale.enterprises):
        department = rng.choice(sponsors)
        profile = _Profile(
            monthly_output=rng.lognormvariate(5.0, 1.1),
            growth=rng.uniform(-0.05, 0.15),
            employees=max(5, int(rng.lognormvariate(4.0, 0.9))),
            first_year=years[0] if rng.random() < 0.95 else rng.choice(years),
            missing=0.01,
        )
        for year in years:
            if rng.random() < 0.05:
                department = rng.choice(sponsors)
            profile.departments[year] = department
        profiles.append(profile)

    with timed(phases, "enterprises", log) as box:
        box["rows"] = insert_rows(
            Enterprise,
            ["credit_code", "name", "chain", "employees"],
            (
                (
                    build_credit_code(CREDIT_SERIAL_BASE + n),
                    f"基准企业{n:05d}有限公司",
                    CHAINS[n % len(CHAINS)],
                    profile.employees,
                )
                for n, profile in enumerate(profiles)
            ),
        )
        codes = dict(
            Enterprise.objects.filter(name__startswith="基准企业").values_list("credit_code", "id")
        )
        enterprise_ids = [
            codes[build_credit_code(CREDIT_SERIAL_BASE + n)] for n in range(scale.enterprises)
        ]

    with timed(phases, "assignments", log) as box:
        box["rows"] = insert_rows(
            Assignment,
            ["year", "enterprise_id", "leader_id", "department_id", "responsible_id"],
            (
                (
                    year,
                    enterprise_id,
                    rng.choice(leaders),
                    profile.departments[year],
                    rng.choice(staff[profile.departments[year]]),
                )
                for year in years
                for enterprise_id, profile in zip(enterprise_ids, profiles, strict=True)
            ),
        )

    with timed(phases, "targets", log) as box:
        box["rows"] = insert_rows(
            Target,
            ["enterprise_id", "year", "metric", "value"],
            (
                (
                    enterprise_id,
                    year,
                    Metric.OUTPUT_VALUE,
                    _money(
                        12
                        * profile.monthly_output
                        * (1 + profile.growth) ** (year - years[0])
                        * rng.uniform(0.9, 1.25)
                    ),
                )
                for year in years
                for enterprise_id, profile in zip(enterprise_ids, profiles, strict=True)
                if rng.random() < scale.targeted_share
            ),
        )

    def reports() -> Iterator[tuple]:
        tz = timezone.get_current_timezone()
        periods = scale.periods
        for enterprise_id, profile in progress(
            zip(enterprise_ids, profiles, strict=True),
            total=scale.enterprises,
            label="monthly reports",
            log=log,
        ):
            uniform = rng.uniform
            for period in periods:
                if period.year < profile.first_year or rng.random() < profile.missing:
                    continue
                output = (
                    profile.monthly_output
                    * (1 + profile.growth) ** (period.year - years[0])
                    * SEASON[period.month - 1]
                    * uniform(0.85, 1.15)
                )
                revenue = output * uniform(0.9, 1.05)
                employees = max(1, int(profile.employees * uniform(0.95, 1.05)))
                # Due by day 5 of the next month; a few come in a little late.
                due = datetime.date(
                    period.year + period.month // 12, period.month % 12 + 1, rng.randint(1, 8)
                )
                submitted = datetime.datetime.combine(due, datetime.time(10), tzinfo=tz)
                yield (
                    enterprise_id,
                    period,
                    _money(output),
                    _money(output * uniform(0.22, 0.32)),
                    _money(revenue),
                    _money(revenue * uniform(-0.04, 0.12)),
                    _money(revenue * uniform(0.02, 0.06)),
                    employees,
                    _money(employees * uniform(0.45, 0.65)),
                    _money(output * uniform(0.05, 0.15)),
                    submitted,
                )

    with timed(phases, "monthly reports", log) as box:
        box["rows"] = insert_rows(
            MonthlyReport,
            ["enterprise_id", "period", "output_value", "value_added", "revenue", "profit"]
            + ["tax", "employees", "wages", "electricity", "submitted_at"],
            reports(),
        )

    with timed(phases, "year-to-date rollup", log) as box:
        box["rows"] = build_rollup()

    with timed(phases, "department totals (DepartmentYtd)", log) as box:
        box["rows"] = rebuild_department_ytd()

    if is_postgresql() and not connection.in_atomic_block:
        # Reports arrive month by month, and so does their rollup: in a live database a month's
        # rows lie together on disk. The generator writes them enterprise by enterprise, which
        # would scatter one month's 20,000 reports over 20,000 pages; CLUSTER puts them in the
        # order they arrive (by month), as production holds them. (Not inside a transaction,
        # the tests': its deferred foreign-key checks forbid it.)
        with timed(phases, "CLUSTER by month", log), connection.cursor() as cursor:
            for model, index in (
                (MonthlyReport, "monthly_report_period_idx"),
                (MonthlyYtd, "monthly_ytd_period_idx"),
            ):
                cursor.execute(f"CLUSTER {model._meta.db_table} USING {index}")

    # VACUUM sets the visibility map as autovacuum soon would after a load; it cannot run
    # inside a transaction (the tests), where ANALYZE alone refreshes the statistics.
    vacuum = is_postgresql() and not connection.in_atomic_block
    statement = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with timed(phases, statement, log), connection.cursor() as cursor:
        cursor.execute(statement)
    return phases
