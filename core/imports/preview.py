"""The preview of an import: each changed cell's stored and new value, as pages write them.

The engine hands over the rows it sorted as new or changed, with the stored row it already
fetched for the chunk (one query per chunk, whatever the preview), until the preview holds
``PREVIEW_ROWS`` rows of each; the rest are only counted. Values are kept raw until ``finish``,
which writes them the way the site does (thousands separators and the field's decimals, months
as YYYY-MM, a choice by its label) and names referenced rows — the row a key refers to, a
changed reference — with one query per referenced model for the whole preview.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DecimalField, ForeignKey
from django.utils.text import capfirst

from core.numbers import format_number

from . import formats
from .kinds import CHOICE, DATE, DECIMAL, INTEGER, MONTH, YEAR, Column, ImportKind, Row

PREVIEW_ROWS = 200
BLANK = "—"


@dataclass(frozen=True)
class PreviewCell:
    """One cell of a previewed row: its column, the stored value (None: a new row), the new one."""

    label: str
    old: str | None
    new: str


@dataclass
class PreviewRow:
    """A row of the file that creates or changes a stored row, and the cells it sets."""

    row: int
    key: str
    subject: str = ""
    cells: list[PreviewCell] = field(default_factory=list)
    # What the kind's checks say about the row's values once written (``preview_warnings``):
    # a figure that looks wrong, written anyway if the import is confirmed.
    warnings: list[str] = field(default_factory=list)


def format_value(column: Column | None, model_field, value: Any) -> str:
    """Return ``value`` of a column as pages write it; never in exponent notation."""
    if value is None or value == "":
        return BLANK
    parse = column.parse if column is not None else None
    if parse == CHOICE:
        return str(dict(column.choices.choices).get(value, value))
    if parse == MONTH and isinstance(value, datetime.date):
        return f"{value.year:04d}-{value.month:02d}"  # YYYY-MM, as the site writes a month
    if parse == YEAR:
        return str(value)
    if parse == DATE and isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if parse == DECIMAL or isinstance(value, Decimal):
        places = model_field.decimal_places if isinstance(model_field, DecimalField) else 2
        return format_number(value, places)
    if parse == INTEGER or isinstance(value, int):
        return format_number(value, 0)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return formats.text(value)


def key_text(kind: ImportKind, row: Row) -> str:
    """Return the natural key of a row as the clerk wrote it (credit code, month YYYY-MM)."""
    return ", ".join(
        format_value(column, None, row.values.get(column.key)) for column in kind.key_columns()
    )


class _Plan:
    """How each model attname of a kind is labelled, ordered and written, worked out once."""

    def __init__(self, kind: ImportKind):
        meta = kind.model._meta
        self.order: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.columns: dict[str, Column | None] = {}
        self.fields: dict[str, Any] = {}
        self.references: dict[str, type] = {}
        for position, column in enumerate(kind.columns):
            name = column.field or column.key
            try:
                model_field = meta.get_field(name)
            except FieldDoesNotExist:  # a column that fills no field (an INFO column)
                continue
            attname = model_field.attname
            self.order[attname] = position
            self.labels[attname] = column.header()
            self.fields[attname] = model_field
            if isinstance(model_field, ForeignKey):
                # A reference (a department by its code): written as the row it names.
                self.references[attname] = model_field.related_model
                self.columns[attname] = None
            else:
                self.columns[attname] = column
        for model_field in meta.concrete_fields:
            attname = model_field.attname
            if attname in self.fields:
                continue
            self.fields[attname] = model_field
            self.labels[attname] = capfirst(str(model_field.verbose_name))
            self.columns[attname] = None
            if isinstance(model_field, ForeignKey):
                self.references[attname] = model_field.related_model
        self.key_references = [
            (position, self.references[name])
            for position, name in enumerate(kind.natural_key)
            if name in self.references
        ]


class Previewer:
    """Collect the first new and changed rows of a run and write them out for the page."""

    def __init__(self, kind: ImportKind, limit: int | None = None):
        self.kind = kind
        self.limit = PREVIEW_ROWS if limit is None else limit
        self.plan = _Plan(kind)
        self.skip = set(kind.natural_key)
        # (row number, key text, natural key, [(attname, old, new)]) until ``finish``.
        self.creates: list[tuple[int, str, tuple, list[tuple[str, Any, Any]]]] = []
        self.updates: list[tuple[int, str, tuple, list[tuple[str, Any, Any]]]] = []
        # The previewed rows' values as they would be stored, by row number.
        self.values: dict[int, tuple[tuple, dict]] = {}

    def add_create(self, row: Row, values: dict) -> None:
        fields, skip = self.plan.fields, self.skip
        cells = [
            (name, None, value)
            for name, value in values.items()
            if name in fields and name not in skip
        ]
        self.creates.append((row.number, key_text(self.kind, row), row.key, cells))
        self.values[row.number] = (row.key, values)

    def add_update(self, row: Row, existing: dict, values: dict, changed: list[str]) -> None:
        cells = [(name, existing.get(name), values[name]) for name in changed]
        self.updates.append((row.number, key_text(self.kind, row), row.key, cells))
        self.values[row.number] = (row.key, {**existing, **values})

    def finish(self) -> tuple[list[PreviewRow], list[PreviewRow]]:
        """Return the previewed (new rows, changed rows), written out; a query per model named."""
        plan = self.plan
        wanted: dict[type, set] = {}
        for _number, _key, natural, cells in self.creates + self.updates:
            for position, model in plan.key_references:
                wanted.setdefault(model, set()).add(natural[position])
            for name, old, new in cells:
                model = plan.references.get(name)
                if model is not None:
                    wanted.setdefault(model, set()).update(v for v in (old, new) if v is not None)
        names = {
            model: {pk: str(obj) for pk, obj in model._default_manager.in_bulk(ids).items()}
            for model, ids in wanted.items()
        }

        def text(name: str, value: Any) -> str:
            model = plan.references.get(name)
            if model is not None:
                return BLANK if value is None else names[model].get(value, str(value))
            return format_value(plan.columns.get(name), plan.fields.get(name), value)

        warnings = self.kind.preview_warnings(self.values) if self.values else {}

        def out(entries, *, new_rows: bool) -> list[PreviewRow]:
            rows = []
            for number, key, natural, cells in entries:
                subject = " · ".join(
                    names[model].get(natural[position], "")
                    for position, model in plan.key_references
                )
                ordered = sorted(cells, key=lambda cell: plan.order.get(cell[0], len(plan.order)))
                rows.append(
                    PreviewRow(
                        row=number,
                        key=key,
                        subject=subject,
                        cells=[
                            PreviewCell(
                                label=plan.labels.get(name, name),
                                old=None if new_rows else text(name, old),
                                new=text(name, new),
                            )
                            for name, old, new in ordered
                        ],
                        warnings=warnings.get(number, []),
                    )
                )
            return rows

        return out(self.creates, new_rows=True), out(self.updates, new_rows=False)
