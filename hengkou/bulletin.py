"""The monthly bulletin (月通报) of a closed month: what it holds, and its Excel and Word files."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Min, Sum
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from core.exports import neutralise
from enterprises.choices import PeriodStatus, ProblemStatus
from enterprises.duties import get_visit_compliance
from enterprises.models import Department, Period, Problem
from enterprises.periods import format_period
from projects.choices import Stage
from projects.models import Project

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
from .models import RankingSnapshot, SupervisionNotice
from .ranking import RankingRow
from .selectors import ZoneStats, get_zone_stats

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
    """A sponsoring department's visit duty windows of the month (到企帮扶), live.

    The windows are its head's monthly one and its responsible persons' weekly ones; a window
    is met, missed (ended without a visit) or still due.
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
    """The projects in one stage and their total planned investment."""

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
    """A 督办 notice still unanswered after its due date."""

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
    """Everything the monthly bulletin of a closed month holds.

    Rankings, lagging departments and completeness are read from the month's snapshot; zone
    statistics are computed from the month's locked reports; visit compliance, projects by stage
    and the overdue problems and notices are live, as of ``today``.
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
    # Given by the close (the branch that stores the bulletin fills them): the bulletin's
    # sequence number in its year and its 发文字号, e.g. 恒示包抓〔2021〕7号.
    number: int | None = None
    document_number: str = ""

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
        return Fraction(self.month, 12)

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
class BulletinMonth:
    """A closed month that has a bulletin."""

    period: datetime.date
    closed_at: datetime.datetime | None

    @property
    def period_text(self) -> str:
        return format_period(self.period)

    @property
    def month_label(self) -> str:
        return month_label(self.period)


def list_bulletin_months() -> list[BulletinMonth]:
    """Return the closed months, newest first. One query."""
    return [
        BulletinMonth(period=period, closed_at=closed_at)
        for period, closed_at in Period.objects.filter(status=PeriodStatus.CLOSED)
        .order_by("-period")
        .values_list("period", "closed_at")
    ]


def _rankings(month: Period) -> tuple[tuple[MetricRanking, ...], tuple[RankingLine, ...]]:
    """Return the ranked metrics' tables and the output-value lines (for completeness)."""
    by_metric = defaultdict(list)
    for snapshot in RankingSnapshot.objects.filter(period=month).order_by(
        "metric", F("rank").asc(nulls_last=True), "department_code"
    ):
        by_metric[snapshot.metric].append(snapshot.to_row(month=month.period.month))
    # Every metric is snapshotted at the close; only those with a rate were ranked.
    rankings = tuple(
        MetricRanking(metric=metric, rows=tuple(by_metric[metric]))
        for metric in RankedMetric.values
        if any(line.completion_rate is not None for line in by_metric[metric])
    )
    return rankings, tuple(by_metric[RankedMetric.OUTPUT_VALUE])


def _lagging(
    rankings: tuple[MetricRanking, ...], period: datetime.date, today: datetime.date
) -> tuple[LaggingLine, ...]:
    notices = {
        (department_id, metric): (due_on, status)
        for department_id, metric, due_on, status in SupervisionNotice.objects.filter(period=period)
        .exclude(status=NoticeStatus.WITHDRAWN)
        .values_list("department_id", "metric", "due_on", "status")
    }
    lines = []
    for ranking in rankings:
        for row in ranking.rows:
            if not row.lagging:
                continue
            due_on, status = notices.get((row.department_id, ranking.metric), (None, ""))
            lines.append(
                LaggingLine(
                    metric=ranking.metric,
                    department_code=row.department_code,
                    department_name=row.department_name,
                    completion_rate=row.completion_rate,
                    time_progress=row.time_progress,
                    gap=row.gap,
                    notice_due_on=due_on,
                    notice_status=status,
                    notice_overdue=status == NoticeStatus.ISSUED and due_on < today,
                )
            )
    return tuple(lines)


def _visit_compliance(
    period: datetime.date, today: datetime.date
) -> tuple[VisitComplianceLine, ...]:
    """Return each department with assignments that year and its windows of the month.

    Four queries: three for the duties, one for the departments' codes and names.
    """
    departments = get_visit_compliance(
        year=period.year, months=[period.month], today=today
    ).departments
    names = {
        pk: (code, name)
        for pk, code, name in Department.objects.filter(
            pk__in=[line.department_id for line in departments]
        ).values_list("pk", "code", "name")
    }
    return tuple(
        sorted(
            (
                VisitComplianceLine(
                    department_code=names[line.department_id][0],
                    department_name=names[line.department_id][1],
                    met=line.met,
                    missed=line.missed,
                    due=line.due,
                )
                for line in departments
            ),
            key=lambda line: line.department_code,
        )
    )


def _projects() -> tuple[StageLine, ...]:
    found = {
        row["stage"]: row
        for row in Project.objects.values("stage")
        .annotate(projects=Count("id"), planned=Sum("total_investment"))
        .order_by()
    }
    return tuple(
        StageLine(
            stage=stage,
            projects=found.get(stage, {}).get("projects", 0),
            planned_investment=found.get(stage, {}).get("planned") or Decimal("0.00"),
        )
        for stage in Stage.values
    )


def _overdue_problems(next_month: datetime.date) -> tuple[OverdueProblemLine, ...]:
    rows = (
        Problem.objects.filter(due_on__lt=next_month)
        .exclude(status=ProblemStatus.RESOLVED)
        .values("department__code", "department__name")
        .annotate(problems=Count("id"), earliest=Min("due_on"))
        .order_by(F("department__code").asc(nulls_last=True))
    )
    return tuple(
        OverdueProblemLine(
            department_code=row["department__code"] or "",
            department_name=row["department__name"] or "",
            problems=row["problems"],
            earliest_due_on=row["earliest"],
        )
        for row in rows
    )


def _overdue_notices(period: datetime.date, today: datetime.date) -> tuple[OverdueNoticeLine, ...]:
    # Notices of later months are left to their own bulletins.
    rows = (
        SupervisionNotice.objects.filter(
            status=NoticeStatus.ISSUED, due_on__lt=today, period__lte=period
        )
        .order_by("due_on", "department__code", "metric")
        .values_list("department__name", "period", "metric", "due_on")
    )
    return tuple(
        OverdueNoticeLine(
            department_name=name,
            period=notice_period,
            metric=metric,
            due_on=due_on,
            days_overdue=(today - due_on).days,
        )
        for name, notice_period, metric, due_on in rows
    )


def get_bulletin(*, period: datetime.date, today: datetime.date) -> Bulletin:
    """Return the bulletin of a closed month; raise MonthNotClosed for any other month.

    Problems count as overdue when due before the first day of the next month and not
    resolved; notices when still issued after their due date as of ``today`` (those of this
    month and earlier); visit duty windows as of ``today``. Fourteen queries whatever the data
    size (fewer when no assignment exists that year).
    """
    period = period.replace(day=1)
    month = Period.objects.filter(period=period, status=PeriodStatus.CLOSED).first()
    if month is None:
        raise MonthNotClosed(period)
    next_month = (period + datetime.timedelta(days=31)).replace(day=1)
    rankings, output_lines = _rankings(month)
    return Bulletin(
        period=period,
        today=today,
        closed_at=month.closed_at,
        zone=get_zone_stats(year=period.year, month=period.month),
        rankings=rankings,
        lagging=_lagging(rankings, period, today),
        completeness=tuple(
            CompletenessLine(
                department_code=line.department_code,
                department_name=line.department_name,
                members=line.members,
                reported=line.reported,
            )
            for line in sorted(output_lines, key=lambda line: line.department_code)
        ),
        visit_compliance=_visit_compliance(period, today),
        projects=_projects(),
        overdue_problems=_overdue_problems(next_month),
        overdue_notices=_overdue_notices(period, today),
    )


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
    live: bool = False  # read when generated, not frozen at the close

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


# Columns a phone hides first (the page keeps the rate, its parts and the flags).
RANKING_PHONE_HIDDEN = frozenset({2, 10, 11, 12, 13, 14})


def ranking_cells(row: RankingRow, metric: str) -> tuple[Cell, ...]:
    """Return a ranking row's cells, in the order of ranking_headers."""
    places = row.places
    return (
        Cell(row.rank, "count"),
        Cell(row.department_name),
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


def ranking_table(ranking: MetricRanking) -> Table:
    """Return a metric's ranking as a table: the same columns on every page and in every file."""
    return Table(
        key=f"ranking-{ranking.metric}",
        title=_("%(metric)s (%(unit)s)") % {"metric": ranking.label, "unit": ranking.unit},
        sheet=ranking.label,
        headers=ranking_headers(ranking.unit),
        rows=tuple(
            Row(ranking_cells(row, ranking.metric), emphasis=row.lagging) for row in ranking.rows
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
        live=True,
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
        live=True,
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
        live=True,
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
        live=True,
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
    """Return when the month was closed and when the bulletin was generated."""
    return _("Month closed on %(closed)s; generated on %(today)s.") % {
        "closed": bulletin.closed_on.isoformat() if bulletin.closed_on else DASH,
        "today": bulletin.today.isoformat(),
    }


def live_note(bulletin: Bulletin) -> str:
    """Return the note that visits, projects and overdue items are live, not frozen at the close."""
    return _("Live figures as of %(today)s, not frozen at the close.") % {
        "today": bulletin.today.isoformat()
    }


def page_context(bulletin: Bulletin) -> dict:
    """Return what the bulletin's page shows, in the order it shows it."""
    tables = bulletin_tables(bulletin)
    return {
        "bulletin": bulletin,
        "dates": dates_line(bulletin),
        "live_note": live_note(bulletin),
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
