"""Reading the cells of one column: its format (``formats``), then the model field's own rules.

Most cells take a fast path in C (a memo of values already read, ``Decimal.quantize`` for
money, the field's limits); anything unusual — a blank, text, a bad value — takes the full
path, which also words the message. ``find_header`` finds the header row and maps its labels,
in Chinese or English, onto the kind's columns.
"""

from __future__ import annotations

import decimal
import itertools
import operator
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db.models import DecimalField
from django.utils import translation
from django.utils.translation import gettext as _

from . import formats
from .formats import CellError
from .kinds import CHOICE, CODE, DATE, DECIMAL, INTEGER, MONTH, TEXT, YEAR, Column, ImportKind, Row
from .reader import ImportFileError

HEADER_SEARCH_ROWS = 30
MEMO_SIZE = 50_000


def _code(cell) -> str:
    """Return a code (a credit code) without spaces, in capitals; refuse one stored as a number."""
    if isinstance(cell, Decimal):
        # Excel keeps 15 significant digits: an 18-digit code typed into a number cell is lost.
        raise CellError(
            _(
                "The code was stored as a number (%(value)s), so its last digits are lost: "
                "format the column as text and type the code again."
            )
            % {"value": formats.text(cell)}
        )
    return "".join(unicodedata.normalize("NFKC", formats.text(cell)).split()).upper()


def _exact_int(cell) -> int:
    if cell.__class__ is Decimal:
        value = int(cell)
        if value == cell:
            return value
    raise ValueError(cell)


class _Parser:
    """Read the cells of one column: its format, then the model field's own rules."""

    def __init__(self, kind: ImportKind, column: Column):
        self.column = column
        self.model_field = kind.model._meta.get_field(column.field) if column.field else None
        self.parse = self._reader()
        self.validators = []
        self.fast_limits: list[tuple[Callable, Any, Any]] = []
        if self.model_field is not None:
            for validator in self.model_field.validators:
                if isinstance(validator, DecimalValidator):
                    continue  # the decimal reader checks digits and places itself
                if isinstance(validator, MinValueValidator | MaxValueValidator):
                    self.fast_limits.append(validator)
                else:
                    self.validators.append(validator)
        self.blank_value = self._blank_value()
        self.memo: dict = {}

    def _reader(self) -> Callable[[Any], Any]:
        parse = self.column.parse
        model_field = self.model_field
        if parse == DECIMAL:
            places = model_field.decimal_places if isinstance(model_field, DecimalField) else 2
            digits = model_field.max_digits if isinstance(model_field, DecimalField) else 14
            limit = Decimal(10) ** (digits - places)
            quantum = Decimal(1).scaleb(-places)

            def read_decimal(value):
                if type(value) is Decimal and value.is_finite():
                    exponent = value.as_tuple().exponent
                    if exponent >= -places and -limit < value < limit:
                        return value
                    if exponent < -places:
                        rounded = value.quantize(quantum)
                        if abs(rounded - value) <= Decimal("1e-9") and -limit < rounded < limit:
                            return rounded
                return formats.decimal(value, places=places, digits=digits)

            return read_decimal
        if parse == INTEGER:
            return formats.integer
        if parse == MONTH:
            return formats.month
        if parse == DATE:
            return formats.date
        if parse == YEAR:
            return formats.year
        if parse == CODE:
            return _code
        if parse == CHOICE:
            return self._choice_reader()
        return formats.text

    def _choice_reader(self) -> Callable[[Any], Any]:
        options = self.column.choices
        by_text: dict[str, str] = {}
        for value, label in options.choices:
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    by_text[formats.normalise_label(str(label))] = value
            by_text[formats.normalise_label(value)] = value

        def read_choice(cell):
            found = by_text.get(formats.normalise_label(cell))
            if found is None:
                raise CellError(
                    _("“%(value)s” is not one of the choices: %(choices)s.")
                    % {
                        "value": formats.text(cell),
                        "choices": "、".join(str(label) for _v, label in options.choices if _v),
                    }
                )
            return found

        return read_choice

    def fast_path(self) -> tuple[Callable | None, Any, Any]:
        """Return (fast reader, lowest, highest) for cells that need no message, or Nones.

        The fast reader is a C-level callable that returns the value, or raises for a cell it
        cannot take.
        """
        if self.validators or any(
            not isinstance(v, MinValueValidator | MaxValueValidator) for v in self.fast_limits
        ):
            return None, None, None
        low = max(
            (v.limit_value for v in self.fast_limits if isinstance(v, MinValueValidator)),
            default=None,
        )
        high = min(
            (v.limit_value for v in self.fast_limits if isinstance(v, MaxValueValidator)),
            default=None,
        )
        parse = self.column.parse
        if parse == DECIMAL and isinstance(self.model_field, DecimalField):
            context = decimal.Context(
                prec=self.model_field.max_digits,
                traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow],
            )
            quantum = Decimal(1).scaleb(-self.model_field.decimal_places)
            # methodcaller with positional arguments: half the cost of a partial with keywords,
            # and like it refuses anything but a Decimal (a TRUE cell is no amount).
            return operator.methodcaller("quantize", quantum, None, context), low, high
        if parse == INTEGER:
            return _exact_int, low, high
        if parse in (MONTH, YEAR, CODE, CHOICE, DATE):
            return self.memo.__getitem__, low, high
        return None, None, None

    def _blank_value(self):
        if self.model_field is None:
            return None
        if self.model_field.has_default():
            return self.model_field.get_default()
        if self.model_field.null:
            return None
        return "" if self.column.parse in (TEXT, CODE, CHOICE) else None

    def read(self, row: Row, cell: Any) -> None:
        column = self.column
        if cell is None or (type(cell) is str and not cell.strip()):
            if column.required:
                row.error(column, "", _("A value is required."))
            elif self.model_field is not None:
                row.blank(column.key)
            return
        try:
            value = self.parse(cell)
        except CellError as error:
            row.error(column, cell, str(error))
            return
        for validator in self.fast_limits:
            if validator.compare(value, validator.limit_value):
                return self._validator_error(row, cell, validator, value)
        if self.model_field is not None:
            max_length = getattr(self.model_field, "max_length", None)
            if max_length and isinstance(value, str) and len(value) > max_length:
                return self._validator_error(row, cell, MaxLengthValidator(max_length), value)
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as error:
                row.error(column, cell, " ".join(error.messages))
                return
        row.values[column.key] = value
        if column.parse in (MONTH, YEAR, CODE, CHOICE, DATE):
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[cell] = value

    def _validator_error(self, row, cell, validator, value) -> None:
        try:
            validator(value)
        except ValidationError as error:
            row.error(self.column, cell, " ".join(error.messages))


def find_header(kind: ImportKind, rows: Iterator[tuple[int, list]]):
    """Return (header row number, [(column index, Column)], ignored labels) from the first rows.

    The header is the first row holding the labels of every required column, in Chinese or
    English; title rows (merged or not) above it are skipped.
    """
    by_label: dict[str, Column] = {}
    for column in kind.columns:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                by_label.setdefault(formats.normalise_label(str(column.label)), column)
        by_label.setdefault(formats.normalise_label(column.key), column)
    required = {column.key for column in kind.columns if column.required}
    for number, values in itertools.islice(rows, HEADER_SEARCH_ROWS):
        mapping: list[tuple[int, Column]] = []
        seen: set[str] = set()
        ignored = []
        for index, value in enumerate(values):
            label = formats.normalise_label(value)
            if not label:
                continue
            column = by_label.get(label)
            if column is None or column.key in seen:
                ignored.append(formats.text(value))
                continue
            seen.add(column.key)
            mapping.append((index, column))
        if required <= seen and len(seen) >= 2:
            return number, mapping, ignored
    raise ImportFileError(
        _(
            "No header row was found in the first sheet. The table needs a row with the column "
            "headers %(labels)s, as in the template."
        )
        % {"labels": "、".join(f"“{c.header()}”" for c in kind.columns if c.required)}
    )
