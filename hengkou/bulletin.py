"""The monthly bulletin (月通报) of a closed month: what it holds, and its Excel and Word files."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from dataclasses import replace as replace_fields
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from urllib.parse import urlencode

from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from core.exports import neutralise
from core.indicators import time_progress
from core.periods import format_period
from enterprises.choices import PeriodStatus
from enterprises.models import Period
from projects.choices import Stage

from .bulletin_content import ensure_bulletin_issue
from .choices import Light, NoticeStatus, RankedMetric
from .formats import (
    DASH,
    Rate,
    as_decimal,
    display_places,
    format_money,
    format_percent,
    format_points,
    percent_value,
)
from .models import BulletinIssue, RankingSnapshot
from .ranking import RankingRow
from .selectors import ZoneStats

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
        return Fraction(self.reported, self.members) if self.members else Fraction(0)


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
    number: int | None = None
    document_number: str = ""
    as_at: datetime.date | None = None
    versions: tuple[BulletinVersion, ...] = ()

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


def list_bulletin_months() -> list[BulletinMonth]:
    """Return the closed months, newest first, with their current document numbers. One query."""
    number = BulletinIssue.objects.filter(period=OuterRef("pk"), superseded_at__isnull=True).values(
        "document_number"
    )[:1]
    return [
        BulletinMonth(period=period, closed_at=closed_at, document_number=document_number or "")
        for period, closed_at, document_number in Period.objects.filter(status=PeriodStatus.CLOSED)
        .annotate(document_number=Subquery(number))
        .order_by("-period")
        .values_list("period", "closed_at", "document_number")
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
    """Return the Bulletin a stored content describes (see hengkou.bulletin_content)."""
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
        number=number if number is not None else content.get("number"),
        document_number=document_number or content.get("document_number", ""),
        as_at=datetime.date.fromisoformat(content["as_at"]),
        versions=versions,
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
    return bulletin_from_content(
        issue.content,
        closed_at=issue.closed_at,
        number=issue.number,
        document_number=issue.document_number,
        versions=versions,
    )


def _first_instant(period: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(period, datetime.time.min))


def export_filenames(bulletin: Bulletin, extension: str) -> tuple[str, str]:
    """Return the file's name in the active language and its ASCII fallback."""
    name = _("Monthly bulletin")
    return (
        f"{name}-{bulletin.period_text}.{extension}",
        f"bulletin-{bulletin.period_text}.{extension}",
    )


# The tables of the bulletin, one definition for the page and both files.

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
POINTS_FORMAT = "+0.0;-0.0;0.0"
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_FORMATS = {
    "count": COUNT_FORMAT,
    "rate": PERCENT_FORMAT,
    "points": POINTS_FORMAT,
    "date": DATE_FORMAT,
}
NUMERIC_KINDS = ("count", "money", "rate", "points")
LIGHT_TONES = {Light.GREEN: "success", Light.YELLOW: "warning", Light.RED: "danger"}


@dataclass(frozen=True)
class Cell:
    """A value of a table and its kind: text, count, money, rate, points, date, light or flag.

    A rate is a ratio (0.833 shows as 83.3%), points a difference of rates, a flag a yes/no.
    """

    value: object
    kind: str = "text"
    metric: str = ""
    places: int = 1  # decimals of a rate or points (RankingRow.places)
    url: str = ""  # where the value leads (a page's link; files show the text)

    @property
    def text(self) -> str:
        """Return the value as the page and the Word file show it."""
        if self.kind == "flag":
            return _("yes") if self.value else _("no")
        if self.value is None or (self.kind == "light" and not self.value):
            return DASH
        formatter = {
            "money": lambda value: format_amount(value, self.metric),
            "rate": lambda value: format_percent(value, self.places),
            "points": lambda value: format_points(value, self.places),
            "count": lambda value: f"{value:,}",
            "date": lambda value: value.isoformat(),
            "light": lambda value: str(Light(value).label),
        }.get(self.kind, str)
        return formatter(self.value)

    @property
    def sheet_value(self):
        """Return the value for a spreadsheet: numbers stay numbers, points in points."""
        if self.value is None:
            return None
        if self.kind == "rate":
            return float(self.value)
        if self.kind == "points":
            return float(as_decimal(self.value) * 100)
        if self.kind in ("count", "money", "date"):
            return self.value
        return neutralise(self.text)

    @property
    def number_format(self) -> str | None:
        if self.kind == "money":
            return COUNT_FORMAT if self.metric in COUNT_METRICS else MONEY_FORMAT
        if self.kind in ("rate", "points") and self.places != 1:
            decimals = "0." + "0" * self.places
            return f"{decimals}%" if self.kind == "rate" else f"+{decimals};-{decimals};{decimals}"
        return NUMBER_FORMATS.get(self.kind)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def sort_value(self) -> str:
        """Return the value as a sortable table reads it: a plain number, or the text."""
        if self.kind in NUMERIC_KINDS or self.kind == "flag":
            return "" if self.value is None else f"{float(self.value):.9f}"
        return self.text

    @property
    def tone(self) -> str:
        """Return the Bootstrap colour of a light or of a raised flag, else nothing."""
        if self.kind == "light":
            return LIGHT_TONES.get(self.value, "")
        return "danger" if self.kind == "flag" and self.value else ""


@dataclass(frozen=True)
class Row:
    """A row of a table; an emphasised row is a lagging or overdue one."""

    cells: tuple[Cell, ...]
    emphasis: bool = False


@dataclass(frozen=True)
class Table:
    """A titled table of the bulletin."""

    key: str
    title: str
    sheet: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def is_ranking(self) -> bool:
        return self.key.startswith("ranking-")


def ranking_headers(unit) -> tuple[str, ...]:
    """Return the ranking's column titles: each says exactly what its number is."""
    unit = {"unit": unit}
    return (
        _("Rank"),
        _("Department"),
        _("Members"),
        _("Target of members with a target (%(unit)s)") % unit,
        _("Year to date of members with a target (%(unit)s)") % unit,
        _("Completion rate (YTD with a target ÷ target)"),
        _("Time progress (month ÷ 12)"),
        _("Gap (completion − time progress, points)"),
        _("Light"),
        _("Lagging"),
        _("Year to date of all members (%(unit)s)") % unit,
        _("Year-on-year growth of all members (same members)"),
        _("Members without a target"),
        _("Year to date of members without a target (%(unit)s)") % unit,
        _("Reported this month"),
    )


def ranking_cells(row: RankingRow, metric: str, *, link: str = "") -> tuple[Cell, ...]:
    """Return a ranking row's cells, in the order of ranking_headers; ``link`` on the name."""
    places = row.places
    return (
        Cell(row.rank, "count"),
        Cell(row.department_name, url=link),
        Cell(row.members, "count"),
        Cell(row.target, "money", metric),
        Cell(row.ytd_targeted, "money", metric),
        Cell(row.completion_rate, "rate", places=places),
        Cell(row.time_progress, "rate", places=places),
        Cell(row.gap, "points", places=places),
        Cell(row.light, "light"),
        Cell(row.lagging, "flag"),
        Cell(row.ytd, "money", metric),
        Cell(row.yoy_growth, "rate"),
        Cell(row.untargeted_members, "count"),
        Cell(row.ytd_untargeted, "money", metric),
        Cell(row.completeness, "rate"),
    )


def ranking_table(ranking: MetricRanking, *, period: datetime.date | None = None) -> Table:
    """Return a metric's ranking as a table: the same columns on every page and in every file.

    With ``period``, each department's name leads to its members for that month and metric
    (the drill-down); the files show the names only.
    """

    def link(row: RankingRow) -> str:
        if period is None:
            return ""
        query = urlencode({"period": f"{period:%Y-%m}", "metric": ranking.metric})
        return f"{reverse('department_members', args=[row.department_id])}?{query}"

    return Table(
        key=f"ranking-{ranking.metric}",
        title=_("%(metric)s (%(unit)s)") % {"metric": ranking.label, "unit": ranking.unit},
        sheet=ranking.label,
        headers=ranking_headers(ranking.unit),
        rows=tuple(
            Row(ranking_cells(row, ranking.metric, link=link(row)), emphasis=row.lagging)
            for row in ranking.rows
        ),
    )


def lagging_table(bulletin: Bulletin) -> Table:
    """Return the lagging departments and their 督办 notices as a table."""
    return Table(
        key="lagging",
        title=_("Lagging departments and supervision notices"),
        sheet=_("Supervision notices"),
        headers=(
            _("Department"),
            _("Metric"),
            _("Completion rate"),
            _("Time progress"),
            _("Gap (percentage points)"),
            _("Due on"),
            _("Notice status"),
            _("Overdue"),
        ),
        rows=tuple(
            Row(
                (
                    Cell(line.department_name),
                    Cell(line.metric_label),
                    Cell(line.completion_rate, "rate", places=line.places),
                    Cell(line.time_progress, "rate", places=line.places),
                    Cell(line.gap, "points", places=line.places),
                    Cell(line.notice_due_on, "date"),
                    Cell(line.status_label),
                    Cell(line.notice_overdue, "flag"),
                ),
                emphasis=line.notice_overdue,
            )
            for line in bulletin.lagging
        ),
    )


def completeness_table(bulletin: Bulletin) -> Table:
    """Return each department's reporting completeness as a table."""
    return Table(
        key="completeness",
        title=_("Reporting completeness"),
        sheet=_("Reporting completeness"),
        headers=(_("Department"), _("Members"), _("Reported"), _("Completeness")),
        rows=tuple(
            Row(
                (
                    Cell(line.department_name),
                    Cell(line.members, "count"),
                    Cell(line.reported, "count"),
                    Cell(line.rate, "rate"),
                ),
                emphasis=line.reported < line.members,
            )
            for line in bulletin.completeness
        ),
    )


def visit_compliance_table(bulletin: Bulletin) -> Table:
    """Return each department's visit duty windows of the month, with a total line, as a table."""

    def cells(label: str, line: VisitComplianceLine) -> tuple[Cell, ...]:
        return (
            Cell(label),
            Cell(line.met, "count"),
            Cell(line.missed, "count"),
            Cell(line.due, "count"),
            Cell(line.compliance, "rate"),
        )

    rows = [
        Row(cells(line.department_name, line), emphasis=line.missed > 0)
        for line in bulletin.visit_compliance
    ]
    if rows:
        rows.append(Row(cells(_("Total"), bulletin.visit_compliance_total)))
    title = pgettext("bulletin section", "Visit compliance")
    return Table(
        key="visit-compliance",
        title=title,
        sheet=title,
        headers=(
            _("Department"),
            _("Windows met"),
            _("Windows missed"),
            _("Windows still due"),
            _("Compliance"),
        ),
        rows=tuple(rows),
    )


def projects_table(bulletin: Bulletin) -> Table:
    """Return the projects by stage, with a total line, as a table."""
    rows = [
        Row(
            (Cell(line.label), Cell(line.projects, "count"), Cell(line.planned_investment, "money"))
        )
        for line in bulletin.projects
    ]
    rows.append(
        Row(
            (
                Cell(_("Total")),
                Cell(bulletin.projects_count, "count"),
                Cell(bulletin.projects_investment, "money"),
            )
        )
    )
    return Table(
        key="projects",
        title=_("Projects by stage"),
        sheet=_("Projects"),
        headers=(_("Stage"), _("Projects"), _("Total planned investment (10k CNY)")),
        rows=tuple(rows),
    )


def overdue_problems_table(bulletin: Bulletin) -> Table:
    """Return the overdue problems per responsible department as a table."""
    return Table(
        key="overdue-problems",
        title=_("Overdue problems"),
        sheet=_("Overdue problems"),
        headers=(_("Responsible department"), _("Overdue problems"), _("Earliest due on")),
        rows=tuple(
            Row(
                (
                    Cell(line.department_name or _("Not assigned")),
                    Cell(line.problems, "count"),
                    Cell(line.earliest_due_on, "date"),
                )
            )
            for line in bulletin.overdue_problems
        ),
    )


def overdue_notices_table(bulletin: Bulletin) -> Table:
    """Return the 督办 notices unanswered after their due date as a table."""
    return Table(
        key="overdue-notices",
        title=_("Overdue supervision notices"),
        sheet=_("Overdue notices"),
        headers=(_("Department"), _("Month"), _("Metric"), _("Due on"), _("Days overdue")),
        rows=tuple(
            Row(
                (
                    Cell(line.department_name),
                    Cell(format_period(line.period)),
                    Cell(line.metric_label),
                    Cell(line.due_on, "date"),
                    Cell(line.days_overdue, "count"),
                )
            )
            for line in bulletin.overdue_notices
        ),
    )


def zone_table(bulletin: Bulletin) -> Table:
    """Return the zone figures as a table."""
    return Table(
        key="zone",
        title=_("Zone statistics"),
        sheet=_("Overview"),
        headers=(_("Indicator"), _("Value"), _("Unit"), _("Year-on-year growth")),
        rows=tuple(
            Row(
                (
                    Cell(line.label),
                    Cell(line.value, "money" if line.is_money else "count"),
                    Cell(str(line.unit)),
                    Cell(line.yoy, "rate"),
                )
            )
            for line in bulletin.zone_lines
        ),
    )


def bulletin_tables(bulletin: Bulletin) -> list[Table]:
    """Return the bulletin's tables after the zone figures: the rankings, then the rest."""
    return [ranking_table(ranking) for ranking in bulletin.rankings] + [
        lagging_table(bulletin),
        completeness_table(bulletin),
        visit_compliance_table(bulletin),
        projects_table(bulletin),
        overdue_problems_table(bulletin),
        overdue_notices_table(bulletin),
    ]


def dates_line(bulletin: Bulletin) -> str:
    """Return when the month was closed and the day its states are taken at."""
    return _(
        "Month closed on %(closed)s. Projects, overdue problems and notices as at %(as_at)s."
    ) % {
        "closed": bulletin.closed_on.isoformat() if bulletin.closed_on else DASH,
        "as_at": bulletin.as_at.isoformat() if bulletin.as_at else DASH,
    }


def page_context(bulletin: Bulletin) -> dict:
    """Return what the bulletin's page shows, in the order it shows it (names lead to members)."""
    tables = [
        ranking_table(ranking, period=bulletin.period) for ranking in bulletin.rankings
    ] + bulletin_tables(bulletin)[len(bulletin.rankings) :]
    return {
        "bulletin": bulletin,
        "dates": dates_line(bulletin),
        "time_progress": format_percent(bulletin.time_progress),
        "zone_table": zone_table(bulletin),
        "ranking_tables": [table for table in tables if table.is_ranking],
        "other_tables": [table for table in tables if not table.is_ranking],
    }


# The files (Excel, Word, PDF) live in hengkou/bulletin_files.py and hengkou/bulletin_pdf.py;
# their renderers stay importable from here.
_RENDERERS = {
    "render_bulletin_xlsx": "hengkou.bulletin_files",
    "render_bulletin_docx": "hengkou.bulletin_files",
    "render_bulletin_pdf": "hengkou.bulletin_pdf",
}


def __getattr__(name: str):
    """Import a renderer on first use (the renderer modules import this one)."""
    if name in _RENDERERS:
        import importlib

        return getattr(importlib.import_module(_RENDERERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
