"""The supervisor dashboard: what the page shows, in one place."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

from core.indicators import time_progress

from ..bulletin.content import MetricRanking
from ..bulletin.tables import NUMERIC_KINDS, Cell, Row, Table, ranking_table
from ..choices import RankedMetric
from .completeness import CompletenessBoard, get_completeness_board
from .ranking import PeriodRanking, get_period_ranking
from .zone import TrendPoint, ZoneStats, get_zone_stats, list_monthly_trend


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
    def ranking_table(self) -> Table:
        """Return the ranking as the bulletin prints it (the same columns everywhere)."""
        return ranking_table(self.metric_ranking, period=self.period)

    @property
    def ranking_columns(self) -> list[tuple[str, str, str]]:
        """Return each ranking column's title, sort kind and alignment classes."""
        table = self.ranking_table
        kinds = [cell.kind for cell in table.rows[0].cells] if table.rows else []
        return [
            (
                header,
                "number" if index < len(kinds) and kinds[index] in NUMERIC_KINDS else "text",
                _column_classes(kinds[index] if index < len(kinds) else "text"),
            )
            for index, header in enumerate(table.headers)
        ]

    @property
    def ranking_rows(self) -> list[tuple[Row, list[tuple[Cell, str]]]]:
        """Return the ranking's rows with each cell's classes, for the sortable page table."""
        return [
            (
                row,
                [(cell, _column_classes(cell.kind)) for cell in row.cells],
            )
            for row in self.ranking_table.rows
        ]

    def chart_data(self) -> dict:
        """Return the data of the two charts, as plain JSON-ready values."""
        ranked = [row for row in self.ranking.rows if row.completion_rate is not None]
        return {
            "progress": round(float(time_progress(self.period.month)) * 100, 2),
            "departments": [row.department_name for row in ranked],
            "rates": [round(float(row.completion_rate) * 100, 2) for row in ranked],
            "lights": [row.light for row in ranked],
            "months": [point.month for point in self.trend],
            "values": [float(point.value) for point in self.trend],
            "previous": [float(point.previous) for point in self.trend],
            "labels": {
                "rate": _("Completion rate (%)"),
                "progress": _("Time progress"),
                "year": str(self.period.year),
                "previous_year": str(self.period.year - 1),
            },
        }


def _column_classes(kind: str) -> str:
    return "text-end" if kind in NUMERIC_KINDS else "text-nowrap"


def get_dashboard(*, period: datetime.date, metric: str, today: datetime.date) -> Dashboard:
    """Return the dashboard of ``metric`` for the month ``period``."""
    return Dashboard(
        period=period,
        metric=metric,
        stats=get_zone_stats(period=period),
        ranking=get_period_ranking(period=period, metric=metric),
        trend=list_monthly_trend(year=period.year, metric=metric),
        board=get_completeness_board(period=period, today=today),
    )
