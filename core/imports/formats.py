"""Turning the cells of an imported workbook into values: text, numbers, months, dates, years.

The reader (``reader``) hands cells over as ``str``, ``Decimal``, ``bool`` or ``None``; each
function here reads one kind of cell the way people type it in Excel or LibreOffice (full-width
digits, thousands separators, 2021年11月, a date cell for a month) or raises ``CellError`` with
a message saying why not.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exports import unguard


class CellError(Exception):
    """A cell's value is not what its column needs; the message says why."""


_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "，": ",",
        "．": ".",
        "－": "-",
        "／": "/",
        "　": " ",
        "＋": "+",
        "％": "%",
    }
)
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*月)?(?:\s*[-/.]\s*(\d{1,2})\s*日?)?$")
_YYYYMM_RE = re.compile(r"^(\d{4})(\d{2})$")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def text(value: Any) -> str:
    """Return a cell as trimmed text ('' for an empty cell); whole numbers without '.0'.

    The apostrophe our exports put before text that would start a formula is taken off.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return unguard(str(value).strip())


def number(value: Any) -> Decimal:
    """Return a cell as a Decimal: numbers, text numbers, "1,234.50", full-width digits."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise CellError(_("This is not a number."))
    if isinstance(value, int | float):
        return Decimal(repr(value))
    raw = str(value).translate(_FULL_WIDTH).strip().replace(" ", "")
    if _GROUPED_RE.match(raw):
        raw = raw.replace(",", "")
    if not _NUMBER_RE.match(raw):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    return Decimal(raw)


def decimal(value: Any, *, places: int, digits: int) -> Decimal:
    """Return a cell as a Decimal of at most ``places`` decimals and ``digits`` digits.

    Binary floating point noise left by a spreadsheet (0.30000000000000004) is rounded away;
    a real third decimal is refused.
    """
    result = number(value)
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = round(result, places)
        if abs(rounded - result) > Decimal("1e-9"):
            raise CellError(
                _("“%(value)s” has more than %(places)s decimals.")
                % {"value": value, "places": places}
            )
        result = rounded
    if not result.is_finite() or abs(result) >= Decimal(10) ** (digits - places):
        raise CellError(_("“%(value)s” is too large.") % {"value": value})
    return result


def integer(value: Any) -> int:
    """Return a cell as a whole number."""
    result = number(value)
    if result != result.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    return int(result)


def _serial_date(serial: Decimal) -> datetime.date:
    if not 1 <= serial < 2958466:
        raise CellError(_("“%(value)s” is not a date.") % {"value": serial})
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def month(value: Any) -> datetime.date:
    """Return the first day of the month in a cell: a date, "2021-11", "2021/11", "2021年11月"."""
    if isinstance(value, datetime.datetime | datetime.date):
        day = value.date() if isinstance(value, datetime.datetime) else value
    elif isinstance(value, Decimal):
        as_text = text(value)
        found = _YYYYMM_RE.match(as_text)
        day = (
            _make_date(found.group(1), found.group(2), "1", value) if found else _serial_date(value)
        )
    else:
        raw = str(value).translate(_FULL_WIDTH).strip()
        found = _MONTH_RE.match(raw) or _YYYYMM_RE.match(raw)
        if not found:
            # ISO date-times, as some programs write dates in text cells.
            try:
                day = datetime.date.fromisoformat(raw[:10])
            except ValueError:
                raise CellError(
                    _("“%(value)s” is not a month: write it as 2021-11 or 2021/11.")
                    % {"value": value}
                ) from None
        else:
            day = _make_month(found.group(1), found.group(2), value)
    if not 2000 <= day.year <= 2100:
        raise CellError(
            _("The year of “%(value)s” is not between 2000 and 2100.") % {"value": value}
        )
    return day.replace(day=1)


def date(value: Any) -> datetime.date:
    """Return the date in a cell: a date, "2021-11-30", "2021/11/30" or "2021年11月30日"."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, Decimal):
        return _serial_date(value)
    raw = str(value).translate(_FULL_WIDTH).strip()
    found = _DATE_RE.match(raw)
    if found:
        return _make_date(found.group(1), found.group(2), found.group(3), value)
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError:
        raise CellError(
            _("“%(value)s” is not a date: write it as 2021-11-30.") % {"value": value}
        ) from None


def _make_month(year: str, month_: str, value: Any) -> datetime.date:
    if not 1 <= int(month_) <= 12:
        raise CellError(
            _("“%(value)s” is not a month: the month is between 1 and 12.") % {"value": value}
        )
    return datetime.date(int(year), int(month_), 1)


def _make_date(year: str, month_: str, day: str, value: Any) -> datetime.date:
    try:
        return datetime.date(int(year), int(month_), int(day))
    except ValueError:
        raise CellError(_("“%(value)s” is not a valid date.") % {"value": value}) from None


def year(value: Any) -> int:
    """Return a year between 2000 and 2100 from a cell ("2021", 2021 or "2021年")."""
    raw = value
    if isinstance(raw, str):
        raw = raw.translate(_FULL_WIDTH).strip().removesuffix("年")
    try:
        result = integer(raw)
    except CellError:
        raise CellError(_("“%(value)s” is not a year.") % {"value": value}) from None
    if not 2000 <= result <= 2100:
        raise CellError(_("The year “%(value)s” is not between 2000 and 2100.") % {"value": value})
    return result


def normalise_label(value: Any) -> str:
    """Return a header cell in the form used to match it to a column."""
    raw = unicodedata.normalize("NFKC", text(value)).lower()
    raw = raw.replace("*", "").replace(" ", "")
    return raw
