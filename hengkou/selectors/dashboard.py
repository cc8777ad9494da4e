"""The supervisor dashboard: what the page shows, in one place.

A zone may rank hundreds of departments, more than a person reads on one page: the ranking
table shows a page of ``RANKING_PAGE_SIZE`` rows in the order asked for (sorted on the server,
so a sort always orders every department, not only the page's), optionally the lagging
departments only, and the completion chart draws the rows of that page. The completeness board
lists the departments still missing reports first, ``BOARD_PAGE_SIZE`` to a page. A zone of up
to that many departments sees everything on one page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils.translation import gettext as _

from core.indicators import time_progress
from enterprises.models import Period

from ..bulletin.content import MetricRanking, metric_unit
from ..bulletin.tables import (
    NUMERIC_KINDS,
    Cell,
    Row,
    Table,
    projection_cells,
    projection_headers,
    ranking_table,
)
from ..choices import Light, RankedMetric
from ..ranking import RankingRow
from .completeness import CompletenessBoard, get_completeness_board
from .projections import MonthProjections, list_projections
from .ranking import PeriodRanking, get_shown_ranking
from .zone import TrendPoint, ZoneStats, get_zone_stats, list_monthly_trend

RANKING_PAGE_SIZE = 30
BOARD_PAGE_SIZE = 30
# The projections panel lists the zone, then at most this many departments projected to miss.
PROJECTION_PANEL_SIZE = 30

# The worst light first when sorted ascending, as the lowest completion rate comes first.
_LIGHT_ORDER = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}

# The sort key of each column of the ranking table, in the order of ranking_headers; time
# progress is the same on every row and sorts nothing. A department sorts by its code, the
# order of the zone's register.
RANKING_SORT_COLUMNS: tuple[str, ...] = (
    "rank",
    "department",
    "members",
    "target",
    "ytd_targeted",
    "completion_rate",
    "",
    "gap",
    "light",
    "lagging",
    "ytd",
    "yoy_growth",
    "untargeted_members",
    "ytd_untargeted",
    "completeness",
)
RANKING_SORTS: dict[str, Callable[[RankingRow], object]] = {
    "rank": lambda row: row.rank,
    "department": lambda row: row.department_code,
    "members": lambda row: row.members,
    "target": lambda row: row.target,
    "ytd_targeted": lambda row: row.ytd_targeted,
    "completion_rate": lambda row: row.completion_rate,
    "gap": lambda row: row.gap,
    "light": lambda row: _LIGHT_ORDER.get(row.light),
    "lagging": lambda row: row.lagging,
    "ytd": lambda row: row.ytd,
    "yoy_growth": lambda row: row.yoy_growth,
    "untargeted_members": lambda row: row.untargeted_members,
    "ytd_untargeted": lambda row: row.ytd_untargeted,
    "completeness": lambda row: row.completeness,
}


def is_ranking_sort(value: str) -> bool:
    """Return whether ``value`` names a sort of the ranking table ("-" first: descending)."""
    return value.removeprefix("-") in RANKING_SORTS


def sort_ranking_rows(rows, sort: str) -> list[RankingRow]:
    """Return ``rows`` ordered by ``sort``, a key of RANKING_SORTS ("-" first: descending).

    Rows without a value (no target, no rank) come last in either direction; equal values keep
    the ranking's order. An empty ``sort`` keeps the ranking's order.
    """
    if not sort:
        return list(rows)
    value = RANKING_SORTS[sort.removeprefix("-")]
    present = [row for row in rows if value(row) is not None]
    absent = [row for row in rows if value(row) is None]
    return sorted(present, key=value, reverse=sort.startswith("-")) + absent


class _Picked(Sequence):
    """The rows of a ranking at ``positions``, each read from the ranking when asked for."""

    def __init__(self, rows: Sequence[RankingRow], positions: list[int]):
        self._rows, self._positions = rows, positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._rows[position] for position in self._positions[index]]
        return self._rows[self._positions[index]]


def _column_classes(kind: str) -> str:
    return "text-end" if kind in NUMERIC_KINDS else "text-nowrap"


@dataclass(frozen=True)
class RankingColumn:
    """A column of the ranking table: its title, alignment and sort links."""

    title: str
    classes: str
    key: str  # its sort key; empty when the column does not sort
    state: str  # "ascending", "descending" or empty: how the table is sorted by it now

    @property
    def next_sort(self) -> str:
        """Return the sort a click on the title asks for: ascending first, then descending."""
        return f"-{self.key}" if self.state == "ascending" else self.key


@dataclass(frozen=True)
class RankingPage:
    """One page of the dashboard's ranking table, in the order asked for."""

    period: datetime.date
    metric: str
    page: Page
    sort: str
    lagging_only: bool

    @cached_property
    def table(self) -> Table:
        """Return the page's rows as the bulletin prints the ranking (the same columns)."""
        rows = tuple(self.page.object_list)
        return ranking_table(MetricRanking(metric=self.metric, rows=rows), period=self.period)

    @cached_property
    def columns(self) -> list[RankingColumn]:
        table = self.table
        kinds = [cell.kind for cell in table.rows[0].cells] if table.rows else []
        sorted_by, descending = self.sort.removeprefix("-"), self.sort.startswith("-")
        return [
            RankingColumn(
                title=header,
                classes=_column_classes(kinds[index] if index < len(kinds) else "text"),
                key=key,
                state=("descending" if descending else "ascending")
                if key and key == sorted_by
                else "",
            )
            for index, (header, key) in enumerate(
                zip(table.headers, RANKING_SORT_COLUMNS, strict=True)
            )
        ]

    @cached_property
    def rows(self) -> list[tuple[Row, list[tuple[Cell, str]]]]:
        """Return the page's rows with each cell's classes."""
        return [
            (row, [(cell, _column_classes(cell.kind)) for cell in row.cells])
            for row in self.table.rows
        ]


@dataclass(frozen=True)
class Dashboard:
    """Everything the supervisor dashboard shows for a month and a metric."""

    period: datetime.date
    metric: str
    stats: ZoneStats
    ranking: PeriodRanking
    trend: list[TrendPoint]
    board: CompletenessBoard

    @property
    def metric_label(self) -> str:
        return str(RankedMetric(self.metric).label)

    @property
    def metric_ranking(self) -> MetricRanking:
        return MetricRanking(metric=self.metric, rows=tuple(self.ranking.rows))

    @cached_property
    def lagging_positions(self) -> list[int]:
        """Return the positions in the ranking of the lagging departments.

        A stored ranking answers from its stored values (``StoredRows.where``), building no
        row: a page of 30 departments builds 30 rows, not the zone's 500.
        """
        rows = self.ranking.rows
        where = getattr(rows, "where", None)
        if where is not None:
            return where("lagging", True)
        return [index for index, row in enumerate(rows) if row.lagging]

    @cached_property
    def lagging_count(self) -> int:
        return len(self.lagging_positions)

    def ranking_page(
        self, *, sort: str = "", lagging_only: bool = False, page: object = 1
    ) -> RankingPage:
        """Return a page of the ranking sorted by ``sort`` (see sort_ranking_rows).

        ``lagging_only`` keeps the lagging departments; a page number out of range or not a
        number gives the nearest page (the last, or the first).
        """
        rows = self.ranking.rows
        if lagging_only:
            rows = _Picked(rows, self.lagging_positions)
        if sort:
            rows = sort_ranking_rows(rows, sort)
        return RankingPage(
            period=self.period,
            metric=self.metric,
            page=Paginator(rows, RANKING_PAGE_SIZE).get_page(page),
            sort=sort,
            lagging_only=lagging_only,
        )

    @cached_property
    def projections(self) -> MonthProjections:
        """Return the year-end projections from the ranking shown, or from the month before.

        An open month whose reports are not all in (November, before 5 December) would project
        the missing members' months as nothing: every department short of its reports would be
        projected to miss. Its projection is then the month before's when that month is closed
        (as of its close: its stored ranking), and ``projection_from_month_before`` says so.
        January has no month before in the year; an open month before is no better.
        """
        if not (self.ranking.closed or not self.missing_departments or self.period.month == 1):
            before = self.period.replace(month=self.period.month - 1)
            if Period.is_closed(before):
                return list_projections(period=before, metric=self.metric)
        return list_projections(period=self.period, metric=self.metric, rows=self.ranking.rows)

    @property
    def projection_from_month_before(self) -> bool:
        """Return whether the projections are the month before's (this month is not all in)."""
        return self.projections.period != self.period

    @cached_property
    def projection_table(self) -> Table:
        """Return the zone's projection, then the first departments projected to miss.

        At most ``PROJECTION_PANEL_SIZE`` departments, lowest projected rate first; each name
        leads to the department's members for the month and metric.
        """
        projections = self.projections
        query = urlencode({"period": f"{projections.period:%Y-%m}", "metric": self.metric})
        lines = [projections.zone, *projections.missing[:PROJECTION_PANEL_SIZE]]
        unit = metric_unit(self.metric)
        return Table(
            key="projections",
            title=_("Year-end projections"),
            sheet=_("Year-end projections"),
            headers=projection_headers(unit),
            rows=tuple(
                Row(
                    projection_cells(
                        line,
                        self.metric,
                        link=""
                        if line.is_zone
                        else f"{reverse('department_members', args=[line.department_id])}?{query}",
                    ),
                    emphasis=line.will_miss,
                )
                for line in lines
            ),
        )

    @cached_property
    def projection_rows(self) -> list[tuple[Row, list[tuple[Cell, str]]]]:
        """Return the projection table's rows with each cell's classes."""
        return [
            (row, [(cell, _column_classes(cell.kind)) for cell in row.cells])
            for row in self.projection_table.rows
        ]

    @cached_property
    def missing_departments(self) -> int:
        """Return how many departments still miss a member's report of the month."""
        return sum(row.reported < row.members for row in self.board.departments)

    def board_page(self, page: object = 1) -> Page:
        """Return a page of the completeness board: departments missing reports first.

        Each group keeps the board's order (by department code). The page's rows name their
        members without a report (one query for the page's departments, not the zone's).
        """
        return completeness_page(self.board, page)

    def chart_data(self, rows=None) -> dict:
        """Return the data of the two charts, as plain JSON-ready values.

        The completion chart draws ``rows`` (the ranking table's page), every row by default.
        """
        rows = self.ranking.rows if rows is None else rows
        ranked = [row for row in rows if row.completion_rate is not None]
        return {
            "progress": round(float(time_progress(self.period.month)) * 100, 2),
            "departments": [row.department_name for row in ranked],
            "rates": [round(float(row.completion_rate) * 100, 2) for row in ranked],
            "lights": [row.light for row in ranked],
            "months": [point.month for point in self.trend],
            "values": [None if point.value is None else float(point.value) for point in self.trend],
            "previous": [float(point.previous) for point in self.trend],
            "labels": {
                "rate": _("Completion rate (%)"),
                "progress": _("Time progress"),
                "year": str(self.period.year),
                "previous_year": str(self.period.year - 1),
            },
        }


def completeness_page(board: CompletenessBoard, page: object = 1) -> Page:
    """Return a page of ``board``: departments missing reports first, by code in each group.

    A page number out of range or not a number gives the nearest page. The page's rows name
    their members without a report: one query for the page's departments, not the zone's.
    """
    found = Paginator(board.missing_first(), BOARD_PAGE_SIZE).get_page(page)
    return Page(board.name_missing(list(found.object_list)), found.number, found.paginator)


def get_dashboard(*, period: datetime.date, metric: str, today: datetime.date) -> Dashboard:
    """Return the dashboard of ``metric`` for the month ``period``."""
    return Dashboard(
        period=period,
        metric=metric,
        stats=get_zone_stats(period=period),
        ranking=get_shown_ranking(period=period, metric=metric),
        trend=list_monthly_trend(year=period.year, metric=metric),
        board=get_completeness_board(period=period, today=today),
    )
