"""Checking and writing an imported workbook: every bad row reported, then all or nothing.

One pass over the file inside one transaction, in chunks of rows: each chunk's cells are read
and checked, its references resolved and its existing rows looked up in a few set-based
queries, and — as long as no row so far was bad — its new and changed rows are written with
their history rows (who imported them, when). Reading goes on to the end whatever happens, so
the report lists every bad row; if there was one, the transaction is rolled back and nothing
is written. A check-only run (the preview, ``--dry-run``) never writes.

Unchanged rows are not written and get no history row, so importing the same file twice
changes nothing the second time. A blank cell leaves the stored value as it is (0 clears a
figure); in a new row it takes the model's blank value (its default, or null).

On PostgreSQL three threads share the work: one reads and checks the cells, this one resolves
references and sorts the rows into new, changed and unchanged, and a writer thread writes the
checked chunks (COPY into a staging table, INSERT … SELECT of the rows and their history rows,
the year-to-date rollup) through this thread's connection, so in the same transaction, while
the next chunks are read. Elsewhere each chunk is written in turn, through simple-history's
bulk helpers, in a savepoint.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import operator
import queue
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.models import DecimalField
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.figures_cache import figures_changed

from . import formats
from .formats import CellError, ImportFileError, XlsxReader
from .kinds import (
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    INFO,
    INTEGER,
    MONTH,
    TEXT,
    YEAR,
    Column,
    Context,
    ImportKind,
    Row,
)
from .preview import Previewer, PreviewRow, key_text

CHUNK = 5000
HEADER_SEARCH_ROWS = 30
MAX_ERRORS = 2000
MEMO_SIZE = 50_000
HANDOVER_ROWS = 63  # a mask: the reading thread hands the GIL over every 64 rows (~2 ms)


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


@dataclass(frozen=True)
class RowError:
    """A bad cell or row: where it is, what it holds and what is wrong."""

    row: int
    column: str
    value: Any
    message: str


@dataclass
class ImportResult:
    """What a run found and did: counts, every error, and (a check-only run) a preview.

    ``additions`` and ``changes`` list the first new and changed rows (``PREVIEW_ROWS`` of
    each) with their cells written as pages write them, stored value → new value.
    """

    kind: str
    errors: list[RowError] = field(default_factory=list)
    errors_omitted: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    header_row: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    additions: list[PreviewRow] = field(default_factory=list)
    changes: list[PreviewRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.errors_omitted

    @property
    def additions_omitted(self) -> int:
        return self.created - len(self.additions)

    @property
    def changes_omitted(self) -> int:
        return self.updated - len(self.changes)

    def add_error(self, row: int, column: str, value: Any, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, _display(value), str(message)))
        else:
            self.errors_omitted += 1


def _display(value: Any) -> Any:
    if isinstance(value, Decimal):
        return formats.text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- cells ---------------------------------------------------------------------------------------


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


# --- the run -------------------------------------------------------------------------------------


def run_import(
    *,
    kind: ImportKind,
    source: str | IO[bytes],
    user=None,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
    progress: bool = False,
) -> ImportResult:
    """Check the workbook ``source`` for ``kind`` and, unless ``dry_run``, write it.

    ``user`` is the importing user: their row-level scope and permissions apply and history rows
    name them; ``None`` is a system import (the command without ``--user``). A file that
    cannot be read raises ImportFileError; bad rows are listed in the result, and then nothing
    is written. A check-only run also previews the first new and changed rows.
    """
    now = now or timezone.now()
    # The wrapper itself, not the ``connection`` proxy: that one finds each thread's own
    # connection, and the writer thread must write through this thread's (its transaction).
    db = connections[DEFAULT_DB_ALIAS]
    ctx = Context(user=user, today=timezone.localdate(now), now=now, db=db)
    result = ImportResult(kind=kind.key)
    with XlsxReader(source) as reader:
        rows = iter(reader.rows())
        header_row, mapping, ignored = find_header(kind, rows)
        result.header_row = header_row
        result.ignored_columns = ignored
        parsers = [
            (index, _Parser(kind, column)) for index, column in mapping if column.parse != INFO
        ]
        writer = None
        previewer = Previewer(kind) if dry_run else None
        if not dry_run:
            writer = _Writer(kind, ctx, [p.column for _i, p in parsers])
            if db.vendor == "postgresql":
                writer = _BackgroundWriter(writer)
            else:
                writer = _InlineWriter(writer)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(disable=None, unit=" rows", desc=str(kind.label))
        try:
            with transaction.atomic(using=db.alias):
                immediate = writer is not None and db.vendor == "postgresql"
                if immediate:
                    # Foreign keys checked as each chunk is written (overlapping with reading
                    # the rest of the file) instead of all at once at the commit.
                    with db.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _check_and_write(kind, ctx, result, rows, parsers, writer, bar, previewer)
                if writer is not None and result.ok:
                    try:
                        kind.after_all(ctx)
                    except IntegrityError as error:
                        result.add_error(0, "", "", _conflict(error))
                if writer is None or not result.ok:
                    transaction.set_rollback(True, using=db.alias)
                else:
                    result.written = True
                    # Bulk writes send no signals: cached rankings and statistics are stale.
                    figures_changed()
                if immediate and result.written:
                    with db.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            if bar is not None:
                bar.close()
    if previewer is not None and result.ok:
        result.additions, result.changes = previewer.finish()
    return result


def _conflict(error) -> str:
    return _(
        "The database refused the rows (%(error)s): someone may have changed the same records "
        "meanwhile. Nothing was written; import the file again."
    ) % {"error": str(error).splitlines()[0][:200]}


def _read_rows(rows, parsers) -> Iterator[Row]:
    """Yield a checked Row for every non-empty row; most cells take a fast path in C.

    A cell first goes through its column's fast reader (a C-level call: a memo of values
    already read, or Decimal.quantize for money) and its limits; anything unusual — a blank,
    text, a bad value — takes the parser's full path, which also words the message.

    This runs in a thread while the writer thread waits on PostgreSQL. Left alone it would
    keep the GIL for the whole switch interval (5 ms) each time the writer comes back with a
    result; handing the GIL over every few rows lets the writer send its next statement at
    once (a quarter more rows a second on the benchmark).
    """
    plan = [(index, parser.column.key, *parser.fast_path(), parser) for index, parser in parsers]
    empty_run = 0
    blank = (None, "")
    read = 0
    for number, values in rows:
        if all(value in blank for value in values):
            empty_run += 1
            if empty_run >= formats.EMPTY_ROWS_END:
                return
            continue
        empty_run = 0
        read += 1
        if not read & HANDOVER_ROWS:
            time.sleep(0)
        row = Row(number)
        data = row.values
        width = len(values)
        for index, key, fast, low, high, parser in plan:
            cell = values[index] if index < width else None
            if fast is not None:
                try:
                    value = fast(cell)
                except Exception:  # noqa: BLE001 - any failure takes the full path
                    pass
                else:
                    if (low is None or value >= low) and (high is None or value <= high):
                        data[key] = value
                        continue
            parser.read(row, cell)
        yield row


class _ChunkReader:
    """Read and check the cells of the file in a thread, a few chunks ahead of the writes.

    The thread does no database work: it only parses XML and cells (Python holding the GIL),
    while the main thread's queries and COPY wait on PostgreSQL, so the two overlap. The queue
    is bounded, so memory stays a few chunks whatever the file's size.
    """

    AHEAD = 2

    def __init__(self, rows, parsers):
        self.rows = rows
        self.parsers = parsers
        self.queue: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self.stop = threading.Event()
        self.language = translation.get_language()
        self.thread = threading.Thread(target=self._run, name="xlsx-reader", daemon=True)

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        translation.activate(self.language)
        try:
            stream = _read_rows(self.rows, self.parsers)
            while chunk := list(itertools.islice(stream, CHUNK)):
                if not self._put(chunk):
                    return
            self._put(None)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            self._put(error)

    def __iter__(self):
        self.thread.start()
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop.set()
            self.thread.join()


def _check_and_write(kind, ctx, result, rows, parsers, writer, bar, previewer) -> None:
    seen: dict[tuple, int] = {}
    model_fields = _writable(kind.model)
    blanks = {
        parser.column.key: parser.blank_value
        for _index, parser in parsers
        if parser.model_field is not None and parser.column.key in model_fields
    }
    permissions = _permissions(kind, ctx.user)
    key_labels = " + ".join(column.header() for column in kind.key_columns())
    error = None
    try:
        for chunk in _ChunkReader(rows, parsers):
            result.rows += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
            try:
                kind.resolve(ctx, chunk)
                _check_rows(kind, ctx, chunk, seen, key_labels)
                _attach_existing(kind, chunk)
            except DatabaseError:
                # A write the writer thread failed aborts the transaction under these reads:
                # its refusal is the one to report, and nothing more can be read. Without
                # one, this read's own error stands.
                error = writer.close(abandon=True) if writer is not None else None
                if error is None:
                    raise
                break
            creates, updates = [], []
            for position, row in enumerate(chunk):
                if not position & HANDOVER_ROWS:
                    time.sleep(0)
                if not row.errors:
                    _classify(kind, row, permissions, creates, updates, result, blanks, previewer)
                for column, value, message in row.errors:
                    result.add_error(row.number, column, value, message)
            if writer is not None and result.ok:
                writer.submit(creates, updates)
        if writer is not None and error is None:
            error = writer.close()
    except BaseException:
        if writer is not None:
            writer.close(abandon=True)
        raise
    if error is not None:
        result.add_error(0, "", "", _conflict(error))
        return
    for number, column, value, message in kind.finish(ctx):
        result.add_error(number, column, value, message)


def _check_rows(kind, ctx, chunk: list[Row], seen: dict[tuple, int], key_labels: str) -> None:
    """Check each row's own rules, set its natural key and refuse a key seen earlier in the file."""
    for position, row in enumerate(chunk):
        if not position & HANDOVER_ROWS:
            time.sleep(0)
        if row.errors:
            continue
        kind.check(ctx, row)
        if row.errors:
            continue
        try:
            row.key = tuple(row.values[name] for name in kind.natural_key)
        except KeyError:
            row.error(key_labels, "", _("The row lacks a value of its natural key."))
            continue
        first = seen.get(row.key)
        if first is not None:
            row.error(
                key_labels,
                key_text(kind, row),
                _("Duplicate within the file: row %(row)s has the same key.") % {"row": first},
            )
        else:
            seen[row.key] = row.number


def _permissions(kind, user) -> tuple[bool, bool]:
    if user is None:
        return True, True
    add, change = kind.permissions
    return user.has_perm(add), user.has_perm(change)


def _attach_existing(kind: ImportKind, chunk: list[Row]) -> None:
    """Find the stored rows of the chunk's natural keys in one query."""
    keyed = [row for row in chunk if row.key is not None and not row.errors]
    if not keyed:
        return
    lookups = {
        f"{name}__in": {row.key[position] for row in keyed}
        for position, name in enumerate(kind.natural_key)
    }
    attnames = [f.attname for f in kind.model._meta.concrete_fields]
    existing = {
        tuple(values[name] for name in kind.natural_key): values
        for values in kind.model._default_manager.filter(**lookups).values(*attnames)
    }
    for row in keyed:
        row.existing = existing.get(row.key)


def _classify(kind, row: Row, permissions, creates, updates, result, blanks, previewer) -> None:
    """Sort a checked row into new, changed or unchanged, against the stored row of its key.

    Only the cells given are compared and written: a blank cell is no change. A new row's
    blank cells take ``blanks`` (the model's default or null), so every new row of the chunk
    has the same columns.
    """
    model_fields = _writable(kind.model)
    values = row.values
    if not model_fields.issuperset(values):
        values = {name: value for name, value in values.items() if name in model_fields}
    may_add, may_change = permissions
    if row.existing is None:
        if not may_add:
            row.error("", "", _("You may not create %(kind)s.") % {"kind": kind.label})
            return
        if previewer is not None and len(previewer.creates) < previewer.limit:
            previewer.add_create(row, values)
        if row.blanks is not None:
            values = {**values, **{name: blanks[name] for name in row.blanks if name in blanks}}
        creates.append(values)
        result.created += 1
        return
    changed = [name for name, value in values.items() if row.existing.get(name) != value]
    if not changed:
        result.unchanged += 1
        return
    if not may_change:
        row.error("", "", _("You may not change %(kind)s.") % {"kind": kind.label})
        return
    updates.append((row.existing, values, changed))
    result.updated += 1
    if previewer is not None and len(previewer.updates) < previewer.limit:
        previewer.add_update(row, row.existing, values, changed)


_WRITABLE: dict[type, frozenset[str]] = {}


def _writable(model) -> frozenset[str]:
    if model not in _WRITABLE:
        _WRITABLE[model] = frozenset(
            f.attname for f in model._meta.concrete_fields if not f.primary_key
        )
    return _WRITABLE[model]


# --- writing -------------------------------------------------------------------------------------


class _Writer:
    """Write new and changed rows with their history rows, naming the importing user."""

    def __init__(self, kind: ImportKind, ctx: Context, columns: list[Column]):
        self.kind = kind
        self.ctx = ctx
        self.db = ctx.db
        self.model = kind.model
        self.fields = [f for f in self.model._meta.concrete_fields if not f.primary_key]
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = ctx.now
            elif f.has_default():
                self.defaults[f.attname] = f.get_default()
            else:
                self.defaults[f.attname] = (
                    None if f.null else ("" if f.empty_strings_allowed else None)
                )
        self.auto_now = [f.attname for f in self.fields if getattr(f, "auto_now", False)]
        self.user_id = getattr(ctx.user, "pk", None)
        # Columns whose values are never None or text: their COPY text is plain str().
        plain_parses = {DECIMAL, INTEGER, MONTH, YEAR}
        self.plain = {
            column.field
            for column in columns
            if column.field and column.parse in plain_parses and not self._nullable(column.field)
        }
        self.plain |= {"enterprise_id", "project_id"}
        self.copy = self.db.vendor == "postgresql"
        self.staged: set[str] = set()

    def _nullable(self, name: str) -> bool:
        return self.model._meta.get_field(name).null

    def prepare(self, creates: list[dict], updates: list[tuple[dict, dict, list[str]]]) -> _Job:
        """Return the work of a chunk, with what Python can ready before it reaches the writer.

        On PostgreSQL that is the COPY text of the new rows: made in the importing thread, so
        the writer thread only waits on PostgreSQL.
        """
        job = _Job(creates, updates)
        if self.copy and creates:
            job.columns = list(creates[0])
            job.copy_text = self._copy_lines(creates, job.columns)
        return job

    def write(self, job: _Job) -> None:
        creates, updates = job.creates, job.updates
        full_creates = creates
        if job.copy_text is not None:
            self._copy_create(job)
        elif creates:
            # Not with nothing to create: simple-history's helper opens an atomic block on
            # its thread's own connection, which in the writer thread is not the import's.
            full_creates = [{**self.defaults, **values} for values in creates]
            bulk_create_with_history(
                [self.model(**values) for values in full_creates],
                self.model,
                batch_size=1000,
                default_user=self.ctx.user,
                default_date=self.ctx.now,
            )
        full_updates = []
        changed_fields: set[str] = set(self.auto_now)
        for existing, values, changed in updates:
            merged = {**existing, **values}
            for name in self.auto_now:
                merged[name] = self.ctx.now
            full_updates.append(merged)
            changed_fields.update(changed)
        if full_updates and self.copy:
            self._copy_update(full_updates, changed_fields)
        elif full_updates:
            pk = self.model._meta.pk.attname
            objs = [self.model(**values) for values in full_updates]
            bulk_update_with_history(
                objs,
                self.model,
                fields=sorted(
                    self.model._meta.get_field(name).name for name in changed_fields if name != pk
                ),
                batch_size=1000,
                default_user=self.ctx.user,
                default_date=self.ctx.now,
            )
        self.kind.after_write(self.ctx, full_creates + full_updates)

    def _copy_update(self, rows: list[dict], changed: set[str]) -> None:
        """Update ``rows`` (whole rows) on PostgreSQL with their history rows, in one statement.

        Only the ``changed`` columns are set; the history rows hold the rows as updated.
        """
        meta = self.model._meta
        history = self.model.history.model
        qn = self.db.ops.quote_name
        names = [meta.pk.attname, *[f.attname for f in self.fields]]
        by_attname = {f.attname: f.column for f in meta.concrete_fields}
        columns = ", ".join(qn(by_attname[name]) for name in names)
        stage = qn(f"import_update_{meta.db_table}")
        copied = [f.column for f in history._meta.concrete_fields if f.attname in by_attname]
        assignments = ", ".join(
            f"{qn(by_attname[name])} = s.{qn(by_attname[name])}" for name in sorted(changed)
        )
        pick = operator.itemgetter(*names)
        payload = "".join("\t".join(map(_copy_text, pick(values))) + "\n" for values in rows)
        with self.db.cursor() as cursor:
            if stage not in self.staged:
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}")
                cursor.execute(
                    f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                    f"SELECT {columns} FROM {qn(meta.db_table)} WITH NO DATA"
                )
                self.staged.add(stage)
            with cursor.cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
                copy.write(payload)
            cursor.execute(
                f"WITH changed AS (UPDATE {qn(meta.db_table)} AS m SET {assignments} "
                f"FROM {stage} AS s WHERE m.{qn(meta.pk.column)} = s.{qn(meta.pk.column)} "
                f"RETURNING {', '.join('m.' + qn(c) for c in copied)}) "
                f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(map(qn, copied))}, "
                "history_date, history_type, history_user_id, history_change_reason) "
                f"SELECT {', '.join(map(qn, copied))}, %s, '~', %s, NULL FROM changed",
                [self.ctx.now, self.user_id],
            )
            cursor.execute(f"TRUNCATE {stage}")

    def _copy_lines(self, rows: list[dict], columns: list[str]) -> str:
        """Return ``columns`` of ``rows`` in COPY's text format."""
        pick = operator.itemgetter(*columns) if len(columns) > 1 else None
        plain = all(type(value) in _PLAIN_TYPES for value in rows[0].values()) and all(
            name in self.plain for name in columns
        )
        text = str if plain else _copy_text
        join = "\t".join
        if pick is None:
            return "".join(f"{text(values[columns[0]])}\n" for values in rows)
        return "".join(f"{join(map(text, pick(values)))}\n" for values in rows)

    def _copy_create(self, job: _Job) -> None:
        """Insert new rows and their history rows on PostgreSQL: one COPY, two INSERTs.

        The cells that vary go by COPY into a temporary staging table (no WAL, no index) whose
        id column draws from the model's sequence; two INSERT … SELECT then write the rows and
        their history rows with the same ids, adding what every row shares — timestamps and
        defaults, the history's when and who — as parameters, read once rather than per row.
        """
        meta = self.model._meta
        history = self.model.history.model
        qn = self.db.ops.quote_name
        columns = job.columns
        constant = [f.attname for f in self.fields if f.attname not in columns]
        staged = [meta.pk.attname, *columns]
        by_attname = {f.attname: f.column for f in meta.concrete_fields}
        in_history = {f.attname: f.column for f in history._meta.concrete_fields}
        copied_sql = ", ".join(qn(by_attname[name]) for name in columns)
        staged_sql = ", ".join(qn(by_attname[name]) for name in staged)
        main_sql = ", ".join(qn(by_attname[name]) for name in staged + constant)
        history_sql = ", ".join(
            [qn(in_history[name]) for name in staged + constant]
            + ["history_date", "history_type", "history_user_id", "history_change_reason"]
        )
        shared = ", ".join([staged_sql, *["%s"] * len(constant)])
        constants = [self.defaults[name] for name in constant]
        with self.db.cursor() as cursor:
            stage = self._stage(cursor, staged)
            with cursor.cursor.copy(f"COPY {stage} ({copied_sql}) FROM STDIN") as copy:
                copy.write(job.copy_text)
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({main_sql}) SELECT {shared} FROM {stage}",
                constants,
            )
            cursor.execute(
                f"INSERT INTO {qn(history._meta.db_table)} ({history_sql}) "
                f"SELECT {shared}, %s, '+', %s, NULL FROM {stage}",
                [*constants, self.ctx.now, self.user_id],
            )
            cursor.execute(f"TRUNCATE {stage}")

    def _stage(self, cursor, names: list[str]) -> str:
        """Return the temporary table of ``names`` (the primary key first), made once a run.

        Its key column takes the next value of the model's own sequence by default, so the
        ids are drawn as the rows are copied in — safe beside anyone else inserting.
        """
        meta = self.model._meta
        qn = self.db.ops.quote_name
        stage = qn(f"import_stage_{meta.db_table}")
        if stage not in self.staged:
            by_attname = {f.attname: f.column for f in meta.concrete_fields}
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}")
            cursor.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT "
                f"{', '.join(qn(by_attname[name]) for name in names)} "
                f"FROM {qn(meta.db_table)} WITH NO DATA"
            )
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            (sequence,) = cursor.fetchone()
            literal = "'" + sequence.replace("'", "''") + "'"  # DDL takes no parameters
            cursor.execute(
                f"ALTER TABLE {stage} ALTER COLUMN {qn(meta.pk.column)} "
                f"SET DEFAULT nextval({literal}::regclass)"
            )
            self.staged.add(stage)
        return stage


@dataclass
class _Job:
    """The new and changed rows of one chunk, as the writer receives them."""

    creates: list[dict]
    updates: list[tuple[dict, dict, list[str]]]
    columns: list[str] | None = None
    copy_text: str | None = None


class _InlineWriter:
    """Write each chunk as it is checked, in a savepoint (SQLite and other databases)."""

    def __init__(self, writer: _Writer):
        self.writer = writer
        self.error: Exception | None = None

    def submit(self, creates, updates) -> None:
        if self.error is not None:
            return
        try:
            with transaction.atomic(using=self.writer.db.alias):
                self.writer.write(self.writer.prepare(creates, updates))
        except IntegrityError as error:
            self.error = error

    def close(self, *, abandon: bool = False) -> Exception | None:
        return None if abandon else self.error


class _BackgroundWriter:
    """Write the checked chunks in a thread of its own while the next ones are read (PostgreSQL).

    The thread shares the import's connection, hence its transaction: psycopg lets one
    statement (or COPY) through at a time, so the reads of the next chunk slip in between the
    writes of the last one, and Python checks the next rows while PostgreSQL writes. A failed
    write aborts the transaction; the thread then drops what is left and ``close`` returns the
    error. ``close`` waits for the thread, even through Ctrl-C, so no write can outlive the
    transaction (after it the connection would be back in autocommit).
    """

    AHEAD = 2

    def __init__(self, writer: _Writer):
        self.writer = writer
        self.db = writer.db
        self.jobs: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self.error: BaseException | None = None
        self.abandoned = threading.Event()
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is None and not self.abandoned.is_set():
                try:
                    self.writer.write(job)
                except BaseException as error:  # noqa: BLE001 - handed to the importing thread
                    self.error = error

    def submit(self, creates, updates) -> None:
        if self.error is not None or self.abandoned.is_set():
            return
        if self.thread is None:
            self.db.inc_thread_sharing()
            self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
            self.thread.start()
        self.jobs.put(self.writer.prepare(creates, updates))

    def close(self, *, abandon: bool = False) -> Exception | None:
        """Wait for the thread; return the database's refusal of a write, if there was one.

        ``abandon`` (the import failed or stopped here) drops the writes still queued and
        never raises. Otherwise any other failure of the writer is raised. Calling it again
        returns the same.
        """
        if abandon:
            self.abandoned.set()
        interrupted = None
        if self.thread is not None:
            stop_sent = False
            while self.thread.is_alive():
                try:
                    if not stop_sent:
                        self.jobs.put(None, timeout=0.1)
                        stop_sent = True
                    self.thread.join(0.1)
                except queue.Full:
                    continue
                except KeyboardInterrupt as error:  # finish waiting, then stop as asked
                    interrupted = error
                    self.abandoned.set()
            self.thread = None
            self.db.dec_thread_sharing()
        if interrupted is not None:
            raise interrupted
        refused = self.error if isinstance(self.error, IntegrityError) else None
        if abandon or self.abandoned.is_set() or self.error is None:
            return refused
        if refused is None:
            raise self.error
        return refused


_PLAIN_TYPES = frozenset({int, Decimal, datetime.date})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """Return ``value`` in the text format of PostgreSQL's COPY."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime.datetime:
        return value.isoformat()
    return str(value)


# --- the year-to-date rollup ---------------------------------------------------------------------

_YTD_DELETE_SQL = """
DELETE FROM {ytd} y USING unnest(%s::bigint[], %s::int[]) AS p(enterprise_id, year)
WHERE y.enterprise_id = p.enterprise_id
  AND y.period >= make_date(p.year, 1, 1) AND y.period < make_date(p.year + 1, 1, 1)
"""
_YTD_SQL = """
WITH p AS (
    SELECT * FROM unnest(%s::bigint[], %s::int[]) AS p(enterprise_id, year)
), r AS (
    SELECT r.id, r.enterprise_id, r.period, r.employees, {report_metrics}, p.year AS pair_year
    FROM p JOIN {report} r ON r.enterprise_id = p.enterprise_id
      AND r.period >= make_date(p.year, 1, 1) AND r.period < make_date(p.year + 1, 1, 1)
)
INSERT INTO {ytd} (enterprise_id, period, has_report, employees, {metrics})
SELECT g.enterprise_id, make_date(g.pair_year, m.month, 1), r.id IS NOT NULL,
       COALESCE(r.employees, 0), {sums}
FROM (SELECT DISTINCT enterprise_id, pair_year FROM r) AS g
CROSS JOIN generate_series(1, 12) AS m(month)
LEFT JOIN r ON r.enterprise_id = g.enterprise_id
  AND r.period = make_date(g.pair_year, m.month, 1)
WINDOW w AS (PARTITION BY g.enterprise_id, g.pair_year ORDER BY m.month)
"""
# The pairs' reports are read with one range scan of the (enterprise, period) index each, and
# the twelve months come from generate_series(1, 12): with constant bounds the planner counts
# its rows right, where bounds computed from each pair made it guess 1,000 rows a pair and, on
# a table of millions of reports, hash the whole table for every chunk. A pair without any
# report that year gets no rows.


def refresh_ytd_pairs(pairs: set[tuple[int, int]], *, db=None) -> None:
    """Bring the year-to-date rollup of these (enterprise, year) pairs up to date, set-based.

    PostgreSQL rebuilds the pairs' rows in one statement, through ``db`` (the import's
    connection, shared with its writer thread; by default this thread's); other databases
    use ``refresh_monthly_ytd_pairs`` (one year at a time, a few queries per 500 enterprises).
    """
    if not pairs:
        return
    from ..models import MonthlyReport, MonthlyYtd
    from ..services.figures import FLOW_METRICS, refresh_monthly_ytd_pairs

    db = db or connection
    if db.vendor != "postgresql":
        refresh_monthly_ytd_pairs(pairs=pairs)
        return
    qn = db.ops.quote_name
    sql = _YTD_SQL.format(
        ytd=qn(MonthlyYtd._meta.db_table),
        report=qn(MonthlyReport._meta.db_table),
        metrics=", ".join(qn(m) for m in FLOW_METRICS),
        report_metrics=", ".join(f"r.{qn(m)}" for m in FLOW_METRICS),
        sums=", ".join(f"SUM(COALESCE(r.{qn(m)}, 0)) OVER w" for m in FLOW_METRICS),
    )
    ordered = sorted(pairs)
    params = [[e for e, _y in ordered], [y for _e, y in ordered]]
    with db.cursor() as cursor:
        cursor.execute(_YTD_DELETE_SQL.format(ytd=qn(MonthlyYtd._meta.db_table)), params)
        cursor.execute(sql, params)
