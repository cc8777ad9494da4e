"""The data-quality rules: each flags just over its threshold, never at or just under it."""

from decimal import Decimal

import pytest
from django.utils import translation

from enterprises.choices import FlagRule
from enterprises.quality import QualityThresholds, check_report, flag_message

T = QualityThresholds()


def report(**values):
    base = {
        "output_value": Decimal(100),
        "value_added": Decimal(30),
        "revenue": Decimal(95),
        "profit": Decimal(5),
        "tax": Decimal(3),
        "employees": 50,
        "wages": Decimal(20),
        "electricity": Decimal(10),
    }
    base.update(
        {key: Decimal(str(value)) if key != "employees" else value for key, value in values.items()}
    )
    return base


def rules(findings):
    return {(finding.rule, finding.metric) for finding in findings}


def test_a_plain_report_breaks_no_rule():
    assert check_report(report(), previous=report(), last_year=report(), thresholds=T) == []


@pytest.mark.parametrize(
    ("field", "base", "rule"),
    [
        ("value_added", "output_value", FlagRule.VALUE_ADDED_OVER_OUTPUT),
        ("tax", "revenue", FlagRule.TAX_OVER_REVENUE),
        ("profit", "revenue", FlagRule.PROFIT_OVER_REVENUE),
    ],
)
def test_a_part_may_equal_its_whole_but_not_exceed_it(field, base, rule):
    whole = report()[base]
    assert (rule, field) not in rules(
        check_report(report(**{field: whole - Decimal("0.01")}), thresholds=T)
    )
    assert (rule, field) not in rules(check_report(report(**{field: whole}), thresholds=T))
    assert (rule, field) in rules(
        check_report(report(**{field: whole + Decimal("0.01")}), thresholds=T)
    )


def test_a_loss_is_never_above_revenue():
    assert check_report(report(profit=-500), thresholds=T) == []


def test_output_without_employees_is_flagged_and_no_output_without_them_is_not():
    assert (FlagRule.NO_EMPLOYEES, "employees") in rules(
        check_report(report(employees=0), thresholds=T)
    )
    idle = report(employees=0, output_value=0, value_added=0, revenue=0, profit=0, tax=0)
    assert check_report(idle, thresholds=T) == []


@pytest.mark.parametrize(
    ("now", "flagged"),
    [("299.99", False), ("300", False), ("300.01", True), ("33.34", False), ("33.33", True)],
)
def test_month_jump_beyond_three_times_or_below_a_third(now, flagged):
    previous = report(output_value=100)
    current = report(output_value=now, value_added=10)
    found = (FlagRule.MONTH_JUMP, "output_value") in rules(
        check_report(current, previous=previous, thresholds=T)
    )
    assert found is flagged


def test_month_jump_compares_only_positive_amounts_above_the_floor():
    start = report(wages=0)
    assert not check_report(report(wages=50), previous=start, thresholds=T)
    small = report(tax="0.10")
    assert not check_report(report(tax="0.90"), previous=small, thresholds=T)


@pytest.mark.parametrize(
    ("now", "flagged"),
    [("200", False), ("200.01", True), ("199.99", False), ("50", False), ("49.99", True)],
)
def test_year_change_beyond_plus_100_or_minus_50_percent(now, flagged):
    last_year = report(output_value=100)
    current = report(output_value=now, value_added=10)
    found = (FlagRule.YEAR_CHANGE, "output_value") in rules(
        check_report(current, last_year=last_year, thresholds=T)
    )
    assert found is flagged


@pytest.mark.parametrize(
    ("now", "flagged"), [(65, False), (66, True), (35, False), (34, True), (64, False)]
)
def test_employees_change_beyond_30_percent(now, flagged):
    found = (FlagRule.EMPLOYEES_CHANGE, "employees") in rules(
        check_report(report(employees=now), previous=report(employees=50), thresholds=T)
    )
    assert found is flagged


@pytest.mark.parametrize(
    ("output", "electricity", "flagged"),
    [
        ("130", "8", False),  # +30% against −20%: 50 points apart, at the threshold
        ("130", "7.9", True),  # +30% against −21%
        ("129", "8", False),  # 49 points
        ("130", "12", False),  # the same direction
    ],
)
def test_electricity_against_output_in_opposite_directions_beyond_50_points(
    output, electricity, flagged
):
    previous = report(output_value=100, electricity=10)
    current = report(output_value=output, electricity=electricity)
    found = (FlagRule.ELECTRICITY_VS_OUTPUT, "electricity") in rules(
        check_report(current, previous=previous, thresholds=T)
    )
    assert found is flagged


def test_thresholds_come_from_settings(settings):
    settings.HENGKOU_DQ_MONTH_FACTOR = "10"
    settings.HENGKOU_DQ_EMPLOYEES_CHANGE = "0.5"
    thresholds = QualityThresholds.from_settings()
    assert thresholds.month_factor == Decimal(10)
    assert thresholds.employees_change == Decimal("0.5")
    previous = report(output_value=100)
    assert not check_report(
        report(output_value=900, value_added=10), previous=previous, thresholds=thresholds
    )


def test_a_unit_error_says_what_it_compared_and_the_threshold():
    previous = report(output_value="869.79")
    current = report(output_value="8697900")
    (finding,) = [
        f
        for f in check_report(current, previous=previous, thresholds=T)
        if f.rule == FlagRule.MONTH_JUMP
    ]
    with translation.override("en"):
        text = flag_message(finding.rule, finding.metric, finding.params)
    assert "8,697,900.00" in text and "869.79" in text and "×3" in text
    with translation.override("zh-hans"):
        text = flag_message(finding.rule, finding.metric, finding.params)
    assert "工业总产值 8,697,900.00，上月 869.79，为上月的 10000 倍" in text
    assert finding.params["factor"] == "10000"


def _plain_check(report, previous, last_year, t):
    """The rules as docs/rules.md states them, written plainly: what the fast checks must equal."""

    def d(value):
        return Decimal(value)

    def compared(a, b):
        return a > 0 and b > 0 and max(a, b) >= t.min_amount

    found = []
    for rule, metric, base, ratio in (
        (FlagRule.VALUE_ADDED_OVER_OUTPUT, "value_added", "output_value", t.value_added_ratio),
        (FlagRule.TAX_OVER_REVENUE, "tax", "revenue", t.tax_ratio),
        (FlagRule.PROFIT_OVER_REVENUE, "profit", "revenue", t.profit_ratio),
    ):
        if d(report[metric]) > 0 and d(report[metric]) > d(report[base]) * ratio:
            found.append((rule, metric))
    if not report["employees"] and d(report["output_value"]) > t.output_without_employees:
        found.append((FlagRule.NO_EMPLOYEES, "employees"))
    metrics = ("output_value", "value_added", "revenue", "tax", "wages", "electricity")
    if previous is not None:
        for metric in metrics:
            value, before = d(report[metric]), d(previous[metric])
            if compared(value, before):
                factor = value / before
                if factor > t.month_factor or factor * t.month_factor < 1:
                    found.append((FlagRule.MONTH_JUMP, metric))
        now, before = report["employees"], previous["employees"]
        if before and abs(d(now - before)) > t.employees_change * before:
            found.append((FlagRule.EMPLOYEES_CHANGE, "employees"))
        output, output_before = d(report["output_value"]), d(previous["output_value"])
        power, power_before = d(report["electricity"]), d(previous["electricity"])
        if min(output, output_before, power, power_before) > 0:
            output_change, power_change = output / output_before - 1, power / power_before - 1
            opposite = (output_change > 0 > power_change) or (power_change > 0 > output_change)
            if opposite and abs(output_change - power_change) > t.electricity_gap:
                found.append((FlagRule.ELECTRICITY_VS_OUTPUT, "electricity"))
    if last_year is not None:
        for metric in metrics:
            value, before = d(report[metric]), d(last_year[metric])
            if compared(value, before):
                change = value / before - 1
                if change > t.year_rise or change < -t.year_fall:
                    found.append((FlagRule.YEAR_CHANGE, metric))
    return found


def test_the_checks_equal_the_rules_plainly_written_on_random_reports():
    """The checks run on every imported report and are written for speed; on thousands of
    random reports (at and around every threshold, zeros, losses, integers and Decimals)
    they find exactly what the plain statement of the rules finds."""
    import random

    rng = random.Random(21)
    thresholds = [T, QualityThresholds(month_factor=Decimal("2.5"), min_amount=Decimal("0.5"))]

    def amount():
        return rng.choice(
            [
                Decimal(0),
                Decimal(rng.randint(1, 200)),
                Decimal(rng.randint(1, 10**8)) / 100,
                Decimal("100"),
                Decimal("300"),
                Decimal("33.33"),
                Decimal("0.99"),
                rng.randint(0, 500),  # a preview's cells may be integers
            ]
        )

    def figures():
        values = {metric: amount() for metric in ("output_value", "value_added", "revenue")}
        values |= {metric: amount() for metric in ("tax", "wages", "electricity")}
        values["profit"] = amount() - Decimal(rng.randint(0, 300))
        values["employees"] = rng.choice([0, 10, 13, 7, rng.randint(0, 1000)])
        return values

    checked = 0
    for _ in range(4000):
        report, previous, last_year = figures(), figures(), figures()
        if rng.random() < 0.5:  # around the month's thresholds
            base = previous["output_value"]
            report["output_value"] = base * rng.choice([3, Decimal("0.3333"), Decimal("3.01")])
        for t in thresholds:
            for before, year in ((previous, last_year), (None, None), (previous, None)):
                found = rules(check_report(report, previous=before, last_year=year, thresholds=t))
                assert found == set(_plain_check(report, before, year, t)), (report, before, year)
                checked += 1
    assert checked == 24000
