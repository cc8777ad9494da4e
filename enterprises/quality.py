"""The data-quality rules of the monthly figures (统计数据质量), as pure functions.

A report is checked on its own (value added ≤ output, tax ≤ revenue, profit ≤ revenue,
employees when there is output) and against the enterprise's report of the month before and of
the same month a year earlier (jumps of a flow metric, year-on-year changes, employees, and
electricity moving against output). Each finding names its rule, the metric it concerns and the
numbers it compared, with the threshold applied, so its message can be checked from what is
beside it. The thresholds come from settings (``HENGKOU_DQ_*``, docs/rules.md); a value exactly
at a threshold passes.

Figures are compared only when both sides are positive (a start, a stop or a zero month is not
a jump) and at least one side reaches ``HENGKOU_DQ_MIN_AMOUNT`` (small amounts swing).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.numbers import format_number

from .choices import FlagRule, Metric

# The flow metrics compared across months; profit may be a loss, so its ratios mean nothing.
COMPARED_METRICS = (
    Metric.OUTPUT_VALUE,
    Metric.VALUE_ADDED,
    Metric.REVENUE,
    Metric.TAX,
    Metric.WAGES,
    Metric.ELECTRICITY,
)
REPORT_VALUES = tuple(Metric.values)
# Each compared metric with its plain text: a report's dict is looked up by the text (faster
# than by the enum member), the findings name the member.
_COMPARED_KEYS = tuple((metric, metric.value) for metric in COMPARED_METRICS)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class QualityThresholds:
    """The thresholds of the rules, each read from ``HENGKOU_DQ_<NAME>`` (defaults below).

    ``value_added_ratio``, ``tax_ratio``, ``profit_ratio``: the most value added per output,
    tax and profit per revenue (1: never more than the whole). ``output_without_employees``:
    output above this with no employees is flagged. ``month_factor``: a flow metric more than
    this many times last month's, or less than last month's divided by it. ``year_rise`` and
    ``year_fall``: the same month a year earlier, up by more than ``year_rise`` (1 = +100%) or
    down by more than ``year_fall`` (0.5 = −50%). ``employees_change``: employees moving by more
    than this share in a month. ``electricity_gap``: electricity and output moving in opposite
    directions with their month-on-month changes more than this apart. ``min_amount``: figures
    (万元) below it on both sides are not compared.
    """

    value_added_ratio: Decimal = Decimal(1)
    tax_ratio: Decimal = Decimal(1)
    profit_ratio: Decimal = Decimal(1)
    output_without_employees: Decimal = Decimal(0)
    month_factor: Decimal = Decimal(3)
    year_rise: Decimal = Decimal(1)
    year_fall: Decimal = Decimal("0.5")
    employees_change: Decimal = Decimal("0.3")
    electricity_gap: Decimal = Decimal("0.5")
    min_amount: Decimal = Decimal(1)

    @classmethod
    def from_settings(cls) -> QualityThresholds:
        """Return the thresholds set in settings, the defaults for those not set."""
        values = {}
        for field in fields(cls):
            value = getattr(settings, f"HENGKOU_DQ_{field.name.upper()}", None)
            values[field.name] = field.default if value is None else Decimal(str(value))
        return cls(**values)


@dataclass(frozen=True)
class Finding:
    """A rule a report breaks: the rule, the metric concerned and the numbers compared."""

    rule: str
    metric: str
    params: dict


def _text(value) -> str:
    # "f": never exponent notation (Decimal("1E+2").normalize() would print so).
    return format(Decimal(value).normalize(), "f") if value is not None else ""


def _percent(change: Decimal) -> str:
    return _text((change * HUNDRED).quantize(Decimal("0.1")))


def _compared(current: Decimal, earlier: Decimal, floor: Decimal) -> bool:
    return current > 0 and earlier > 0 and max(current, earlier) >= floor


def _decimal(value) -> Decimal:
    # The database's figures are Decimals already: only other values are converted.
    return value if value.__class__ is Decimal else Decimal(value)


# The ratio rules: (rule, the metric checked, the metric it may not exceed, the threshold's
# name). The checks below run on every imported report: written for speed (no per-metric calls
# unless a rule fires), with the arithmetic of the rules as documented above.
_RATIO_RULES = (
    (
        FlagRule.VALUE_ADDED_OVER_OUTPUT,
        Metric.VALUE_ADDED,
        Metric.OUTPUT_VALUE,
        "value_added_ratio",
    ),
    (FlagRule.TAX_OVER_REVENUE, Metric.TAX, Metric.REVENUE, "tax_ratio"),
    (FlagRule.PROFIT_OVER_REVENUE, Metric.PROFIT, Metric.REVENUE, "profit_ratio"),
)


def _ratio_rules(report: dict, t: QualityThresholds) -> list[Finding]:
    findings = []
    for rule, metric, base, name in _RATIO_RULES:
        value = _decimal(report[metric])
        if value > 0:
            compared, ratio = _decimal(report[base]), getattr(t, name)
            if value > compared * ratio:
                findings.append(
                    Finding(
                        rule,
                        metric,
                        {"value": _text(value), "compared": _text(compared), "limit": _text(ratio)},
                    )
                )
    if not report[Metric.EMPLOYEES]:
        output = _decimal(report[Metric.OUTPUT_VALUE])
        if output > t.output_without_employees:
            findings.append(
                Finding(
                    FlagRule.NO_EMPLOYEES,
                    Metric.EMPLOYEES,
                    {
                        "value": "0",
                        "compared": _text(output),
                        "limit": _text(t.output_without_employees),
                    },
                )
            )
    return findings


def _change(current: Decimal, earlier: Decimal) -> Decimal:
    return current / earlier - 1


def _month_rules(report: dict, previous: dict, t: QualityThresholds) -> list[Finding]:
    findings = []
    floor, factor_limit = t.min_amount, t.month_factor
    for metric, key in _COMPARED_KEYS:
        value, compared = report[key], previous[key]
        if value.__class__ is not Decimal:
            value = Decimal(value)
        if compared.__class__ is not Decimal:
            compared = Decimal(compared)
        # _compared(value, compared, floor), inline
        if not (value > 0 and compared > 0 and (value >= floor or compared >= floor)):
            continue
        factor = value / compared
        if factor > factor_limit or factor * factor_limit < 1:
            findings.append(
                Finding(
                    FlagRule.MONTH_JUMP,
                    metric,
                    {
                        "value": _text(value),
                        "compared": _text(compared),
                        "factor": _text(factor.quantize(Decimal("0.01"))),
                        "limit": _text(factor_limit),
                    },
                )
            )
    employees, before = report[Metric.EMPLOYEES], previous[Metric.EMPLOYEES]
    if before and abs(Decimal(employees - before)) > t.employees_change * before:
        findings.append(
            Finding(
                FlagRule.EMPLOYEES_CHANGE,
                Metric.EMPLOYEES,
                {
                    "value": str(employees),
                    "compared": str(before),
                    "change": _percent(_change(Decimal(employees), Decimal(before))),
                    "limit": _percent(t.employees_change),
                },
            )
        )
    findings.extend(_electricity_rule(report, previous, t))
    return findings


def _electricity_rule(report: dict, previous: dict, t: QualityThresholds) -> list[Finding]:
    """Electricity and output moving in opposite directions by more than the gap."""
    output, output_before = (
        _decimal(report[Metric.OUTPUT_VALUE]),
        _decimal(previous[Metric.OUTPUT_VALUE]),
    )
    if output > 0 and output_before > 0:
        power = _decimal(report[Metric.ELECTRICITY])
        power_before = _decimal(previous[Metric.ELECTRICITY])
        if power > 0 and power_before > 0:
            output_change = output / output_before - 1
            power_change = power / power_before - 1
            opposite = (output_change > 0 > power_change) or (power_change > 0 > output_change)
            if opposite and abs(output_change - power_change) > t.electricity_gap:
                return [
                    Finding(
                        FlagRule.ELECTRICITY_VS_OUTPUT,
                        Metric.ELECTRICITY,
                        {
                            "value": _percent(power_change),
                            "compared": _percent(output_change),
                            "limit": _percent(t.electricity_gap),
                            # The figures behind the rounded percentages: an explanation
                            # answers these (enterprises.services.quality), not their rounding.
                            "figures": [
                                _text(power),
                                _text(power_before),
                                _text(output),
                                _text(output_before),
                            ],
                        },
                    )
                ]
    return []


def _year_rules(report: dict, last_year: dict, t: QualityThresholds) -> list[Finding]:
    findings = []
    floor, rise, fall = t.min_amount, t.year_rise, -t.year_fall
    for metric, key in _COMPARED_KEYS:
        value, compared = report[key], last_year[key]
        if value.__class__ is not Decimal:
            value = Decimal(value)
        if compared.__class__ is not Decimal:
            compared = Decimal(compared)
        # _compared(value, compared, floor), inline
        if not (value > 0 and compared > 0 and (value >= floor or compared >= floor)):
            continue
        change = value / compared - 1
        if change > rise or change < fall:
            findings.append(
                Finding(
                    FlagRule.YEAR_CHANGE,
                    metric,
                    {
                        "value": _text(value),
                        "compared": _text(compared),
                        "change": _percent(change),
                        "rise": _percent(t.year_rise),
                        "fall": _percent(t.year_fall),
                    },
                )
            )
    return findings


def check_report(
    report: dict,
    *,
    previous: dict | None = None,
    last_year: dict | None = None,
    thresholds: QualityThresholds | None = None,
) -> list[Finding]:
    """Return the rules a month's figures break, on their own and against the month before
    (``previous``) and the same month a year earlier (``last_year``).

    Each argument maps the metrics (``Metric`` values) to the report's figures.
    """
    t = thresholds or QualityThresholds.from_settings()
    findings = _ratio_rules(report, t)
    if previous is not None:
        findings += _month_rules(report, previous, t)
    if last_year is not None:
        findings += _year_rules(report, last_year, t)
    return findings


# What each rule says; ``money`` marks the parameters written as amounts (万元).
MESSAGES = {
    FlagRule.VALUE_ADDED_OVER_OUTPUT: _(
        "Value added %(value)s exceeds the gross output %(compared)s (万元)."
    ),
    FlagRule.TAX_OVER_REVENUE: _(
        "Tax %(value)s exceeds the operating revenue %(compared)s (万元)."
    ),
    FlagRule.PROFIT_OVER_REVENUE: _(
        "Profit %(value)s exceeds the operating revenue %(compared)s (万元)."
    ),
    FlagRule.NO_EMPLOYEES: _("Gross output %(compared)s 万元 with no employees at month end."),
    FlagRule.MONTH_JUMP: _(
        "%(metric)s %(value)s against %(compared)s last month: ×%(factor)s (flagged beyond "
        "×%(limit)s or below ÷%(limit)s)."
    ),
    FlagRule.YEAR_CHANGE: _(
        "%(metric)s %(value)s against %(compared)s in the same month last year: "
        "%(change)s%% (flagged above +%(rise)s%% or below −%(fall)s%%)."
    ),
    FlagRule.EMPLOYEES_CHANGE: _(
        "Employees %(value)s against %(compared)s last month: %(change)s%% (flagged beyond "
        "±%(limit)s%%)."
    ),
    FlagRule.ELECTRICITY_VS_OUTPUT: _(
        "Electricity %(value)s%% while gross output %(compared)s%% against last month: "
        "opposite directions more than %(limit)s points apart."
    ),
}
# The rules whose ``value`` and ``compared`` are amounts (the others: people, percentages).
MONEY_RULES = {
    FlagRule.VALUE_ADDED_OVER_OUTPUT,
    FlagRule.TAX_OVER_REVENUE,
    FlagRule.PROFIT_OVER_REVENUE,
    FlagRule.NO_EMPLOYEES,
    FlagRule.MONTH_JUMP,
    FlagRule.YEAR_CHANGE,
}
PARAMS = ("value", "compared", "factor", "limit", "change", "rise", "fall")


def _money(value) -> str:
    try:
        return format_number(Decimal(value), 2)
    except (ArithmeticError, TypeError, ValueError):
        return str(value)


def flag_message(rule: str, metric: str, params: dict) -> str:
    """Return what a flag says, in the active language, with the numbers it compared."""
    template = MESSAGES.get(rule)
    if template is None:
        return str(rule)
    values = {key: str(params.get(key, "")) for key in PARAMS}
    if rule in MONEY_RULES:
        values["value"], values["compared"] = _money(values["value"]), _money(values["compared"])
    values["metric"] = str(Metric(metric).label) if metric in Metric.values else metric
    return str(template) % values
