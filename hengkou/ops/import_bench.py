"""The import benchmark: monthly reports from .xlsx, ours beside django-import-export's defaults.

``run`` writes a workbook of ``rows`` monthly reports for enterprises it creates when missing
(credit codes of their own serial range), then times each import end to end — reading the
file, checking every row, writing the reports (and, for ours, their history rows and the
year-to-date rollup) in one transaction — each in a fresh Python process so its peak memory
(VmHWM) is its own. Both imports insert into an empty slice: the rows are deleted before each
run and after the last. Called by ``make bench`` (hengkou/ops/bench.py) on PostgreSQL.

``run_readers`` times the .xlsx readers alone, ours (``core.imports.reader``) beside
python-calamine's, on workbooks of 100,000 and 1,000,000 monthly reports generated once into a
temporary folder, each read in a fresh process for its time and peak memory; ``make bench``
writes the result into its own section of docs/performance.md
(``python -m hengkou.ops.import_bench readers``). It needs no database.
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
    from enterprises.models import Enterprise, FigureFlag, MonthlyReport, MonthlyYtd

    ids = list(Enterprise.objects.filter(credit_code__in=codes).values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        # Raw deletes: the ORM's would fetch every row and record a history row for each.
        for queryset in (
            # The reports' data-quality flags first (they point at the reports).
            FigureFlag.objects.filter(enterprise_id__in=chunk, period__year=YEAR),
            FigureFlag.history.filter(enterprise_id__in=chunk, period__year=YEAR),
            MonthlyReport.objects.filter(enterprise_id__in=chunk, period__year=YEAR),
            MonthlyReport.history.filter(enterprise_id__in=chunk, period__year=YEAR),
            MonthlyYtd.objects.filter(enterprise_id__in=chunk, period__year=YEAR),
        ):
            queryset._raw_delete(queryset.db)
    _vacuum([FigureFlag, MonthlyReport, MonthlyReport.history.model, MonthlyYtd, Enterprise])


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
        cwd=str(Path(__file__).resolve().parents[2]),  # the project, whatever is installed
    )
    if output.returncode:
        raise RuntimeError(f"the {which} import failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


# --- the readers alone ---------------------------------------------------------------------------

READER_ROWS = (100_000, 1_000_000)
READERS = {"ours": "ours (core.imports.reader)", "calamine": "python-calamine"}
READERS_START = "<!-- bench:readers:start -->"
READERS_END = "<!-- bench:readers:end -->"


def _read_all(which: str, path: str) -> tuple[int, int]:
    """Read every cell of the first sheet with ``which``; return (rows, non-empty cells)."""
    rows = cells = 0
    if which == "ours":
        from core.imports.reader import XlsxReader

        with XlsxReader(path) as reader:
            for _number, values in reader.rows():
                rows += 1
                cells += sum(value is not None for value in values)
    else:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(path)
        for values in workbook.get_sheet_by_index(0).iter_rows():
            rows += 1
            cells += sum(value != "" for value in values)
        workbook.close()
    return rows, cells


def _measure_reader(which: str, path: str) -> dict:
    """Read ``path`` with ``which`` here: seconds, peak RSS and its rise while reading."""
    before = _peak_rss_kb()
    started = time.perf_counter()
    rows, cells = _read_all(which, path)
    seconds = time.perf_counter() - started
    peak = _peak_rss_kb()
    return {
        "rows": rows,
        "cells": cells,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1) if seconds else None,
        "peak_rss_kb": peak,
        "rise_kb": peak - before,
    }


def run_readers(*, sizes: tuple[int, ...] = READER_ROWS, folder: str | None = None) -> dict:
    """Time each reader on workbooks of ``sizes`` monthly reports; return results by size.

    The workbooks (date cells for the month, shared strings for the codes, as
    ``write_workbook``) are written once into a temporary folder; every read runs in a
    Python process of its own, so its peak memory is its own. A reader that is not installed
    is reported as such.
    """
    import importlib.util

    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="hengkou-reader-bench-", dir=folder) as tmp:
        for size in sizes:
            codes = _credit_codes(-(-size // MONTHS))
            path = Path(tmp) / f"reports-{size}.xlsx"
            write_workbook(path, codes, size)
            by_reader = {"file_mib": round(path.stat().st_size / (1 << 20), 1)}
            for which in READERS:
                if which == "calamine" and importlib.util.find_spec("python_calamine") is None:
                    by_reader[which] = "not installed (pip install python-calamine)"
                    continue
                by_reader[which] = _in_child(which, str(path), "reader")
            results[size] = by_reader
    return results


def render_readers(results: dict, *, today: datetime.date | None = None) -> str:
    """Return the readers' section of docs/performance.md, between its markers."""
    today = today or datetime.date.today()
    lines = [
        READERS_START,
        "## Reading .xlsx: our streaming reader against python-calamine",
        "",
        f"Measured {today:%Y-%m-%d} by `make bench` (`hengkou.ops.import_bench.run_readers`): "
        "each reader reads every cell of the first sheet of a workbook of monthly reports "
        "(the import benchmark's layout: a shared-string credit code, a date cell, eight "
        "numbers), in a fresh Python process of its own. *Peak RSS* is the process's "
        "`VmHWM`; *rise* is how much it grew while reading (the process with Django loaded is "
        "the base). Nothing is checked or written: this is the reader alone. The readers run "
        "one after the other on the same file, so compare them within a size; rows/s across "
        "sizes also reflect the machine's other load.",
        "",
        "| rows | file (MiB) | reader | seconds | rows/s | peak RSS (MiB) | rise (MiB) |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    for size, by_reader in results.items():
        for which, name in READERS.items():
            row = by_reader.get(which)
            if not isinstance(row, dict):
                lines.append(
                    f"| {size:,} | {by_reader['file_mib']} | {name} | {row or 'not measured'} "
                    "| | | |"
                )
                continue
            lines.append(
                f"| {size:,} | {by_reader['file_mib']} | {name} | {row['seconds']:.1f} | "
                f"{row['rows_per_s']:,.0f} | {row['peak_rss_kb'] / 1024:,.0f} | "
                f"{row['rise_kb'] / 1024:,.0f} |"
            )
    lines += ["", READERS_END]
    return "\n".join(lines) + "\n"


def write_readers(path: Path, section: str) -> None:
    """Replace the readers' section of ``path`` (between its markers), keeping the rest."""
    text = path.read_text() if path.exists() else "# Performance\n"
    start, end = text.find(READERS_START), text.find(READERS_END)
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(READERS_END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n")


def main(argv: list[str]) -> None:
    import django
    from django.conf import settings

    if argv[:1] == ["readers"]:
        # make bench: python -m hengkou.ops.import_bench readers [docs/performance.md]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengkou.settings")
        django.setup()
        output = Path(argv[1] if len(argv) > 1 else "docs/performance.md")
        results = run_readers()
        print(json.dumps(results))
        write_readers(output, render_readers(results))
        return
    which, path, database = argv
    if database == "reader":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengkou.settings")
        django.setup()
        print(json.dumps(_measure_reader(which, path)))
        return
    if database != "default":
        # The import writes through the default connection: point it at the chosen database.
        settings.DATABASES["default"] = settings.DATABASES[database]
    django.setup()
    print(json.dumps(_measure(which, path)))


if __name__ == "__main__":
    main(sys.argv[1:])
