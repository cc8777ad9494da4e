"""The registry of import kinds and what a kind declares: its columns, natural key and hooks.

A kind lists its columns (label, how a cell is read, which model field it fills) and its
natural key; the engine does the rest. References to other rows are resolved in a few
set-based queries per chunk of rows by the kind's ``resolve``. Field rules come from the model
fields themselves (their validators, choices, lengths and decimal places); rules between fields
reuse the model's ``clean`` where it needs no query, and whole-file rules run in ``finish``.
Whatever a write must bring in step (a rollup of the written rows) is the kind's
``after_write`` / ``after_all``; the engine itself drops the cached figures
(core/figures_cache.py), since bulk writes send no signals.

Each app registers its kinds with ``register`` from its own ``imports`` module, found by
``autodiscover`` the way the admin finds ``admin`` modules, so this package names no app.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

TEXT, CODE, DECIMAL, INTEGER, MONTH, YEAR, DATE, CHOICE, INFO = (
    "text",
    "code",
    "decimal",
    "integer",
    "month",
    "year",
    "date",
    "choice",
    "info",
)

FORMAT_HELP = {
    TEXT: _("Text."),
    CODE: _("A code: spaces are ignored, letters read as capitals."),
    DECIMAL: _("A number with at most 2 decimals, e.g. 1234.50 (thousands separators allowed)."),
    INTEGER: _("A whole number."),
    MONTH: _("A month: a date cell, or text such as 2021-11 or 2021/11."),
    YEAR: _("A year, e.g. 2021."),
    DATE: _("A date: a date cell, or text such as 2021-11-30."),
    CHOICE: _("One of the values of the dropdown."),
    INFO: _("For reading only: ignored by the import."),
}


@dataclass(frozen=True)
class Column:
    """One column of an import: its header, how its cells are read and what they fill."""

    key: str
    label: Any
    parse: str
    required: bool = False
    # The model field whose validators, choices and default apply; "" for none.
    field: str = ""
    choices: Any = None
    help: Any = ""
    example: Any = None

    def header(self) -> str:
        return capfirst(str(self.label))


class Row:
    """A data row of the file while it is checked: its values, natural key and errors."""

    __slots__ = ("number", "values", "key", "errors", "existing", "blanks")

    def __init__(self, number: int):
        self.number = number
        self.values: dict[str, Any] = {}
        self.key: tuple | None = None
        self.errors: list[tuple[str, Any, str]] = []
        self.existing: dict | None = None
        # The keys of optional cells left blank: absent from ``values``, so an update leaves
        # their stored values alone; a new row takes the model's blank value (default, null).
        self.blanks: list[str] | None = None

    def blank(self, key: str) -> None:
        if self.blanks is None:
            self.blanks = [key]
        else:
            self.blanks.append(key)

    def error(self, column: Column | str, value: Any, message) -> None:
        label = column.header() if isinstance(column, Column) else str(column)
        self.errors.append((label, value, str(message)))


@dataclass
class Context:
    """What a run knows beyond the rows: who imports, when, and caches of reference tables."""

    user: Any
    today: datetime.date
    now: datetime.datetime
    cache: dict = field(default_factory=dict)
    # The connection the writes go through: after_write runs in the writer's thread on
    # PostgreSQL, where ``django.db.connection`` would be another thread's connection.
    db: Any = None

    def once(self, name: str, load):
        """Return ``load()`` computed once per run (a reference table, the closed months)."""
        if name not in self.cache:
            self.cache[name] = load()
        return self.cache[name]


class ImportKind:
    """A kind of rows that can be imported; subclasses declare columns and references."""

    key = ""
    label: Any = ""
    model: type[Model]
    columns: list[Column] = []
    # Model attnames forming the natural key, after references are resolved.
    natural_key: tuple[str, ...] = ()
    # The natural key's references: the attname of each id and the column that names its row
    # (an id stands for the cell that named it, in messages and in the template's notes).
    key_references: dict[str, str] = {}
    # The path from the model to the row that decides the scope, or "".
    scope_model: type[Model] | None = None
    scope_field = ""
    # Whether the model's clean() runs per row (only for models whose clean needs no query).
    model_clean = False

    @property
    def permissions(self) -> tuple[str, str]:
        meta = self.model._meta
        return (
            f"{meta.app_label}.add_{meta.model_name}",
            f"{meta.app_label}.change_{meta.model_name}",
        )

    def key_columns(self) -> list[Column]:
        """Return the columns that hold the natural key (a reference stands for its id)."""
        keys = {self.key_references.get(name, name) for name in self.natural_key}
        return [column for column in self.columns if column.key in keys]

    def may_import(self, user) -> bool:
        return bool(user and user.is_active and any(user.has_perm(p) for p in self.permissions))

    def notes(self) -> list[Any]:
        """Return sentences for the notes sheet beside the column table."""
        return []

    def resolve(self, ctx: Context, rows: list[Row]) -> None:
        """Turn references into ids, set-based; add an error to rows naming unknown ones."""

    def check(self, ctx: Context, row: Row) -> None:
        """Check rules between fields of one row (no queries)."""

    def finish(self, ctx: Context) -> list[tuple[int, str, Any, str]]:
        """Return errors of whole-file rules, once every row was checked."""
        return []

    def preview_warnings(self, rows: dict[int, tuple[tuple, dict]]) -> dict[int, list[str]]:
        """Return warnings about previewed rows by row number (a few queries for them all).

        ``rows`` maps a row number to its natural key and its values as they would be stored
        (a new row's given cells; a changed row's stored values with the file's on top).
        Warnings never refuse a row: they are what a confirmed import will flag.
        """
        return {}

    def after_write(self, ctx: Context, rows: list[dict]) -> None:
        """Bring derived data in step after rows were written (one call per chunk).

        It may run in the engine's writer thread: its SQL goes through ``ctx.db``, never the
        thread's own ``django.db.connection`` (or the ORM), so it stays in the import's
        transaction.
        """

    def after_all(self, ctx: Context) -> None:
        """Bring derived data in step once everything was written."""

    def export_queryset(self, user=None):
        """Return the rows to write into a filled template (the round trip)."""
        return self.model._default_manager.all()

    def export_row(self, obj) -> dict[str, Any]:
        """Return the cell values of ``obj`` keyed by column key."""
        return {
            column.key: getattr(obj, column.field or column.key, None) for column in self.columns
        }

    def example_rows(self) -> list[dict[str, Any]]:
        """Return example rows, shown in the template's notes sheet (never in its data sheet)."""
        return [
            {column.key: column.example for column in self.columns if column.example is not None}
        ]


# --- the registry --------------------------------------------------------------------------------

KINDS: dict[str, ImportKind] = {}
_discovered = False


def register(kind: ImportKind) -> ImportKind:
    """Make ``kind`` importable under its key."""
    KINDS[kind.key] = kind
    return kind


def autodiscover() -> None:
    """Import the ``imports`` module of every installed app, which registers its kinds."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("imports")
        _discovered = True


def get_kind(key: str) -> ImportKind | None:
    autodiscover()
    return KINDS.get(key)


def all_kinds() -> list[ImportKind]:
    autodiscover()
    return list(KINDS.values())
