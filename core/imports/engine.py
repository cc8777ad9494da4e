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
then the kind's ``after_write``, such as a rollup of the written rows) through this thread's
connection, so in the same transaction, while the next chunks are read (``writer``).
Elsewhere each chunk is written in turn, through simple-history's bulk helpers, in a
savepoint. Once everything is written the kind's ``after_all`` runs and the cached figures are
dropped (``figures_changed``), still inside the transaction.
"""

from __future__ import annotations

import datetime
import itertools
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.figures_cache import figures_changed

from . import formats
from .cells import _Parser, find_header
from .kinds import INFO, Context, ImportKind, Row
from .preview import Previewer, PreviewRow, key_text
from .reader import XlsxReader
from .writer import _BackgroundWriter, _InlineWriter, _Writer

CHUNK = 5000
# A run of this many empty rows after the header ends the table (formatting-only rows).
EMPTY_ROWS_END = 1000
MAX_ERRORS = 2000
HANDOVER_ROWS = 63  # a mask: the reading thread hands the GIL over every 64 rows (~2 ms)


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

    @property
    def warnings(self) -> list[PreviewRow]:
        """Return the previewed rows the kind warns about (``preview_warnings``), by row."""
        rows = [line for line in self.additions + self.changes if line.warnings]
        return sorted(rows, key=lambda line: line.row)

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
        previewer = Previewer(kind) if dry_run else None
        writer = None if dry_run else _make_writer(kind, ctx, parsers, db=db)
        bar = _progress_bar(kind) if progress else None
        try:
            with transaction.atomic(using=db.alias):
                immediate = writer is not None and db.vendor == "postgresql"
                if immediate:
                    # Foreign keys checked as each chunk is written (overlapping with reading
                    # the rest of the file) instead of all at once at the commit.
                    with db.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _check_and_write(kind, ctx, result, rows, parsers, writer, bar, previewer)
                _conclude(kind, ctx, result, writer, db=db)
                if immediate and result.written:
                    with db.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            if bar is not None:
                bar.close()
    if previewer is not None and result.ok:
        result.additions, result.changes = previewer.finish()
    return result


def _make_writer(kind: ImportKind, ctx: Context, parsers, *, db):
    """Return the run's writer: in a thread of its own on PostgreSQL, in this one elsewhere."""
    writer = _Writer(kind, ctx, [p.column for _i, p in parsers])
    if db.vendor == "postgresql":
        return _BackgroundWriter(writer)
    return _InlineWriter(writer)


def _progress_bar(kind: ImportKind):
    """Return a progress bar of the rows read, shown on a terminal."""
    from tqdm import tqdm

    return tqdm(disable=None, unit=" rows", desc=str(kind.label))


def _conclude(kind: ImportKind, ctx: Context, result: ImportResult, writer, *, db) -> None:
    """Finish a run inside its transaction: ``after_all`` and keep a good write, else roll back."""
    if writer is not None and result.ok:
        try:
            kind.after_all(ctx)
        except IntegrityError as error:
            result.add_error(0, "", "", _conflict(error))
    if writer is None or not result.ok:
        transaction.set_rollback(True, using=db.alias)
    else:
        result.written = True
        # Bulk writes send no signals: what any write makes stale is dropped.
        figures_changed()


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
            if empty_run >= EMPTY_ROWS_END:
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
    lookups = Q()
    for position, name in enumerate(kind.natural_key):
        wanted = {row.key[position] for row in keyed}
        # A key part may be blank (a chain's own year has no enterprise): NULL is no IN value.
        part = Q(**{f"{name}__in": wanted - {None}}) if wanted - {None} else Q(pk__in=[])
        if None in wanted:
            part |= Q(**{f"{name}__isnull": True})
        lookups &= part
    attnames = [f.attname for f in kind.model._meta.concrete_fields]
    existing = {
        tuple(values[name] for name in kind.natural_key): values
        for values in kind.model._default_manager.filter(lookups).values(*attnames)
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
