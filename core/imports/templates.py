"""The .xlsx template of each kind of import, empty or filled with stored rows.

The first sheet holds the table: one header row in the user's language, then nothing (or the
stored rows, for a round trip) — an example row there would be imported unless deleted, so
the example lives in the notes sheet. Choice columns get a dropdown (data validation) of
their labels, kept in a hidden sheet. The notes sheet explains every column, its format,
whether it is required, the natural key that decides between creating and updating, what a
blank cell does, and shows an example row.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.exports import neutralise

from .kinds import CHOICE, FORMAT_HELP, INFO, Column, ImportKind

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INFO_FILL = PatternFill("solid", fgColor="EDEDED")
LAST_ROW = 100_000


def _sheet_title(text: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in force_str(text))
    return cleaned[:31] or "Sheet1"


def _cell_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.parse == CHOICE:
        labels = dict(column.choices.choices)
        return neutralise(force_str(labels.get(value, value)))
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return neutralise(force_str(value))


def render_template(kind: ImportKind, rows: Iterable[dict] | None = None) -> bytes:
    """Return the .xlsx template of ``kind``, its table empty or filled with ``rows``.

    ``rows`` are export_row dicts (the round trip).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(kind.label))
    lists = workbook.create_sheet("lists")
    notes = workbook.create_sheet(_sheet_title(_("Notes")))

    for index, column in enumerate(kind.columns, start=1):
        width = max(12, min(40, len(column.header()) * 2 + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    # Dropdowns: each choice column's labels in a column of the hidden sheet.
    list_columns = []
    for index, column in enumerate(kind.columns, start=1):
        if column.parse != CHOICE:
            continue
        labels = [force_str(label) for value, label in column.choices.choices if value]
        list_columns.append(labels)
        letter = get_column_letter(len(list_columns))
        validation = DataValidation(
            type="list",
            formula1=f"lists!${letter}$1:${letter}${len(labels)}",
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle=_("Not a choice"),
            error=_("Pick one of the values of the list."),
        )
        target = get_column_letter(index)
        validation.add(f"{target}2:{target}{LAST_ROW}")
        sheet.data_validations.append(validation)

    header = []
    for column in kind.columns:
        cell = WriteOnlyCell(sheet, value=column.header() + (" *" if column.required else ""))
        cell.font = Font(bold=True)
        cell.fill = INFO_FILL if column.parse == INFO else HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for values in rows if rows is not None else ():
        sheet.append([_cell_value(column, values.get(column.key)) for column in kind.columns])

    for position in range(max((len(labels) for labels in list_columns), default=0)):
        lists.append(
            [labels[position] if position < len(labels) else None for labels in list_columns]
        )
    lists.sheet_state = "hidden"

    _write_notes(kind, notes)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _line_writer(notes):
    """Return ``line(*values, bold=False)``, which appends a row of wrapped cells to ``notes``."""
    bold_font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(*values, bold=False):
        cells = []
        for value in values:
            cell = WriteOnlyCell(notes, value=value)
            cell.alignment = wrap
            if bold:
                cell.font = bold_font
            cells.append(cell)
        notes.append(cells)

    return line


def _write_notes(kind: ImportKind, notes) -> None:
    """Write the notes sheet: how an import works, then each column's format, then an example."""
    for letter, width in zip("ABCD", (28, 12, 50, 60), strict=True):
        notes.column_dimensions[letter].width = width
    line = _line_writer(notes)
    _write_how_it_works(kind, line)
    line()
    _write_columns_help(kind, line)
    _write_example(kind, line)


def _write_how_it_works(kind: ImportKind, line) -> None:
    """Write the rules of an import of ``kind``: matching on the natural key, blanks, errors."""
    line(_("Import of %(kind)s") % {"kind": force_str(kind.label)}, bold=True)
    line(
        _(
            "Fill in the first sheet from its second row on; keep the header row. Columns marked "
            "* are required. Rows are matched on the natural key: a row whose key exists updates "
            "it, any other row is created, and rows that change nothing are left alone."
        )
    )
    key_columns = [column.header() for column in kind.key_columns()]
    line(_("Natural key: %(columns)s.") % {"columns": " + ".join(key_columns)}, bold=True)
    for note in kind.notes():
        line(force_str(note))
    line(
        _(
            "A blank cell leaves the stored value as it is: to clear a figure, write 0. In a new "
            "row a blank cell takes its default (0 for figures, empty otherwise); a blank "
            "required cell (marked *) is an error."
        ),
        bold=True,
    )
    line(
        _(
            "Every bad row is listed with its row number, column, value and the reason, and then "
            "nothing is written: correct the file and import it again."
        )
    )


def _write_columns_help(kind: ImportKind, line) -> None:
    """Write one row per column: its header, whether it is required, its format, its meaning."""
    line(
        _("Column"), pgettext("import column", "Required"), _("Format"), _("Explanation"), bold=True
    )
    for column in kind.columns:
        explanation = force_str(column.help)
        if column.parse == CHOICE:
            explanation = (explanation + " " if explanation else "") + "、".join(
                force_str(label) for value, label in column.choices.choices if value
            )
        line(
            column.header(),
            _("yes") if column.required else _("no"),
            force_str(FORMAT_HELP[column.parse]),
            explanation,
        )


def _write_example(kind: ImportKind, line) -> None:
    """Write the kind's example rows, if it has any, marked as not to be copied."""
    examples = kind.example_rows()
    if examples:
        line()
        line(_("Example (for reading only: do not copy it into the first sheet)"), bold=True)
        line(*[column.header() for column in kind.columns], bold=True)
        for values in examples:
            line(*[_cell_value(column, values.get(column.key)) for column in kind.columns])


def template_filename(kind: ImportKind) -> str:
    return _("%(kind)s import template") % {"kind": force_str(kind.label)}
