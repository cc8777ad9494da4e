"""The dashboard's ranking and the year-end assessment as .xlsx workbooks."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.exports import neutralise

from ..bulletin.content import MetricRanking
from ..bulletin.tables import ranking_table
from ..bulletin.xlsx import write_table


def render_ranking_xlsx(*, ranking: MetricRanking, title: str) -> bytes:
    """Return the ranking as an .xlsx workbook with the columns of the screen and the bulletin."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ranking")
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    write_table(sheet, ranking_table(ranking), first_row=2)
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
        values = [row.rank, neutralise(row.department_name)]
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
