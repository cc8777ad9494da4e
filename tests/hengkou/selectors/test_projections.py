"""Year-end projections (issue 21, part 2): seasonal share of the same members, flat fallback."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from enterprises.models import MonthlyReport
from enterprises.services.figures import save_monthly_report
from hengkou.formats import percent_value
from hengkou.models import ProjectionHistory
from hengkou.projections import FLAT, SEASONAL, project, seasonal_share
from hengkou.selectors.projections import list_projections
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    TargetFactory,
)

JUNE = datetime.date(2021, 6, 1)


def reports(enterprise, year, monthly):
    """Monthly output of ``enterprise`` in ``year``: ``monthly`` maps month → value."""
    for month, value in monthly.items():
        MonthlyReportFactory(
            enterprise=enterprise,
            period=datetime.date(year, month, 1),
            output_value=Decimal(value),
        )


def halves(first, second):
    """Months 1–6 at ``first``, 7–12 at ``second``."""
    return {month: first if month <= 6 else second for month in range(1, 13)}


def test_seasonal_share_is_the_mean_over_the_years_with_data():
    history = [(Decimal(300), Decimal(1200)), (Decimal(600), Decimal(1200))]
    assert seasonal_share(history, month=6, metric="output_value") == (Fraction(3, 8), 2)


def test_a_year_without_data_by_the_month_or_at_year_end_is_left_out():
    history = [(Decimal(0), Decimal(1200)), (Decimal(300), Decimal(0)), (Decimal(300), 1200)]
    assert seasonal_share(history, month=6, metric="output_value") == (Fraction(1, 4), 1)


def test_no_history_falls_back_to_the_flat_share():
    assert seasonal_share([], month=3, metric="output_value") == (Fraction(1, 4), 0)
    # A stock ends the year where it stands.
    assert seasonal_share([], month=3, metric="employees") == (Fraction(1), 0)


def projection(*, month, ytd, target, history):
    return project(
        department_id=1,
        department_code="D1",
        department_name="一局",
        month=month,
        metric="output_value",
        members=1,
        target=Decimal(target),
        ytd=Decimal(ytd),
        ytd_targeted=Decimal(ytd),
        history=history,
    )


def test_projected_year_end_is_ytd_over_the_share_and_rated_against_the_target():
    row = projection(month=6, ytd="360", target="1200", history=[(Decimal(300), Decimal(1200))])
    assert (row.method, row.share, row.history_years) == (SEASONAL, Fraction(1, 4), 1)
    assert row.projected == 1440
    assert row.projected_rate == Fraction(6, 5)
    assert not row.will_miss
    flat = projection(month=6, ytd="360", target="1200", history=[])
    assert (flat.method, flat.share, flat.projected, flat.projected_rate) == (
        FLAT,
        Fraction(1, 2),
        720,
        Fraction(3, 5),
    )
    assert flat.will_miss


def test_the_miss_flag_is_reported_from_month_three_on():
    history = [(Decimal(100), Decimal(1200))]
    assert not projection(month=2, ytd="50", target="1200", history=history).will_miss
    march = projection(month=3, ytd="50", target="1200", history=history)
    assert march.flagged and march.will_miss


def test_rounding_never_shows_a_projected_miss_as_100_percent():
    # 99.999% of the target: printed with enough decimals not to read as 100.0%.
    row = projection(month=6, ytd="299.997", target="1200", history=[(Decimal(1), Decimal(4))])
    assert row.will_miss
    assert percent_value(row.projected_rate, row.places) < 100
    assert percent_value(row.projected_rate, 1) == 100


def test_no_target_gives_no_rate_and_no_flag():
    row = projection(month=6, ytd="360", target="0", history=[])
    assert row.projected_rate is None and not row.will_miss


@pytest.fixture
def zone(db):
    """D1 keeps a seasonal member and gains a new one; C moved from D1 to D2; D3 has two years."""
    d1, d2, d3 = (DepartmentFactory(code=f"D{n}", name=f"{n}局") for n in (1, 2, 3))
    seasonal = EnterpriseFactory(name="季节企业")
    for year in (2020, 2021):
        AssignmentFactory(enterprise=seasonal, department=d1, year=year)
    reports(seasonal, 2020, halves("50", "150"))  # June share 300 / 1200 = 1/4
    reports(seasonal, 2021, dict.fromkeys(range(1, 7), "60"))  # ytd 360
    TargetFactory(enterprise=seasonal, year=2021, metric="output_value", value=Decimal(1200))
    # Joined this year: no earlier figures, so no weight in D1's share.
    new = EnterpriseFactory(name="新企业")
    AssignmentFactory(enterprise=new, department=d1, year=2021)
    reports(new, 2021, dict.fromkeys(range(1, 7), "100"))  # ytd 600
    TargetFactory(enterprise=new, year=2021, metric="output_value", value=Decimal(2400))
    # D1's member in 2020, D2's now: its 2020 figures count for D2 (同口径), not for D1.
    moved = EnterpriseFactory(name="迁出企业")
    AssignmentFactory(enterprise=moved, department=d1, year=2020)
    AssignmentFactory(enterprise=moved, department=d2, year=2021)
    reports(moved, 2020, halves("100", "100"))  # June share 1/2
    reports(moved, 2021, dict.fromkeys(range(1, 7), "100"))
    TargetFactory(enterprise=moved, year=2021, metric="output_value", value=Decimal(1500))
    # Two earlier years, shares 1/4 and 1/2: the mean, 3/8.
    old = EnterpriseFactory(name="老企业")
    for year in (2019, 2020, 2021):
        AssignmentFactory(enterprise=old, department=d3, year=year)
    reports(old, 2019, halves("50", "150"))
    reports(old, 2020, halves("100", "100"))
    reports(old, 2021, dict.fromkeys(range(1, 7), "75"))  # ytd 450
    TargetFactory(enterprise=old, year=2021, metric="output_value", value=Decimal(1200))
    # No figures at all this year or before: flat.
    d4 = DepartmentFactory(code="D4", name="4局")
    idle = EnterpriseFactory(name="空企业")
    AssignmentFactory(enterprise=idle, department=d4, year=2021)
    TargetFactory(enterprise=idle, year=2021, metric="output_value", value=Decimal(100))
    return d1, d2, d3, d4


def by_code(result):
    return {row.department_code: row for row in result.departments}


def test_the_share_is_this_years_members_own_history(zone):
    rows = by_code(list_projections(period=JUNE, metric="output_value"))
    d1 = rows["D1"]
    # The new member adds to the year to date but not to the share; the moved one is D2's.
    assert (d1.share, d1.method, d1.history_years) == (Fraction(1, 4), SEASONAL, 1)
    assert d1.ytd == 960
    assert d1.projected == 3840
    assert d1.projected_rate == Fraction(3840, 3600)
    assert not d1.will_miss
    d2 = rows["D2"]
    assert (d2.share, d2.projected, d2.projected_rate) == (Fraction(1, 2), 1200, Fraction(4, 5))
    assert d2.will_miss
    d3 = rows["D3"]
    assert (d3.share, d3.history_years) == (Fraction(3, 8), 2)
    assert d3.projected == 1200 and d3.projected_rate == 1 and not d3.will_miss
    d4 = rows["D4"]
    assert (d4.method, d4.share, d4.projected, d4.will_miss) == (FLAT, Fraction(1, 2), 0, True)


def test_the_zone_projects_every_member_with_their_summed_history(zone):
    result = list_projections(period=JUNE, metric="output_value")
    zone_row = result.zone
    assert zone_row.is_zone
    assert zone_row.ytd == 960 + 600 + 450
    assert zone_row.target == 1200 + 2400 + 1500 + 1200 + 100
    # 2020: (300 + 600 + 600) / (1200 + 1200 + 1200); 2019: 300 / 1200. Mean of the two.
    assert zone_row.share == (Fraction(1500, 3600) + Fraction(1, 4)) / 2
    assert [row.department_code for row in result.missing] == ["D4", "D2"]


def test_projections_take_a_bounded_number_of_queries(zone, django_assert_max_num_queries):
    with django_assert_max_num_queries(9) as first:
        list_projections(period=JUNE, metric="output_value")
    # Nothing changed: the history is read as stored, not summed again.
    with django_assert_max_num_queries(len(first) - 2):
        list_projections(period=JUNE, metric="output_value")
    with django_assert_max_num_queries(6):
        list_projections(period=JUNE, metric="investment")


def test_the_stored_history_is_summed_again_after_any_write_it_depends_on(zone):
    d1 = zone[0]
    before = by_code(list_projections(period=JUNE, metric="output_value"))["D1"]
    assert before.share == Fraction(1, 4)
    assert ProjectionHistory.objects.get(period=JUNE, metric="output_value").history
    # An earlier year's figure (2020's June of D1's seasonal member) changes the share.
    seasonal = d1.assignments.get(year=2021, enterprise__name="季节企业").enterprise
    report = MonthlyReport.objects.get(enterprise=seasonal, period=datetime.date(2020, 6, 1))
    report.output_value = Decimal(350)
    save_monthly_report(report=report)
    after = by_code(list_projections(period=JUNE, metric="output_value"))["D1"]
    assert after.share == Fraction(600, 1500)
    # A member joining this year (with earlier figures of its own) changes it too.
    moved = EnterpriseFactory(name="转入企业")
    AssignmentFactory(enterprise=moved, department=d1, year=2021)
    reports(moved, 2020, dict.fromkeys(range(1, 13), "100"))
    joined = by_code(list_projections(period=JUNE, metric="output_value"))["D1"]
    assert joined.share == Fraction(600 + 600, 1500 + 1200)


def test_the_share_is_the_exact_mean_of_the_years_ratios():
    import random

    rng = random.Random(21)
    for _ in range(200):
        history = [
            (Decimal(rng.randint(0, 10**7)) / 100, Decimal(rng.randint(0, 10**7)) / 100)
            for _ in range(rng.randint(0, 5))
        ]
        counted = [(a, b) for a, b in history if a > 0 and b > 0]
        expected = (
            sum((Fraction(a) / Fraction(b) for a, b in counted), Fraction(0)) / len(counted)
            if counted
            else Fraction(9, 12)
        )
        assert seasonal_share(history, month=9, metric="output_value") == (expected, len(counted))


def test_a_stored_history_is_read_in_one_query(zone, django_assert_num_queries):
    from hengkou.selectors.ranking import get_period_ranking

    rows = get_period_ranking(period=JUNE, metric="output_value").rows
    first = list_projections(period=JUNE, metric="output_value", rows=rows)
    # The fingerprint is computed and compared by the database, in the query that reads it.
    with django_assert_num_queries(1):
        again = list_projections(period=JUNE, metric="output_value", rows=rows)
    assert list(again.departments) == list(first.departments) and again.zone == first.zone


def test_a_history_stored_in_another_layout_is_summed_again(zone):
    list_projections(period=JUNE, metric="output_value")
    stored = ProjectionHistory.objects.get(period=JUNE, metric="output_value")
    # The same fingerprint in an earlier layout (department → year → Decimal strings).
    stored.fingerprint = stored.fingerprint.rsplit(":", 1)[0]
    stored.history = {"1": {"2020": ["1", "2"]}}
    stored.save()
    rows = by_code(list_projections(period=JUNE, metric="output_value"))
    assert rows["D1"].share == Fraction(1, 4)
    assert "departments" in ProjectionHistory.objects.get(period=JUNE).history


def test_the_departments_projected_to_miss_are_ordered_as_their_exact_rates():
    """``missing`` ranks from integers and floats, building no projection; its order is the
    plain sort of the built projections by (projected rate, code), ties and near-ties too."""
    import random

    from hengkou.selectors.projections import Projections

    rng = random.Random(19)
    for month in (3, 7, 11):
        inputs, histories = [], []
        for index in range(120):
            target = Decimal(rng.choice([0, 1200, 1200, 999.99, rng.randint(1, 10**6)]))
            ytd = rng.choice(
                [Decimal(0), Decimal(600), Decimal(rng.randint(0, 10**8)) / 100]
            )  # 600 / 1200 repeats: equal rates, ordered by code
            history = [
                (rng.randint(0, 10**7), rng.randint(0, 10**8)) for _year in range(rng.randint(0, 5))
            ]
            if rng.random() < 0.2:  # rates a cent apart in 10^16: equal as floats, not exactly
                ytd = Decimal("1234567890123456.78") + Decimal(rng.randint(0, 3)) / 100
                target, history = Decimal("9999999999999999.99"), []
            inputs.append((index, f"D{rng.randint(0, 10**6):07d}", "局", 1, target, ytd, ytd))
            histories.append(history)
        departments = Projections(
            month=month, metric="output_value", inputs=inputs, histories=histories
        )
        positions = departments.missing_positions()
        assert not departments._built  # nothing built to rank them
        plain = sorted(
            (row for row in list(departments) if row.will_miss),
            key=lambda row: (row.projected_rate, row.department_code),
        )
        assert [departments[i] for i in positions] == plain
        assert len(plain) > 30


def test_the_stored_history_and_ranking_sum_their_fingerprints_once(zone):
    """The fingerprints read the department totals once per query, not once per comparison.

    PostgreSQL pulls a plain subquery up and copies its sum into each place that reads it; the
    reads of the stored history and of the stored open ranking keep theirs a subquery (checked
    on the plan: one scan of the totals in each query).
    """
    from django.db import connection

    from hengkou.selectors.ranking import get_shown_ranking

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    rows = get_shown_ranking(period=JUNE, metric="output_value").rows
    list_projections(period=JUNE, metric="output_value", rows=rows)
    caught = []

    def catch(execute, sql, params, many, context):
        caught.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(catch):
        rows = get_shown_ranking(period=JUNE, metric="output_value").rows
        list_projections(period=JUNE, metric="output_value", rows=rows)
    fingerprinted = [(sql, params) for sql, params in caught if "latest.fingerprint" in sql]
    assert len(fingerprinted) == 2  # the open ranking's read, then the history's
    totals = connection.ops.quote_name("enterprises_departmentytd").strip('"')
    for sql, params in fingerprinted:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (COSTS OFF) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert plan.count(f" on {totals}") == 1, plan
