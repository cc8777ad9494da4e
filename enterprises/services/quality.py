"""Data-quality flags of the monthly figures: kept in step with every write, and explained.

``refresh_figure_flags`` runs wherever the year-to-date rollup is refreshed (forms, admin, API,
the seed: ``refresh_monthly_ytd``; the bulk import once at its end), so no path writes reports
without their flags. It is set-based: a few queries per 500 enterprises, whatever the rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.scoping import in_scope

from ..choices import Metric
from ..models import EXPLANATION_MAX, FigureFlag, MonthlyReport
from ..quality import QualityThresholds, check_report

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
            wanted, recomputed = _wanted_flags(ids, years_of, thresholds)
            years = set().union(*(years_of[e] for e in ids))
            # By their reports, not their own enterprise and month: a report moved to another
            # enterprise or month takes its flags along.
            reports = MonthlyReport.objects.filter(
                enterprise_id__in=ids, period__year__in=sorted(years)
            )
            existing = {
                (flag.report_id, flag.rule, flag.metric): flag
                for flag in FigureFlag.objects.filter(report__in=reports.values("pk"))
                if flag.report_id in recomputed
            }
            changed += _write_flags(wanted, existing, acting_user=acting_user)
    return changed


def _wanted_flags(ids, years_of, thresholds):
    """Return the flags the enterprises' reports should have, keyed by (report, rule, metric),
    and the ids of the reports checked (one query)."""
    years = set().union(*(years_of[e] for e in ids))
    reports = MonthlyReport.objects.filter(
        enterprise_id__in=ids, period__year__in=sorted(years | {y - 1 for y in years})
    ).values(*REPORT_FIELDS)
    by_key = {(r["enterprise_id"], r["period"]): r for r in reports}
    wanted: dict[tuple[int, str, str], tuple[dict, dict]] = {}
    recomputed: set[int] = set()
    for (enterprise_id, period), report in by_key.items():
        if period.year not in years_of[enterprise_id]:
            continue
        recomputed.add(report["id"])
        previous = by_key.get((enterprise_id, _month_before(period)))
        last_year = by_key.get((enterprise_id, period.replace(year=period.year - 1)))
        for finding in check_report(
            report, previous=previous, last_year=last_year, thresholds=thresholds
        ):
            wanted[(report["id"], finding.rule, finding.metric)] = (report, finding.params)
    return wanted, recomputed


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
