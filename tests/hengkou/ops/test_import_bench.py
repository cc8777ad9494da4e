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
