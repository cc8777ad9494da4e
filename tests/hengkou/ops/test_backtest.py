"""The back-test of the year-end projection (manage.py evaluate_projections, issue 21)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from hengkou.ops.backtest import render_backtest, run_backtest, write_backtest
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seasonal():
    """Two years of the same shape: a quarter of the year by June, three quarters after."""
    department = DepartmentFactory(code="D1")
    enterprise = EnterpriseFactory()
    for year, (first, second) in ((2020, (50, 150)), (2021, (60, 180))):
        AssignmentFactory(enterprise=enterprise, department=department, year=year)
        TargetFactory(enterprise=enterprise, year=year, value=Decimal(1200))
        for month in range(1, 13):
            MonthlyReportFactory(
                enterprise=enterprise,
                period=datetime.date(year, month, 1),
                output_value=Decimal(first if month <= 6 else second),
            )


def test_the_seasonal_projection_beats_the_naive_one_on_seasonal_data(seasonal):
    result = run_backtest(log=lambda message: None)
    assert result.years == [2020, 2021] and result.untargeted == []
    june = result.departments[("output_value", 6)]
    # 2020 has no history (flat: 600 / 1200 against 1200 / 1200, as naive); 2021 is exact.
    assert june.count == 2 and june.flat == 1
    assert june.seasonal[1] == 0
    assert june.naive[1] == Decimal("0.6")  # 720 / 1200 against 1440 / 1200
    assert june.seasonal_mae < june.naive_mae
    march = result.departments[("output_value", 3)]
    assert march.seasonal_mae < march.naive_mae


def test_a_complete_year_without_targets_is_history_not_a_year_evaluated(seasonal):
    enterprise = EnterpriseFactory()
    for month in range(1, 13):
        MonthlyReportFactory(
            enterprise=enterprise, period=datetime.date(2019, month, 1), output_value=Decimal(9)
        )
    result = run_backtest(log=lambda message: None)
    assert result.years == [2020, 2021] and result.untargeted == [2019]
    text = render_backtest(result, label="demo", description="the demo")
    assert "Complete years evaluated (with targets): 2020, 2021; complete years without" in text
    assert "not evaluated (their figures are history for the later years): 2019." in text


def test_the_results_are_written_into_their_own_section(seasonal, tmp_path):
    path = tmp_path / "performance.md"
    path.write_text("# Performance\n\nintro\n\n<!-- projections:sections -->\n\n## Findings\n")
    result = run_backtest(log=lambda message: None)
    write_backtest(path, render_backtest(result, label="demo", description="the demo"))
    write_backtest(path, render_backtest(result, label="demo", description="the demo"))
    text = path.read_text()
    assert text.count("<!-- projections:demo:start -->") == 1
    assert text.index("projections:demo:end") < text.index("## Findings")
    assert "| `output_value` | 6 | 2 | 1 | 25.00 | 55.00 | seasonal |" in text
    # Year by year: 2020 is flat (the naive error: 600 / 1200 at March and June, 1000 / 1200 at
    # September, against 1200 / 1200), 2021 is exact (naive: 720, 720 and 1200 against 1440).
    assert (
        "| `output_value` | 2020 | 1 | 1 | 50.00 / 50.00 | 50.00 / 50.00 | 16.67 / 16.67 |" in text
    )
    assert (
        "| `output_value` | 2021 | 1 | 0 | **0.00** / 60.00 | **0.00** / 60.00 | **0.00** / 20.00 |"
        in text
    )


def test_the_command_prints_and_writes_the_table(seasonal, tmp_path):
    out = io.StringIO()
    path = tmp_path / "performance.md"
    call_command("evaluate_projections", "--write", str(path), stdout=out)
    assert "MAE, naive (ytd × 12 / m)" in out.getvalue()
    assert "projections:demo:start" in path.read_text()
