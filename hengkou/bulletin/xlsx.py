"""The bulletin's Excel workbook, and the writing of any of its tables to a sheet."""

from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.exports import neutralise

from .content import Bulletin
from .tables import Table, bulletin_tables, dates_line, zone_table


def _display_width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in value)


def _sheet_title(name: str, used: set[str]) -> str:
    """Return a valid, unique sheet title: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name).strip()[:31] or "-"
    title, suffix = cleaned, 2
    while title.lower() in used:
        title = f"{cleaned[: 31 - len(str(suffix)) - 1]}-{suffix}"
        suffix += 1
    used.add(title.lower())
    return title


def _print_setup(sheet, header_row: int) -> None:
    """Print the sheet on A4 landscape, as wide as the page, its header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6


def write_table(sheet, table: Table, *, first_row: int = 1) -> None:
    """Write a table to a worksheet: bold wrapped headers, typed cells, fitted widths."""
    bold = Font(bold=True)
    for column, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=first_row, column=column, value=neutralise(header))
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [_display_width(header) for header in table.headers]
    for offset, row in enumerate(table.rows, start=1):
        for column, item in enumerate(row.cells, start=1):
            cell = sheet.cell(row=first_row + offset, column=column, value=item.sheet_value)
            if item.number_format and item.value is not None:
                cell.number_format = item.number_format
            widths[column - 1] = max(widths[column - 1], _display_width(item.text))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 50)
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)
    _print_setup(sheet, first_row)


def render_bulletin_xlsx(bulletin: Bulletin) -> bytes:
    """Return the bulletin as an Excel workbook: overview, rankings, notices and the rest.

    Every sheet prints on A4 landscape, fitted to the page's width, its header row repeated.
    """
    workbook = Workbook()
    used: set[str] = set()
    overview = workbook.active
    table = zone_table(bulletin)
    overview.title = _sheet_title(table.sheet, used)
    # The title and dates sit above the table; the header row is row 4.
    write_table(overview, table, first_row=4)
    overview["A1"] = bulletin.title
    overview["A1"].font = Font(bold=True, size=14)
    overview["A2"] = dates_line(bulletin)
    overview.cell(row=5 + len(table.rows), column=1, value=bulletin.summary)
    if bulletin.data_quality_note:
        overview.cell(row=6 + len(table.rows), column=1, value=bulletin.data_quality_note)

    for table in bulletin_tables(bulletin):
        sheet = workbook.create_sheet(_sheet_title(table.sheet, used))
        write_table(sheet, table)

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
