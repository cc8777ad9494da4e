"""The supervisor dashboard and its ranking export: what the page shows, in one place."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .choices import RankedMetric
from .ranking import RankingRow
from .selectors import (
    CompletenessBoard,
    PeriodRanking,
    TrendPoint,
    ZoneStats,
    get_completeness_board,
    get_period_ranking,
    get_zone_stats,
    list_monthly_trend,
)

LIGHT_LABELS = {"green": "绿", "yellow": "黄", "red": "红"}


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

    def chart_data(self) -> dict:
        """Return the data of the two charts, as plain JSON-ready values."""
        ranked = [row for row in self.ranking.rows if row.completion_rate is not None]
        return {
            "progress": round(self.period.month / 12 * 100, 2),
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


def get_dashboard(*, period: datetime.date, metric: str, today: datetime.date) -> Dashboard:
    """Return the dashboard of ``metric`` for the month ``period``."""
    year, month = period.year, period.month
    return Dashboard(
        period=period,
        metric=metric,
        stats=get_zone_stats(year=year, month=month),
        ranking=get_period_ranking(year=year, month=month, metric=metric),
        trend=list_monthly_trend(year=year, metric=metric),
        board=get_completeness_board(year=year, month=month, today=today),
    )


def _percent(value):
    return None if value is None else float(value)


RANKING_COLUMNS = [
    ("rank", lambda r: r.rank, None),
    ("department", lambda r: r.department_name, None),
    ("members", lambda r: r.members, None),
    ("target", lambda r: float(r.target), "#,##0.00"),
    ("ytd", lambda r: float(r.ytd), "#,##0.00"),
    ("completion", lambda r: _percent(r.completion_rate), "0.0%"),
    ("progress", lambda r: _percent(r.time_progress), "0.0%"),
    ("gap", lambda r: _percent(r.gap), "0.0%"),
    ("yoy", lambda r: _percent(r.yoy_growth), "0.0%"),
    ("completeness", lambda r: _percent(r.completeness), "0.0%"),
    ("light", lambda r: LIGHT_LABELS.get(r.light or "", ""), None),
    ("lagging", lambda r: _("yes") if r.lagging else _("no"), None),
]


def ranking_headers() -> list[str]:
    """Return the ranking table's column titles, as on the screen."""
    return [
        _("Rank"),
        _("Department"),
        _("Members"),
        _("Target (10k CNY)"),
        _("Year to date"),
        _("Completion"),
        _("Time progress"),
        _("Gap"),
        _("Year on year"),
        _("Reported"),
        _("Light"),
        _("Lagging"),
    ]


def render_ranking_xlsx(*, rows: list[RankingRow], title: str) -> bytes:
    """Return the ranking as an .xlsx workbook with the same columns as the screen."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ranking")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(ranking_headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([value(row) for _key, value, _fmt in RANKING_COLUMNS])
        for cell, (_key, _value, number_format) in zip(
            sheet[sheet.max_row], RANKING_COLUMNS, strict=True
        ):
            if number_format:
                cell.number_format = number_format
    for letter, width in zip(
        "ABCDEFGHIJKL", (6, 22, 8, 14, 14, 10, 10, 10, 10, 10, 6, 8), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_assessment_xlsx(*, rows, year: int) -> bytes:
    """Return the year-end assessment as .xlsx: every part's ratio and points, and the total."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Assessment")
    sheet.append([_("Year-end assessment %(year)s") % {"year": year}])
    sheet["A1"].font = Font(bold=True, size=13)
    header = [_("Rank"), _("Department")]
    for part in rows[0].parts if rows else []:
        header += [f"{part.label} ({_('rate')})", f"{part.label} ({_('points')})"]
    header += [_("Total"), _("Quarterly inspections (average)")]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [row.rank, row.department_name]
        for part in row.parts:
            values += [
                None if part.ratio is None else float(part.ratio),
                None if part.points is None else round(float(part.points), 2),
            ]
        values += [
            None if row.total is None else round(float(row.total), 2),
            None if row.inspection_average is None else round(float(row.inspection_average), 2),
        ]
        sheet.append(values)
        for index, cell in enumerate(sheet[sheet.max_row][2:-2]):
            if index % 2 == 0:
                cell.number_format = "0.0%"
    sheet.column_dimensions["B"].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
