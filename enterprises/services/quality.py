"""Data-quality flags of the monthly figures: kept in step with every write, and explained.

``refresh_figure_flags`` runs wherever the year-to-date rollup is refreshed (forms, admin, API,
the seed: ``refresh_monthly_ytd``; the bulk import once at its end), so no path writes reports
without their flags. It is set-based: a few queries per 500 enterprises, whatever the rows. On
PostgreSQL the database first screens out the reports on which no rule can fire (most of
them), and Python checks only the reports it lets through.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from itertools import groupby, islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.scoping import in_scope

from ..choices import FlagRule, Metric
from ..models import EXPLANATION_MAX, FigureFlag, MonthlyReport
from ..quality import COMPARED_METRICS, QualityThresholds, check_report

CHUNK = 500
REPORT_FIELDS = ("id", "enterprise_id", "period", *Metric.values)


def _chunks(values, size: int = CHUNK):
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


# The parameters that hold the figures a flag compared (the others are thresholds, or derived
# from these): an explanation answers these numbers.
NUMBER_KEYS = ("value", "compared", "figures")


def _same_numbers(flag: FigureFlag, params: dict) -> bool:
    """Return whether a flag that still holds compares the numbers its explanation answered.

    A threshold moving does not void an explanation; any figure the rule read changing does
    (the reporter's own, or the month it is compared with). A key the stored flag lacks (a flag
    written before the rule recorded it) is not compared.
    """
    return all(flag.params.get(key) == params.get(key) for key in NUMBER_KEYS if key in flag.params)


def refresh_figure_flags(*, pairs: Iterable[tuple[int, int]], acting_user=None) -> int:
    """Recompute the flags of these (enterprise id, year) pairs' reports; return the changes.

    A report of year Y is compared with the months before it and a year earlier, so a pair
    also recomputes year Y + 1 (its January and its same months read year Y). A flag that still
    holds with the same numbers keeps its explanation; one that holds with new numbers loses it
    (history keeps the old one); one that no longer holds is deleted.
    """
    years_of: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, year in pairs:
        years_of[enterprise_id].update((year, year + 1))
    if not years_of:
        return 0
    thresholds = QualityThresholds.from_settings()
    changed = 0
    with transaction.atomic():
        for ids in _chunks(sorted(years_of)):
            if connection.vendor == "postgresql" and _screenable(thresholds):
                wanted = _screened_wanted_flags(ids, years_of, thresholds)
            else:
                wanted = _wanted_flags(ids, years_of, thresholds)
            years = set().union(*(years_of[e] for e in ids))
            # By their reports, not their own enterprise and month: a report moved to another
            # enterprise or month takes its flags along. Those of the reports checked (their
            # enterprise's years) are recomputed.
            reports = MonthlyReport.objects.filter(_in_years(years), enterprise_id__in=ids)
            flags = (
                FigureFlag.objects.filter(report__in=reports.values("pk"))
                .annotate(
                    report_enterprise=F("report__enterprise_id"), report_period=F("report__period")
                )
                .order_by()
            )
            existing = {
                (flag.report_id, flag.rule, flag.metric): flag
                for flag in flags
                if flag.report_period.year in years_of[flag.report_enterprise]
            }
            changed += _write_flags(wanted, existing, acting_user=acting_user)
    return changed


def _in_years(years: Iterable[int]) -> Q:
    """Return the condition "period in one of ``years``" as date ranges (contiguous years
    merged), which the (enterprise, period) index serves; ``period__year__in`` would not."""
    condition = Q()
    for first, last in _year_runs(years):
        condition |= Q(
            period__gte=datetime.date(first, 1, 1), period__lt=datetime.date(last + 1, 1, 1)
        )
    return condition


def _wanted_flags(ids, years_of, thresholds):
    """Return the flags the enterprises' reports should have, keyed by (report, rule, metric)
    (one query).

    Each report is checked against the enterprise's month before and same month a year
    earlier; the reports are read as tuples, unordered (the model's ordering would join the
    enterprises to sort them), and made dicts once.
    """
    years = set().union(*(years_of[e] for e in ids))
    rows = (
        MonthlyReport.objects.filter(
            _in_years(years | {y - 1 for y in years}), enterprise_id__in=ids
        )
        .order_by()
        .values_list(*REPORT_FIELDS)
    )
    by_key = {(row[1], row[2]): dict(zip(REPORT_FIELDS, row, strict=True)) for row in rows}
    wanted: dict[tuple[int, str, str], tuple[dict, dict]] = {}
    months_before: dict[datetime.date, datetime.date] = {}
    years_before: dict[datetime.date, datetime.date] = {}
    for (enterprise_id, period), report in by_key.items():
        if period.year not in years_of[enterprise_id]:
            continue
        if period not in months_before:
            months_before[period] = _month_before(period)
            years_before[period] = period.replace(year=period.year - 1)
        previous = by_key.get((enterprise_id, months_before[period]))
        last_year = by_key.get((enterprise_id, years_before[period]))
        for finding in check_report(
            report, previous=previous, last_year=last_year, thresholds=thresholds
        ):
            wanted[(report["id"], finding.rule, finding.metric)] = (report, finding.params)
    return wanted


# A margin far above the rounding of the rules' Decimal arithmetic (28 digits, 5e-28 of each
# result): the screen below lets through every report on which a rule could fire, and a few more.
_MARGIN = Decimal("1e-9")


# The rules ``_screen_sql`` has a clause for. A rule added to FlagRule without its clause would
# be screened out on PostgreSQL and never flagged there: until it is added here (with its
# clause), the screen stands aside and every report is checked in Python.
SCREENED_RULES = frozenset(
    {
        FlagRule.VALUE_ADDED_OVER_OUTPUT,
        FlagRule.TAX_OVER_REVENUE,
        FlagRule.PROFIT_OVER_REVENUE,
        FlagRule.NO_EMPLOYEES,
        FlagRule.MONTH_JUMP,
        FlagRule.YEAR_CHANGE,
        FlagRule.EMPLOYEES_CHANGE,
        FlagRule.ELECTRICITY_VS_OUTPUT,
    }
)


def _screenable(t: QualityThresholds) -> bool:
    """Return whether the screen covers every rule and the thresholds are of the signs its
    inequalities assume (the defaults' and any sensible setting's); otherwise every report is
    checked in Python."""
    return (
        set(FlagRule) <= SCREENED_RULES
        and min(t.value_added_ratio, t.tax_ratio, t.profit_ratio) >= 0
        and t.month_factor >= 1
        and t.year_rise >= 0
        and 0 <= t.year_fall < 1
        and t.employees_change >= 0
        and t.electricity_gap >= 0
    )


def _screen_sql(t: QualityThresholds) -> tuple[str, list]:
    """Return the condition, on a report ``r``, its month before ``p`` and its same month a year
    earlier ``y`` (each may be missing), under which some rule *could* fire, and its parameters.

    Exact (PostgreSQL's numeric arithmetic), with each rule's products and ratios loosened by
    ``_MARGIN``, which is far above the rounding of the rules' Decimals: every report that
    breaks a rule passes (for ``_screenable`` thresholds). Those that pass are checked by
    ``check_report``, which decides. The bounds, with q = round(value / compared) within
    5e-28 of it: q > limit implies value > compared × limit × (1 − m); round(q × limit) < 1
    implies q × limit < 1, so value < compared × (1 + m) / limit; round(q − 1) > rise implies
    value > compared × (1 + rise) × (1 − m); round(q − 1) < −fall (fall < 1) implies
    value < compared × ((1 − fall) × (1 + m) + m); a product rounded below a figure stays
    above the exact product × (1 − m); the two changes of electricity and output are compared
    cross-multiplied by both months before, with m times the sizes as slack.
    (tests/enterprises/services/test_quality.py checks the screen against checking every
    report, at and a cent around each threshold.)
    """
    m = _MARGIN
    parts, params = [], []
    for metric, base, name in _RATIO_SCREEN:
        # value > round(compared × ratio) ⇒ value > compared × ratio × (1 − m)
        parts.append(f"(r.{metric} > 0 AND r.{metric} > r.{base} * %s)")
        params.append(getattr(t, name) * (1 - m))
    parts.append("(r.employees = 0 AND r.output_value > %s)")
    params.append(t.output_without_employees)
    compared = [metric.value for metric in COMPARED_METRICS]
    # factor = round(value / compared) > limit, or round(factor × limit) < 1
    high, low = t.month_factor * (1 - m), (1 + m) / t.month_factor
    month = [
        f"(r.{metric} > 0 AND p.{metric} > 0 AND (r.{metric} >= %s OR p.{metric} >= %s)"
        f" AND (r.{metric} > p.{metric} * %s OR r.{metric} < p.{metric} * %s))"
        for metric in compared
    ]
    params += [t.min_amount, t.min_amount, high, low] * len(compared)
    month.append("(p.employees <> 0 AND abs(r.employees - p.employees) > p.employees * %s)")
    params.append(t.employees_change * (1 - m))
    # |output's change − electricity's| > gap, cross-multiplied by both months before
    month.append(
        "(r.output_value > 0 AND p.output_value > 0 AND r.electricity > 0 AND p.electricity > 0"
        " AND abs(r.output_value * p.electricity - r.electricity * p.output_value)"
        " > p.output_value * p.electricity * %s"
        " - %s * (r.output_value * p.electricity + r.electricity * p.output_value))"
    )
    params += [t.electricity_gap - m * (2 + t.electricity_gap), m]
    parts.append(f"(p.id IS NOT NULL AND ({' OR '.join(month)}))")
    # change = round(value / compared) − 1 > rise, or < −fall
    high, low = (1 + t.year_rise) * (1 - m), (1 - t.year_fall) * (1 + m) + m
    year = [
        f"(r.{metric} > 0 AND y.{metric} > 0 AND (r.{metric} >= %s OR y.{metric} >= %s)"
        f" AND (r.{metric} > y.{metric} * %s OR r.{metric} < y.{metric} * %s))"
        for metric in compared
    ]
    params += [t.min_amount, t.min_amount, high, low] * len(compared)
    parts.append(f"(y.id IS NOT NULL AND ({' OR '.join(year)}))")
    return " OR ".join(parts), params


# The ratio rules of ``quality._RATIO_RULES``: the metric, the one it may not exceed, the
# threshold's name.
_RATIO_SCREEN = (
    ("value_added", "output_value", "value_added_ratio"),
    ("tax", "revenue", "tax_ratio"),
    ("profit", "revenue", "profit_ratio"),
)


def _screened_wanted_flags(ids, years_of, thresholds):
    """``_wanted_flags`` on PostgreSQL: the database screens the reports (``_screen_sql``) and
    returns only those on which a rule could fire, each with its month before and same month
    a year earlier; ``check_report`` decides. One query; most reports break no rule, so most
    are neither sent nor checked in Python."""
    years = set().union(*(years_of[e] for e in ids))
    condition, condition_params = _screen_sql(thresholds)
    table = connection.ops.quote_name(MonthlyReport._meta.db_table)
    columns = ", ".join(f"{alias}.{field}" for alias in "rpy" for field in REPORT_FIELDS)
    ranges = " OR ".join(["(r.period >= %s AND r.period < %s)"] * len(_year_runs(years)))
    bounds = [
        day
        for first, last in _year_runs(years)
        for day in (datetime.date(first, 1, 1), datetime.date(last + 1, 1, 1))
    ]
    sql = (
        f"SELECT {columns} FROM {table} r"
        f" LEFT JOIN {table} p ON p.enterprise_id = r.enterprise_id"
        " AND p.period = (r.period - interval '1 month')::date"
        f" LEFT JOIN {table} y ON y.enterprise_id = r.enterprise_id"
        " AND y.period = (r.period - interval '1 year')::date"
        f" WHERE r.enterprise_id = ANY(%s) AND ({ranges}) AND ({condition})"
    )
    size = len(REPORT_FIELDS)
    wanted: dict[tuple[int, str, str], tuple[dict, dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), *bounds, *condition_params])
        found = cursor.fetchall()
    for row in found:
        report = dict(zip(REPORT_FIELDS, row[:size], strict=True))
        if report["period"].year not in years_of[report["enterprise_id"]]:
            continue
        previous, last_year = row[size : 2 * size], row[2 * size :]
        for finding in check_report(
            report,
            previous=None
            if previous[0] is None
            else dict(zip(REPORT_FIELDS, previous, strict=True)),
            last_year=None
            if last_year[0] is None
            else dict(zip(REPORT_FIELDS, last_year, strict=True)),
            thresholds=thresholds,
        ):
            wanted[(report["id"], finding.rule, finding.metric)] = (report, finding.params)
    return wanted


def _year_runs(years) -> list[tuple[int, int]]:
    """Return ``years`` as runs of contiguous years, (first, last) each."""
    runs = []
    for _key, run in groupby(enumerate(sorted(years)), key=lambda pair: pair[1] - pair[0]):
        run = [year for _index, year in run]
        runs.append((run[0], run[-1]))
    return runs


def _write_flags(wanted: dict, existing: dict, *, acting_user) -> int:
    """Create, update and delete flags so ``existing`` becomes ``wanted``; return the changes."""
    stale = [flag.pk for key, flag in existing.items() if key not in wanted]
    new, updated = [], []
    for key, (report, params) in wanted.items():
        flag = existing.get(key)
        if flag is None:
            new.append(
                FigureFlag(
                    report_id=report["id"],
                    enterprise_id=report["enterprise_id"],
                    period=report["period"],
                    rule=key[1],
                    metric=key[2],
                    params=params,
                )
            )
        elif (
            flag.params != params
            or flag.enterprise_id != report["enterprise_id"]
            or flag.period != report["period"]
        ):
            if not _same_numbers(flag, params) or flag.period != report["period"]:
                flag.explanation, flag.explained_by, flag.explained_at = "", None, None
            flag.params = params
            flag.enterprise_id, flag.period = report["enterprise_id"], report["period"]
            updated.append(flag)
    if stale:
        FigureFlag.objects.filter(pk__in=stale).delete()
    if new:
        bulk_create_with_history(new, FigureFlag, batch_size=1000, default_user=acting_user)
    if updated:
        bulk_update_with_history(
            updated,
            FigureFlag,
            ["params", "enterprise", "period", "explanation", "explained_by", "explained_at"],
            batch_size=1000,
            default_user=acting_user,
        )
    return len(stale) + len(new) + len(updated)


def _month_before(period: datetime.date) -> datetime.date:
    return (period - datetime.timedelta(days=1)).replace(day=1)


def rebuild_figure_flags() -> int:
    """Recompute every report's flags (after the thresholds changed); return the changes."""
    pairs = set(MonthlyReport.objects.values_list("enterprise_id", "period__year").distinct())
    return refresh_figure_flags(pairs=pairs)


def can_explain_flag(user, flag: FigureFlag) -> bool:
    """Return whether ``user`` may explain ``flag``: who may change the report, in scope."""
    return bool(
        user
        and user.is_authenticated
        and user.has_perm("enterprises.change_monthlyreport")
        and in_scope(user, flag.report)
    )


@transaction.atomic
def explain_figure_flag(
    *, flag: FigureFlag, explanation: str, acting_user, now: datetime.datetime
) -> FigureFlag:
    """Record the reporter's reason for a flagged figure (kept with the flag's history).

    Refused for a user who may not change the report, an empty reason or one longer than
    ``EXPLANATION_MAX``. A blank reason is refused rather than clearing one: a figure that was
    wrong is corrected instead, which recomputes its flags.
    """
    if not can_explain_flag(acting_user, flag):
        raise PermissionDenied(_("Only those who may change this report explain its flags."))
    explanation = (explanation or "").strip()
    if not explanation:
        raise ValidationError(
            {"explanation": _("Say why the figure is right, or correct it instead.")}
        )
    if len(explanation) > EXPLANATION_MAX:
        raise ValidationError(
            {
                "explanation": _("Write at most %(limit)s characters (this text has %(length)s).")
                % {"limit": EXPLANATION_MAX, "length": len(explanation)}
            }
        )
    flag = FigureFlag.objects.select_for_update().get(pk=flag.pk)
    flag.explanation = explanation
    flag.explained_by = acting_user
    flag.explained_at = now
    flag._history_user = acting_user
    flag._history_date = now
    flag.save(update_fields=["explanation", "explained_by", "explained_at"])
    return flag
