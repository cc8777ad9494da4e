"""The demo's data-quality flags: a few planted in the month to close next, the rest explained.

Last month (the month the economic bureau closes next) holds one figure entered in 千元 instead of
万元 (its output, ten times too large: left unexplained, so the close asks about it; a figure in
元 would be ten thousand times too large and swamp every total of the demo's pages)
and one real jump (a production line commissioned: output, value added, revenue and power
nearly tripled, explained by the sponsoring department). Before each month is closed, its
departments explain the flags the ordinary figures raise (taxes paid by the quarter, the
epidemic's low base), as they would before the close.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from enterprises.choices import FlagRule, Metric
from enterprises.models import Assignment, FigureFlag
from enterprises.services.quality import can_explain_flag, explain_figure_flag

from ..article.common import _rng, at

UNIT_ERROR = Decimal(10)  # 千元 entered as 万元
JUMP = Decimal("2.8")
JUMP_METRICS = (Metric.OUTPUT_VALUE, Metric.VALUE_ADDED, Metric.REVENUE, Metric.ELECTRICITY)
JUMP_REASON = (
    "企业新建生产线于本月正式投产，产值、营收和用电量较上月大幅增长，"
    "已核对销售发票和电费单，数据属实。"
)
REASONS = {
    (FlagRule.YEAR_CHANGE, 2021): "上年同期受新冠肺炎疫情停产影响，基数偏低，同比增幅较大属实。",
    # 恒通: its PP cotton line went into production in March 2021 and ramped up that year.
    (FlagRule.YEAR_CHANGE, 2022): "上年同期企业新生产线尚在试产爬坡，基数偏低，同比增幅较大属实。",
    Metric.TAX: "增值税按季申报缴纳，当月入库税额随申报期波动，已与税务部门核对。",
    Metric.EMPLOYEES: "企业季节性用工调整，已核对工资发放名册。",
}
DEFAULT_REASON = "企业订单集中交付，当月数据波动属实，已与企业财务核对。"


def last_month(until: datetime.date) -> datetime.date:
    return (until.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def plant_quality_flags(rows: list[dict], until: datetime.date) -> None:
    """Plant last month's unit error and real jump into the figures about to be written.

    The unit error only while last month is still open on ``until`` (once the demo closes it,
    its departments would have corrected the figure).
    """
    period = last_month(until)
    candidates = sorted(
        (row for row in rows if row["period"] == period and row["output_value"] > 100),
        key=lambda row: row["enterprise_id"],
    )
    if len(candidates) < 2:
        return
    rng = _rng(f"quality/{period:%Y-%m}")
    jump, error = rng.sample(candidates, 2)
    for metric in JUMP_METRICS:
        jump[metric] = (jump[metric] * JUMP).quantize(Decimal("0.01"))
    from .closes import close_time  # closes.py explains the flags before each close

    if close_time(period).date() > until:
        error[Metric.OUTPUT_VALUE] = error[Metric.OUTPUT_VALUE] * UNIT_ERROR


def _reason(flag: FigureFlag) -> str | None:
    if flag.period.year == 2021 and flag.rule == FlagRule.YEAR_CHANGE:
        return REASONS[(FlagRule.YEAR_CHANGE, 2021)]
    if flag.period.year == 2022 and flag.rule == FlagRule.YEAR_CHANGE and flag.metric != Metric.TAX:
        return REASONS[(FlagRule.YEAR_CHANGE, 2022)]
    if flag.params.get("value") and flag.metric == Metric.OUTPUT_VALUE:
        value, compared = Decimal(flag.params["value"]), Decimal(flag.params.get("compared") or 0)
        if compared and value / compared >= UNIT_ERROR * Decimal("0.8"):
            return None  # a unit error: corrected, never explained
    return REASONS.get(flag.metric, DEFAULT_REASON)


def explain_month_flags(period: datetime.date, users, *, before: datetime.datetime) -> int:
    """Explain the month's unexplained flags as the sponsoring departments would, before
    ``before`` (the close); return how many."""
    flags = list(FigureFlag.objects.filter(period=period, explanation="").select_related("report"))
    if not flags:
        return 0
    sponsors = dict(
        Assignment.objects.filter(
            year=period.year, enterprise_id__in={flag.enterprise_id for flag in flags}
        ).values_list("enterprise_id", "department_id")
    )
    explained = 0
    for flag in flags:
        reason = _reason(flag)
        if reason is None:
            continue
        user = users.by_department.get(sponsors.get(flag.enterprise_id))
        if user is None or not can_explain_flag(user, flag):
            user = users.bureau
        if user is None:
            continue
        minutes = _rng(f"explain/{flag.report_id}/{flag.rule}/{flag.metric}").randint(30, 600)
        when = min(at(before.date(), 9, 0), before) - datetime.timedelta(minutes=minutes)
        explain_figure_flag(flag=flag, explanation=reason, acting_user=user, now=when)
        explained += 1
    return explained


def explain_months_unclosed(months, users) -> int:
    """Explain the flags of months the demo never closes (the years between the article's and
    last year, figures only): the economic bureau did, by the day a close would have been."""
    from .closes import close_time

    return sum(explain_month_flags(period, users, before=close_time(period)) for period in months)


def explain_planted_jump(until: datetime.date, users) -> int:
    """Explain last month's planted jump (its department did, the day it reported)."""
    period = last_month(until)
    flags = [
        flag
        for flag in FigureFlag.objects.filter(
            period=period,
            explanation="",
            metric__in=JUMP_METRICS,
            rule__in=(FlagRule.MONTH_JUMP, FlagRule.YEAR_CHANGE),
        ).select_related("report")
        if _reason(flag) is not None
    ]
    # The jump moved every one of its metrics; a lone flag is another enterprise's own.
    metrics_of: dict[int, set] = {}
    for flag in flags:
        metrics_of.setdefault(flag.enterprise_id, set()).add(flag.metric)
    explained = 0
    for flag in flags:
        if len(metrics_of[flag.enterprise_id]) < len(JUMP_METRICS):
            continue
        sponsor = (
            Assignment.objects.filter(year=period.year, enterprise_id=flag.enterprise_id)
            .values_list("department_id", flat=True)
            .first()
        )
        user = users.by_department.get(sponsor) or users.bureau
        if user is None or not can_explain_flag(user, flag):
            user = users.bureau
        when = min(flag.report.submitted_at + datetime.timedelta(hours=2), at(until, 9, 0))
        explain_figure_flag(flag=flag, explanation=JUMP_REASON, acting_user=user, now=when)
        explained += 1
    return explained
