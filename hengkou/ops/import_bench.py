"""The import benchmark: monthly reports from .xlsx, ours beside django-import-export's defaults.

``run`` writes a workbook of ``rows`` monthly reports for enterprises it creates when missing
(credit codes of their own serial range), then times each import end to end — reading the
file, checking every row, writing the reports (and, for ours, their history rows and the
year-to-date rollup) in one transaction — each in a fresh Python process so its peak memory
(VmHWM) is its own. Both imports insert into an empty slice: the rows are deleted before each
run and after the last. Called by ``make bench`` (hengkou/ops/bench.py) on PostgreSQL.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

CREDIT_SERIAL_BASE = 40_000_000
YEAR = 2019
MONTHS = 12


def _credit_codes(count: int) -> list[str]:
    from enterprises.validators import build_credit_code

    return [build_credit_code(CREDIT_SERIAL_BASE + n) for n in range(count)]


def ensure_enterprises(count: int) -> list[str]:
    """Return the credit codes of ``count`` benchmark enterprises, creating the missing ones."""
    from enterprises.models import Enterprise

    codes = _credit_codes(count)
    existing = set(
        Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
    )
    Enterprise.objects.bulk_create(
        [
            Enterprise(credit_code=code, name=f"基准企业{n:06d}", employees=100)
            for n, code in enumerate(codes)
            if code not in existing
        ],
        batch_size=2000,
    )
    return codes


def headers() -> list[str]:
    """Return the workbook's header row: the import's own labels, in English."""
    from django.utils import translation

    from core.imports.kinds import get_kind
    from enterprises.imports import REPORT_METRICS

    kind = get_kind("monthly_reports")
    wanted = ["credit_code", "period", *REPORT_METRICS]
    with translation.override("en"):
        labels = {column.key: column.header() for column in kind.columns}
    return [labels[key] for key in wanted]


def write_workbook(path: Path, codes: list[str], rows: int) -> None:
    """Write ``rows`` monthly reports (date cells for the month) as the statistics bureau would."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("月报")
    sheet.append(headers())
    for n in range(rows):
        code = codes[n // MONTHS]
        month = n % MONTHS + 1
        base = 100 + n % 997
        sheet.append(
            [
                code,
                datetime.date(YEAR, month, 1),
                Decimal(base) + Decimal("0.25"),
                Decimal(base // 4),
                Decimal(base) * 2,
                Decimal(base % 50) - 10,
                Decimal(base % 30),
                50 + n % 200,
                Decimal(base // 5),
                Decimal("1.50"),
            ]
        )
    workbook.save(path)


def clear(codes: list[str]) -> None:
    """Delete the benchmark's reports, their history and rollup rows."""
    from enterprises.models import Enterprise, MonthlyReport, MonthlyYtd

    ids = list(Enterprise.objects.filter(credit_code__in=codes).values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        # Raw deletes: the ORM's would fetch every row and record a history row for each.
        for queryset in (
            MonthlyReport.objects.filter(enterprise_id__in=chunk, period__year=YEAR),
            MonthlyReport.history.filter(enterprise_id__in=chunk, period__year=YEAR),
            MonthlyYtd.objects.filter(enterprise_id__in=chunk, period__year=YEAR),
        ):
            queryset._raw_delete(queryset.db)
    _vacuum([MonthlyReport, MonthlyReport.history.model, MonthlyYtd, Enterprise])


def _vacuum(models) -> None:
    """Reclaim the deleted rows and refresh the planner's statistics, as on a fresh database."""
    from django.db import connection

    if connection.vendor != "postgresql" or not connection.get_autocommit():
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def import_ours(path: str) -> int:
    """Import the workbook with core.imports; return the rows written."""
    from core.imports.engine import run_import
    from core.imports.kinds import get_kind

    result = run_import(kind=get_kind("monthly_reports"), source=path)
    if not result.ok:
        raise RuntimeError(f"benchmark import refused: {result.errors[:3]}")
    return result.created + result.updated


def import_export_resource():
    """Return django-import-export's ModelResource for monthly reports (default settings)."""
    from import_export import fields, resources, widgets

    from enterprises.imports import REPORT_METRICS
    from enterprises.models import Enterprise, MonthlyReport

    labels = dict(zip(["enterprise", "period", *REPORT_METRICS], headers(), strict=True))
    declared = {
        "enterprise": fields.Field(
            attribute="enterprise",
            column_name=labels["enterprise"],
            widget=widgets.ForeignKeyWidget(Enterprise, "credit_code"),
        ),
        **{
            name: fields.Field(attribute=name, column_name=labels[name])
            for name in ["period", *REPORT_METRICS]
        },
    }
    meta = type(
        "Meta",
        (),
        {
            "model": MonthlyReport,
            "import_id_fields": ("enterprise", "period"),
            "fields": ("enterprise", "period", *REPORT_METRICS),
        },
    )
    MonthlyReportResource = type(
        "MonthlyReportResource", (resources.ModelResource,), {**declared, "Meta": meta}
    )

    return MonthlyReportResource()


def import_with_django_import_export(path: str) -> int:
    """Import the workbook with django-import-export; return the rows written."""
    import tablib

    with open(path, "rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    result = import_export_resource().import_data(dataset, dry_run=False, raise_errors=True)
    return result.totals.get("new", 0) + result.totals.get("update", 0)


def _peak_rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _measure(which: str, path: str) -> dict:
    importer = import_ours if which == "ours" else import_with_django_import_export
    started = time.perf_counter()
    written = importer(path)
    seconds = time.perf_counter() - started
    return {
        "rows": written,
        "seconds": round(seconds, 3),
        "rows_per_s": round(written / seconds, 1) if seconds else None,
        "peak_rss_kb": _peak_rss_kb(),
    }


def run(
    *,
    database: str = "default",
    rows: int = 100_000,
    isolate: bool = True,
    competitor_rows: int | None = None,
    repeats: int = 3,
) -> dict:
    """Time our import and django-import-export's on the same workbook of ``rows`` reports.

    Each import runs in its own Python process (``isolate``), so ``peak_rss_kb`` is that
    import's own; tests pass ``isolate=False`` to stay inside their test database.
    ``competitor_rows`` imports only that many rows with django-import-export (it is slow).
    Ours is timed ``repeats`` times on a machine whose load varies: the result is the run of
    median speed, with every run's rows/s in ``runs``.
    """
    if database != "default" and not isolate:
        raise ValueError("In-process runs use the default database.")
    codes = ensure_enterprises(-(-rows // MONTHS))
    results = {}
    with tempfile.TemporaryDirectory(prefix="hengkou-import-bench-") as folder:
        sizes = {"ours": rows, "django_import_export": competitor_rows or rows}
        for which, size in sizes.items():
            path = Path(folder) / f"reports-{size}.xlsx"
            if not path.exists():
                write_workbook(path, codes, size)
            measured = []
            for _run in range(repeats if which == "ours" else 1):
                clear(codes)
                if isolate:
                    measured.append(_in_child(which, str(path), database))
                else:
                    measured.append(_measure(which, str(path)))
            measured.sort(key=lambda result: result["rows_per_s"] or 0)
            results[which] = {
                **measured[len(measured) // 2],
                "runs": [result["rows_per_s"] for result in measured],
            }
        clear(codes)
    return results


def _in_child(which: str, path: str, database: str) -> dict:
    from django.db import connections

    connections.close_all()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "")}
    if not env["DJANGO_SETTINGS_MODULE"]:
        env["DJANGO_SETTINGS_MODULE"] = "hengkou.settings"
    output = subprocess.run(
        [sys.executable, "-m", "hengkou.ops.import_bench", which, path, database],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    if output.returncode:
        raise RuntimeError(f"the {which} import failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    import django
    from django.conf import settings

    which, path, database = argv
    if database != "default":
        # The import writes through the default connection: point it at the chosen database.
        settings.DATABASES["default"] = settings.DATABASES[database]
    django.setup()
    print(json.dumps(_measure(which, path)))


if __name__ == "__main__":
    main(sys.argv[1:])
