"""The import benchmark at a small size: both importers write every row, and are timed."""

import pytest

from enterprises.models import MonthlyReport
from hengkou.ops import import_bench

pytestmark = pytest.mark.django_db


def test_the_import_benchmark_times_both_importers_and_cleans_up():
    results = import_bench.run(rows=30, isolate=False)
    for which in ("ours", "django_import_export"):
        figures = results[which]
        assert figures["rows"] == 30
        assert figures["seconds"] > 0 and figures["rows_per_s"] > 0
        assert figures["peak_rss_kb"] > 0
    # Ours runs three times and reports the run of median speed.
    runs = results["ours"]["runs"]
    assert len(runs) == 3 and runs == sorted(runs)
    assert results["ours"]["rows_per_s"] == runs[1]
    assert len(results["django_import_export"]["runs"]) == 1
    assert not MonthlyReport.objects.filter(period__year=import_bench.YEAR).exists()


def test_the_reader_benchmark_reads_every_row_with_each_reader_and_writes_its_section(tmp_path):
    results = import_bench.run_readers(sizes=(500,), folder=str(tmp_path))
    ours = results[500]["ours"]
    assert ours["rows"] == 501 and ours["cells"] == 5010  # the header and 500 rows of 10 cells
    assert ours["seconds"] > 0 and ours["peak_rss_kb"] > 0
    calamine = results[500]["calamine"]
    assert isinstance(calamine, str) or (calamine["rows"], calamine["cells"]) == (501, 5010)
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\nbefore\n")
    import_bench.write_readers(page, import_bench.render_readers(results))
    import_bench.write_readers(page, import_bench.render_readers(results))
    text = page.read_text()
    assert text.count(import_bench.READERS_START) == 1 and "before" in text
    assert "| 500 |" in text and "ours (core.imports.reader)" in text


def test_clearing_the_imported_reports_takes_their_data_quality_flags():
    # The city bench's imports raise flags; deleting their reports first broke the foreign key
    # (checked at once in the bench's autocommit, at the end of a test's transaction here).
    import datetime

    from django.db import connection

    from enterprises.models import FigureFlag
    from tests.factories import EnterpriseFactory, FigureFlagFactory

    enterprise = EnterpriseFactory(credit_code="91610900MA70BENCH1")
    FigureFlagFactory(
        report__enterprise=enterprise, report__period=datetime.date(import_bench.YEAR, 3, 1)
    )
    import_bench.clear([enterprise.credit_code])
    connection.check_constraints()
    assert not FigureFlag.objects.exists()
    assert not MonthlyReport.objects.filter(enterprise=enterprise).exists()
