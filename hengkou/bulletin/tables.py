"""The tables of the bulletin, one definition for the page, the dashboard and every file."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.exports import neutralise
from core.numbers import cents
from core.periods import format_period

from ..choices import Light, RankedMetric
from ..formats import (
    DASH,
    as_decimal,
    format_percent,
    format_points,
)
from ..projections import FLAG_FROM_MONTH, SEASONAL
from ..ranking import STOCK_METRICS, RankingRow
from .content import (
    COUNT_METRICS,
    Bulletin,
    MetricRanking,
    VisitComplianceLine,
    format_amount,
    metric_unit,
)

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
    badge: str = ""  # what a raised flag's badge says on a page (default: lagging)

    @property
    def text(self) -> str:
        """Return the value as the page and the Word file show it."""
        if self.kind == "flag":
            return _("yes") if self.value else _("no")
        if self.value is None or (self.kind == "light" and not self.value):
            return DASH
        # A chain of tests, not a table of closures built per call: a page has hundreds of cells.
        kind, value = self.kind, self.value
        if kind == "money":
            return format_amount(value, self.metric)
        if kind == "rate":
            return format_percent(value, self.places)
        if kind == "points":
            return format_points(value, self.places)
        if kind == "count":
            return f"{value:,}"
        if kind == "date":
            return value.isoformat()
        if kind == "light":
            return str(Light(value).label)
        return str(value)

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

    query = (
        "" if period is None else urlencode({"period": f"{period:%Y-%m}", "metric": ranking.metric})
    )

    def link(row: RankingRow) -> str:
        if period is None:
            return ""
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


def projection_headers(unit) -> tuple[str, ...]:
    """Return the projection's column titles: each says exactly what its number is."""
    unit = {"unit": unit}
    return (
        _("Department"),
        _("Members"),
        _("Target of members with a target (%(unit)s)") % unit,
        _("Year to date of members with a target (%(unit)s)") % unit,
        _("Share of the year-end reached by this month in earlier years (same members)"),
        _("Basis of the share"),
        _("Projected year-end of members with a target (YTD ÷ share, %(unit)s)") % unit,
        _("Projected year-end completion rate (by the seasonal pattern of earlier years)"),
        _("Projected to miss the target (from month 3)"),
    )


def projection_basis(line) -> str:
    """Return what the share of a projection rests on: earlier years, or the flat pattern."""
    if line.method == SEASONAL:
        return ngettext(
            "Seasonal: %(years)s earlier year of the same members",
            "Seasonal: mean of %(years)s earlier years of the same members",
            line.history_years,
        ) % {"years": line.history_years}
    if line.metric in STOCK_METRICS:
        return _("Flat (no earlier figures): the month's value")
    return _("Flat (no earlier figures): month ÷ 12")


def projection_cells(line, metric: str, *, link: str = "") -> tuple[Cell, ...]:
    """Return a projection's cells, in the order of projection_headers; ``link`` on the name."""
    name = _("Whole zone (all departments)") if line.is_zone else line.department_name
    flagged = line.month >= FLAG_FROM_MONTH
    return (
        Cell(name, url=link),
        Cell(line.members, "count"),
        Cell(line.target, "money", metric),
        Cell(line.ytd_targeted, "money", metric),
        Cell(line.share, "rate", places=2),
        Cell(projection_basis(line)),
        Cell(cents(line.projected_targeted), "money", metric),
        Cell(line.projected_rate, "rate", places=line.places),
        Cell(line.will_miss, "flag", badge=_("projected to miss")) if flagged else Cell(None),
    )


def projection_table(lines, *, metric: str, key: str = "projections", title: str = "") -> Table:
    """Return projections (the zone's first, if among them) as a table of one metric."""
    unit = metric_unit(metric)
    label = str(RankedMetric(metric).label)
    return Table(
        key=key,
        title=title
        or _("Year-end projection: %(metric)s (%(unit)s)") % {"metric": label, "unit": unit},
        sheet=_("Projection %(metric)s") % {"metric": label},
        headers=projection_headers(unit),
        rows=tuple(Row(projection_cells(line, metric), emphasis=line.will_miss) for line in lines),
    )


def projections_table(bulletin: Bulletin) -> Table:
    """Return the bulletin's projections: each ranked metric's zone, then who will miss."""
    title = _("Year-end projections (by the seasonal pattern of earlier years)")
    headers = (_("Metric"), *projection_headers(_("in the metric's unit")))
    return Table(
        key="projections",
        title=title,
        sheet=_("Year-end projections"),
        headers=headers,
        rows=tuple(
            Row(
                (
                    Cell(
                        _("%(metric)s (%(unit)s)")
                        % {"metric": line.metric_label, "unit": metric_unit(line.metric)}
                    ),
                    *projection_cells(line, line.metric),
                ),
                emphasis=line.will_miss,
            )
            for line in bulletin.projections or ()
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
        *([] if bulletin.projections is None else [projections_table(bulletin)]),
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
