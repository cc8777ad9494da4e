"""The monthly bulletin (月通报) of a closed month: what it holds, as stored at its close."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from dataclasses import replace as replace_fields
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import indicators
from core.indicators import time_progress
from core.periods import format_period
from enterprises.choices import PeriodStatus
from enterprises.models import Period
from projects.choices import Stage

from ..choices import NoticeStatus, RankedMetric
from ..formats import (
    DASH,
    Rate,
    as_decimal,
    display_places,
    format_money,
    format_percent,
    percent_value,
)
from ..models import BulletinIssue, RankingSnapshot
from ..projections import Projection
from ..ranking import RankingRow
from ..selectors.zone import ZoneStats
from .issue import ensure_bulletin_issue

# Every ranked metric is money in 万元 except these two.
UNITS = {
    RankedMetric.EMPLOYEES: gettext_lazy("persons"),
    RankedMetric.ELECTRICITY: gettext_lazy("10k kWh"),
}
MONEY_UNIT = gettext_lazy("10k CNY")
ENTERPRISE_UNIT = pgettext_lazy("unit of a count", "enterprises")
COUNT_METRICS = (RankedMetric.EMPLOYEES,)


class MonthNotClosed(Exception):
    """The month has no bulletin because it has not been closed."""

    def __init__(self, period: datetime.date):
        super().__init__(f"{period:%Y-%m} is not closed")
        self.period = period


def format_amount(value: Decimal, metric: str) -> str:
    """Return a metric's amount: whole persons for employees, else two decimals."""
    if metric in COUNT_METRICS:
        return f"{int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"
    return format_money(value)


def metric_unit(metric: str) -> Promise:
    """Return the unit a metric is counted in."""
    return UNITS.get(metric, MONEY_UNIT)


def month_label(period: datetime.date) -> str:
    """Return a month as the active language writes it (2021年11月, November 2021)."""
    return formats.date_format(period, "YEAR_MONTH_FORMAT")


def change_phrase(rate: Rate | None) -> str:
    """Return a year-on-year change as the article words it: up X%, down X% or no comparison."""
    value = percent_value(rate)
    if value is None:
        return _("no figure for the same period last year")
    if value > 0:
        return _("up %(rate)s year on year") % {"rate": format_percent(rate)}
    if value < 0:
        return _("down %(rate)s year on year") % {"rate": format_percent(-as_decimal(rate))}
    return _("flat year on year")


# What the bulletin holds.


# A metric's ranking in the bulletin holds the rows of the ranking itself (snapshot.to_row).
RankingLine = RankingRow
# A year-end projection in the bulletin is the projection itself, as computed at the close.
ProjectionLine = Projection


@dataclass(frozen=True)
class MetricRanking:
    """A ranked metric's table: every department with members, best first."""

    metric: str
    rows: tuple[RankingLine, ...]

    @property
    def label(self) -> str:
        return str(RankedMetric(self.metric).label)

    @property
    def unit(self) -> Promise:
        return metric_unit(self.metric)

    @property
    def lagging_count(self) -> int:
        return sum(row.lagging for row in self.rows)


@dataclass(frozen=True)
class LaggingLine:
    """A department behind time progress on a metric, with the 督办 notice it was sent."""

    metric: str
    department_code: str
    department_name: str
    completion_rate: Rate
    time_progress: Rate
    gap: Rate
    notice_due_on: datetime.date | None
    notice_status: str
    notice_overdue: bool

    @property
    def places(self) -> int:
        return display_places(self.completion_rate, self.time_progress)

    @property
    def metric_label(self) -> str:
        return str(RankedMetric(self.metric).label)

    @property
    def status_label(self) -> str:
        return str(NoticeStatus(self.notice_status).label) if self.notice_status else DASH


@dataclass(frozen=True)
class CompletenessLine:
    """How many of a department's enterprises reported the month's figures."""

    department_code: str
    department_name: str
    members: int
    reported: int

    @property
    def rate(self) -> Fraction:
        return indicators.completeness(self.reported, self.members)


@dataclass(frozen=True)
class VisitComplianceLine:
    """A sponsoring department's visit duty windows of the month (到企帮扶), as at the close.

    The windows are its head's monthly one and its responsible persons' weekly ones; a window
    is met, missed (ended without a visit) or still due on the close's day.
    """

    department_code: str
    department_name: str
    met: int
    missed: int
    due: int

    @property
    def compliance(self) -> Fraction | None:
        """Return met / (met + missed), or None when no window counts yet."""
        counted = self.met + self.missed
        return Fraction(self.met, counted) if counted else None


@dataclass(frozen=True)
class StageLine:
    """The projects in one stage on the month's last day and their total planned investment."""

    stage: str
    projects: int
    planned_investment: Decimal

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label)


@dataclass(frozen=True)
class OverdueProblemLine:
    """A department's problems past their due date by the end of the month, still unresolved."""

    department_code: str
    department_name: str  # empty for problems not yet assigned to a department
    problems: int
    earliest_due_on: datetime.date


@dataclass(frozen=True)
class OverdueNoticeLine:
    """A 督办 notice unanswered on the month's last day, after its due date."""

    department_name: str
    period: datetime.date
    metric: str
    due_on: datetime.date
    days_overdue: int

    @property
    def metric_label(self) -> str:
        return str(RankedMetric(self.metric).label)


@dataclass(frozen=True)
class ZoneLine:
    """One zone figure: an amount of 万元 with its growth, or a count of enterprises."""

    label: str
    value: Decimal | int
    yoy: Fraction | None = None

    @property
    def is_money(self) -> bool:
        return isinstance(self.value, Decimal)

    @property
    def unit(self) -> Promise:
        return MONEY_UNIT if self.is_money else ENTERPRISE_UNIT


@dataclass(frozen=True)
class Bulletin:
    """Everything the monthly bulletin of a closed month holds, as stored at its close.

    Rankings, lagging departments and completeness come from the month's snapshot, zone
    statistics from its locked reports; projects by stage and the overdue problems and notices
    are as at the month's last day (``as_at``); visit compliance as judged on the close's day
    (``today``, the close's date in the zone). ``versions`` are the earlier issues of the month,
    superseded by a close after a reopen.
    """

    period: datetime.date
    today: datetime.date
    closed_at: datetime.datetime | None
    zone: ZoneStats
    rankings: tuple[MetricRanking, ...]
    lagging: tuple[LaggingLine, ...]
    completeness: tuple[CompletenessLine, ...]
    visit_compliance: tuple[VisitComplianceLine, ...]
    projects: tuple[StageLine, ...]
    overdue_problems: tuple[OverdueProblemLine, ...]
    overdue_notices: tuple[OverdueNoticeLine, ...]
    # Each ranked metric's zone projection, then its departments projected to miss; None for a
    # bulletin stored before projections existed (it has no such section).
    projections: tuple[ProjectionLine, ...] | None = None
    number: int | None = None
    document_number: str = ""
    as_at: datetime.date | None = None
    versions: tuple[BulletinVersion, ...] = ()
    issue_id: int | None = None  # the stored issue read (its files are kept by it)
    # The month's flagged figures at the close and how many were explained (None: a bulletin
    # stored before the data-quality gate).
    flags: int | None = None
    flags_explained: int = 0

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def month(self) -> int:
        return self.period.month

    @property
    def period_text(self) -> str:
        return format_period(self.period)

    @property
    def month_label(self) -> str:
        return month_label(self.period)

    @property
    def title(self) -> str:
        return _(
            "Hengkou Demonstration Zone bulletin on the sponsorship of key industrial "
            "enterprises, %(month)s"
        ) % {"month": self.month_label}

    @property
    def closed_on(self) -> datetime.date | None:
        return timezone.localdate(self.closed_at) if self.closed_at else None

    @property
    def time_progress(self) -> Fraction:
        return time_progress(self.month)

    @property
    def data_quality_note(self) -> str:
        """Return how many flags the month's figures had at the close, and how many explained."""
        if self.flags is None:
            return ""
        if not self.flags:
            return _("Data quality: no figure of the month was flagged by the checks.")
        return _(
            "Data quality: the checks raised %(flags)s flag(s) on the month's figures (one per "
            "rule a figure breaks); %(explained)s were explained by their reporters, "
            "%(unexplained)s were not."
        ) % {
            "flags": self.flags,
            "explained": self.flags_explained,
            "unexplained": self.flags - self.flags_explained,
        }

    @property
    def summary(self) -> str:
        """Return the zone statistics as the article's opening sentence words them."""
        zone = self.zone
        return _(
            "As of %(month)s, above-scale industrial output in the zone totalled %(output)s "
            "(10k CNY) year to date, %(output_change)s; industrial investment totalled "
            "%(investment)s (10k CNY), %(investment_change)s; tech-renovation investment "
            "totalled %(tech)s (10k CNY), %(tech_change)s. The zone sponsors %(enterprises)s "
            "key industrial enterprises and has %(above_scale)s enterprises above designated size."
        ) % {
            "month": self.month_label,
            "output": format_money(zone.above_scale_output),
            "output_change": change_phrase(zone.above_scale_output_yoy),
            "investment": format_money(zone.investment),
            "investment_change": change_phrase(zone.investment_yoy),
            "tech": format_money(zone.tech_investment),
            "tech_change": change_phrase(zone.tech_investment_yoy),
            "enterprises": zone.enterprises,
            "above_scale": zone.above_scale_enterprises,
        }

    @property
    def zone_lines(self) -> tuple[ZoneLine, ...]:
        """Return the zone figures, one line each."""
        zone = self.zone
        return (
            ZoneLine(
                _("Above-scale output YTD"), zone.above_scale_output, zone.above_scale_output_yoy
            ),
            ZoneLine(_("Industrial investment YTD"), zone.investment, zone.investment_yoy),
            ZoneLine(
                _("Tech-renovation investment YTD"), zone.tech_investment, zone.tech_investment_yoy
            ),
            ZoneLine(_("Sponsored enterprises"), zone.enterprises),
            ZoneLine(_("Above-scale enterprises"), zone.above_scale_enterprises),
        )

    @property
    def visit_compliance_total(self) -> VisitComplianceLine:
        """Return the windows of every department together: compliance over all of them."""
        lines = self.visit_compliance
        return VisitComplianceLine(
            department_code="",
            department_name="",
            met=sum(line.met for line in lines),
            missed=sum(line.missed for line in lines),
            due=sum(line.due for line in lines),
        )

    @property
    def projects_count(self) -> int:
        return sum(line.projects for line in self.projects)

    @property
    def projects_investment(self) -> Decimal:
        return sum((line.planned_investment for line in self.projects), Decimal("0.00"))


@dataclass(frozen=True)
class BulletinVersion:
    """An earlier issue of a month's bulletin, superseded when the month was closed again."""

    document_number: str
    closed_at: datetime.datetime
    built_at: datetime.datetime
    superseded_at: datetime.datetime


@dataclass(frozen=True)
class BulletinMonth:
    """A closed month that has a bulletin, with its document number once it is stored."""

    period: datetime.date
    closed_at: datetime.datetime | None
    document_number: str = ""

    @property
    def period_text(self) -> str:
        return format_period(self.period)

    @property
    def month_label(self) -> str:
        return month_label(self.period)


def closed_months() -> QuerySet[Period]:
    """Return the closed months, newest first, each with its current ``document_number``.

    The number is null until the month's issue is stored (a month closed before bulletins were
    stored gets it on the first read of its bulletin).
    """
    number = BulletinIssue.objects.filter(period=OuterRef("pk"), superseded_at__isnull=True).values(
        "document_number"
    )[:1]
    return (
        Period.objects.filter(status=PeriodStatus.CLOSED)
        .annotate(document_number=Subquery(number))
        .order_by("-period")
    )


def list_bulletin_months() -> list[BulletinMonth]:
    """Return the closed months, newest first, with their current document numbers. One query."""
    return [
        BulletinMonth(period=period, closed_at=closed_at, document_number=document_number or "")
        for period, closed_at, document_number in closed_months().values_list(
            "period", "closed_at", "document_number"
        )
    ]


def _decode(cls, data: dict):
    """Return a section line from its stored form: Decimals and dates back from their strings.

    Keys the dataclass does not have are left out, fields the content lacks take their default.
    """
    values = {}
    for field in fields(cls):
        if field.name not in data:
            continue
        value, kind = data[field.name], str(field.type)
        if value is not None and "Decimal" in kind:
            value = Decimal(value)
        elif value is not None and "Fraction" in kind:
            value = Fraction(value)
        elif value is not None and "date" in kind and "datetime.datetime" not in kind:
            value = datetime.date.fromisoformat(value)
        values[field.name] = value
    return cls(**values)


def _lines(cls, rows: list[dict]) -> tuple:
    return tuple(_decode(cls, row) for row in rows)


def _ranking_row(data: dict, *, month: int) -> RankingRow:
    """Return a stored snapshot row as the ranking row it was (RankingSnapshot.to_row)."""
    values = {}
    for field in RankingSnapshot._meta.concrete_fields:
        if field.attname not in data or field.primary_key:
            continue
        value = data[field.attname]
        if value is not None and isinstance(field, models.DecimalField):
            value = Decimal(value)
        values[field.attname] = value
    return RankingSnapshot(**values).to_row(month=month)


def _exact_lagging(lines: tuple, rankings: tuple) -> tuple:
    """Return the lagging lines with the exact rates of their ranking rows (not 9 places)."""
    rows = {
        (ranking.metric, row.department_code): row for ranking in rankings for row in ranking.rows
    }
    exact = []
    for line in lines:
        row = rows.get((line.metric, line.department_code))
        if row is not None and row.completion_rate is not None:
            line = replace_fields(
                line,
                completion_rate=row.completion_rate,
                time_progress=row.time_progress,
                gap=row.gap,
            )
        exact.append(line)
    return tuple(exact)


def bulletin_from_content(
    content: dict,
    *,
    closed_at: datetime.datetime | None,
    number: int | None = None,
    document_number: str = "",
    versions: tuple[BulletinVersion, ...] = (),
) -> Bulletin:
    """Return the Bulletin a stored content describes (see hengkou.bulletin.issue)."""
    period = datetime.date.fromisoformat(content["period"])
    rankings = tuple(
        MetricRanking(
            metric=ranking["metric"],
            rows=tuple(_ranking_row(row, month=period.month) for row in ranking["rows"]),
        )
        for ranking in content["rankings"]
    )
    return Bulletin(
        period=period,
        today=datetime.date.fromisoformat(content["closed_on"]),
        closed_at=closed_at,
        zone=_decode(ZoneStats, content["zone"]),
        rankings=rankings,
        lagging=_exact_lagging(_lines(LaggingLine, content["lagging"]), rankings),
        completeness=_lines(CompletenessLine, content["completeness"]),
        visit_compliance=_lines(VisitComplianceLine, content["visit_compliance"]),
        projects=_lines(StageLine, content["projects"]),
        overdue_problems=_lines(OverdueProblemLine, content["overdue_problems"]),
        overdue_notices=_lines(OverdueNoticeLine, content["overdue_notices"]),
        projections=(
            _lines(ProjectionLine, content["projections"]) if "projections" in content else None
        ),
        number=number if number is not None else content.get("number"),
        document_number=document_number or content.get("document_number", ""),
        as_at=datetime.date.fromisoformat(content["as_at"]),
        versions=versions,
        flags=content.get("data_quality", {}).get("flags"),
        flags_explained=content.get("data_quality", {}).get("explained", 0),
    )


def get_bulletin(*, period: datetime.date, now: datetime.datetime | None = None) -> Bulletin:
    """Return the bulletin of a closed month as stored at its close; else raise MonthNotClosed.

    Two queries: the month's current issue, and its earlier issues (superseded by a close
    after a reopen) for the history. A month closed before bulletins were stored has its
    year's missing issues built on this first read (``now`` dates that build; the close's
    time when not given).
    """
    period = period.replace(day=1)
    issue = (
        BulletinIssue.objects.filter(
            period__period=period,
            period__status=PeriodStatus.CLOSED,
            superseded_at__isnull=True,
        )
        .select_related("period")
        .first()
    )
    if issue is None:
        month = (
            Period.objects.filter(period=period, status=PeriodStatus.CLOSED)
            .values_list("closed_at")
            .first()
        )
        if month is None:
            raise MonthNotClosed(period)
        issue = ensure_bulletin_issue(period=period, now=now or month[0] or _first_instant(period))
        if issue is None:
            raise MonthNotClosed(period)
    versions = tuple(
        BulletinVersion(*row)
        for row in BulletinIssue.objects.filter(period=issue.period_id, superseded_at__isnull=False)
        .order_by("-closed_at", "-id")
        .values_list("document_number", "closed_at", "built_at", "superseded_at")
    )
    bulletin = bulletin_from_content(
        issue.content,
        closed_at=issue.closed_at,
        number=issue.number,
        document_number=issue.document_number,
        versions=versions,
    )
    return replace_fields(bulletin, issue_id=issue.pk)


def _first_instant(period: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(period, datetime.time.min))


def export_filenames(bulletin: Bulletin, extension: str) -> tuple[str, str]:
    """Return the file's name in the active language and its ASCII fallback."""
    name = _("Monthly bulletin")
    return (
        f"{name}-{bulletin.period_text}.{extension}",
        f"bulletin-{bulletin.period_text}.{extension}",
    )
