"""Writing the checked rows of an import with their history rows, naming the importing user.

On PostgreSQL the new rows go by COPY into a staging table and two INSERT … SELECT write them
and their history rows; changed rows likewise by COPY and one UPDATE … RETURNING feeding the
history. ``_BackgroundWriter`` does that in a thread of its own through the import's connection
(the same transaction) while the next chunks are read. Elsewhere ``_InlineWriter`` writes each
chunk in turn, through simple-history's bulk helpers, in a savepoint. After each chunk the
kind's ``after_write`` brings derived data in step.
"""

from __future__ import annotations

import datetime
import operator
import queue
import threading
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .kinds import DECIMAL, INTEGER, MONTH, YEAR, Column, Context, ImportKind


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
        # And the ids of required references: resolved to an int, or the row was refused.
        self.plain |= {f.attname for f in self.fields if f.is_relation and not f.null}
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
