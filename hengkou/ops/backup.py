"""Backup and restore of the whole site: the database, the uploaded media and a manifest.

A backup is one ``hengkou-backup-YYYYmmdd-HHMMSS.tar.gz`` holding

* ``database.sqlite3`` (SQLite: a consistent copy made with ``sqlite3.Connection.backup``) or
  ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``);
* ``media/``: the uploaded files (``MEDIA_ROOT``);
* ``manifest.json``: the time, the engine, the latest applied migration of each app, the row
  count of every table and a few control sums.

A restore refuses an archive of another engine, or one older than the target database's
migrations, restores the database and the media, then checks the row counts and sums against
the manifest. The functions work on an explicit database settings dict (Django's
``settings_dict``), so tests can point them at a database of their own.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Control sums: (model, field) pairs summed over every row.
CONTROL_SUMS = [
    ("enterprises.MonthlyReport", "output_value"),
    ("enterprises.MonthlyReport", "revenue"),
    ("enterprises.MonthlyReport", "tax"),
    ("enterprises.Target", "value"),
]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class RestoreReport:
    manifest: dict
    mismatches: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def default_database() -> dict:
    """The settings of the site's database (what the management commands use)."""
    return connections["default"].settings_dict


def engine_of(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


# -- raw connections ---------------------------------------------------------------------------


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


@contextlib.contextmanager
def _connect(db: dict):
    """A plain DB-API connection to ``db`` (not Django's), closed afterwards."""
    if engine_of(db) == "sqlite":
        name = str(db["NAME"])
        conn = sqlite3.connect(name, uri=name.startswith("file:"))
    else:
        import psycopg

        try:
            conn = psycopg.connect(
                dbname=db["NAME"],
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                autocommit=True,
            )
        except psycopg.Error as exc:
            raise BackupError(f"Cannot connect to the database {db['NAME']}: {exc}") from exc
    try:
        yield conn
    finally:
        conn.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(conn, engine: str) -> list[str]:
    if engine == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(row[0] for row in conn.execute(sql).fetchall())


def database_state(db: dict) -> dict:
    """Row counts of every table, the control sums and the migration state of ``db``."""
    engine = engine_of(db)
    name = str(db["NAME"])
    if engine == "sqlite" and not name.startswith("file:") and not Path(name).exists():
        return {"row_counts": {}, "sums": {}, "migrations": {}}
    with _connect(db) as conn:
        tables = _tables(conn, engine)
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
            for table in tables
        }
        sums = {}
        for label, field_name in CONTROL_SUMS:
            model = apps.get_model(label)
            table, column = model._meta.db_table, model._meta.get_field(field_name).column
            if table not in tables:
                continue
            total = decimal.Decimal(0)
            for (value,) in conn.execute(f"SELECT {_quote(column)} FROM {_quote(table)}"):
                if value is not None:
                    total += decimal.Decimal(str(value))
            sums[f"{label}.{field_name}"] = str(total.normalize()) if total else "0"
        migrations = {}
        if "django_migrations" in tables:
            for app, name in conn.execute("SELECT app, name FROM django_migrations"):
                if name > migrations.get(app, ""):
                    migrations[app] = name
    return {"row_counts": counts, "sums": sums, "migrations": migrations}


# -- backup ------------------------------------------------------------------------------------


def _dump_database(db: dict, target: Path) -> None:
    if engine_of(db) == "sqlite":
        source_path = Path(str(db["NAME"]))
        if not source_path.exists():
            raise BackupError(f"The SQLite database {source_path} does not exist.")
        source = sqlite3.connect(str(source_path))
        destination = sqlite3.connect(str(target))
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is required: install it (e.g. apt-get install postgresql-client)."
        )
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", db["NAME"]],
        env=_pg_env(db),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _private_folder(path: Path) -> None:
    """Create ``path`` if needed and let only its owner in (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, stat.S_IRWXU)


def backup(output_dir, db: dict | None = None, media_root=None) -> Path:
    """Write one backup archive into ``output_dir`` and return its path.

    The archive holds password hashes, API tokens and sessions: it is created 0600 inside a
    folder made 0700, readable by the owner alone from its first byte.
    """
    db = db or default_database()
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    engine = engine_of(db)
    output_dir = Path(output_dir)
    _private_folder(output_dir)
    now = datetime.datetime.now(datetime.UTC)
    stem = f"hengkou-backup-{now.astimezone():%Y%m%d-%H%M%S}"
    archive = output_dir / f"{stem}.tar.gz"
    counter = 1
    while archive.exists():
        counter += 1
        archive = output_dir / f"{stem}-{counter}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="hengkou-backup-") as work:
        work = Path(work)
        db_file = work / DB_FILES[engine]
        _dump_database(db, db_file)
        # The state is read from the copy (SQLite) or right after the dump (PostgreSQL).
        state = database_state({**db, "NAME": str(db_file)} if engine == "sqlite" else db)
        manifest = {
            "format": FORMAT_VERSION,
            "created": now.isoformat(),
            "engine": engine,
            "database": DB_FILES[engine],
            "media": media_root.is_dir(),
            **state,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = archive.with_name(archive.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # whatever the umask, and over a leftover partial file
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(db_file, arcname=db_file.name)
            if media_root.is_dir():
                tar.add(media_root, arcname=MEDIA_DIR)
        partial.replace(archive)
    return archive


# -- restore -----------------------------------------------------------------------------------


def read_manifest(archive) -> dict:
    """The archive's manifest; BackupError when the archive is missing or not a backup."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No backup archive at {archive}.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read().decode())
    except KeyError as exc:
        raise BackupError(f"{archive} is not a Hengkou backup: it has no {MANIFEST}.") from exc
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError, AttributeError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{archive} has a manifest this version cannot read.")
    for key in ("engine", "database", "row_counts", "sums", "migrations"):
        if key not in manifest:
            raise BackupError(f"{archive} has an incomplete manifest (no {key}).")
    return manifest


def check_restorable(manifest: dict, db: dict) -> None:
    """Refuse an archive of another engine or one older than the target's migrations."""
    engine = engine_of(db)
    if manifest["engine"] != engine:
        raise BackupError(
            f"This archive holds a {manifest['engine']} database; the target database is "
            f"{engine}. Restore it into a {manifest['engine']} database instead."
        )
    current = database_state(db)["migrations"]
    newer = sorted(
        f"{app} {name} (archive: {manifest['migrations'].get(app, 'none')})"
        for app, name in current.items()
        if name > manifest["migrations"].get(app, "")
    )
    if newer:
        raise BackupError(
            "The target database has newer migrations than the archive: "
            + "; ".join(newer)
            + ". Restore into a database at the archive's migration state (or an empty one)."
        )


def _safe_extract(archive: Path, work: Path, manifest: dict) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"{archive} is damaged ({exc}).") from exc
    if not (work / manifest["database"]).is_file():
        raise BackupError(f"{archive} holds no database file ({manifest['database']}).")


def _restore_sqlite(source: Path, db: dict) -> None:
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The archive's database is not a valid SQLite file ({exc}).") from exc
    if result != "ok":
        raise BackupError(f"The archive's database fails the integrity check: {result}.")
    if str(db["NAME"]).startswith("file:") or str(db["NAME"]) == ":memory:":
        raise BackupError("A backup can only be restored into a SQLite file, not into memory.")
    target = Path(str(db["NAME"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, staged)
    connections.close_all()
    # Fold any write-ahead log into the old file first, so no stale -wal is replayed onto the new.
    if target.exists():
        with contextlib.closing(sqlite3.connect(str(target))) as old:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def _restore_postgresql(source: Path, db: dict) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError(
            "pg_restore is required: install it (e.g. apt-get install postgresql-client)."
        )
    env = _pg_env(db)
    listing = subprocess.run(["pg_restore", "--list", str(source)], capture_output=True, env=env)
    if listing.returncode:
        raise BackupError("The archive's database is not a valid pg_dump file.")
    connections.close_all()
    result = subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={db['NAME']}",
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BackupError(f"pg_restore failed; nothing was changed: {result.stderr.strip()}")


def _restore_media(source: Path | None, media_root: Path) -> None:
    """Replace ``media_root`` with ``source`` (an empty folder when None)."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staged = media_root.with_name(f".{media_root.name}.restoring")
    shutil.rmtree(staged, ignore_errors=True)
    if source is not None and source.is_dir():
        shutil.copytree(source, staged)
    else:
        staged.mkdir()
    old = media_root.with_name(f".{media_root.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if media_root.exists():
        media_root.rename(old)
    staged.rename(media_root)
    shutil.rmtree(old, ignore_errors=True)


def verify(manifest: dict, db: dict) -> RestoreReport:
    """Compare the row counts and sums of ``db`` with the manifest's."""
    state = database_state(db)
    report = RestoreReport(manifest=manifest)
    expected, found = manifest["row_counts"], state["row_counts"]
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            report.mismatches.append(
                f"{table}: {found.get(table, 'missing')} rows, expected "
                f"{expected.get(table, 'none')}"
            )
    for name, value in manifest["sums"].items():
        if state["sums"].get(name) != value:
            report.mismatches.append(f"sum of {name}: {state['sums'].get(name)}, expected {value}")
    report.tables = len(found)
    report.rows = sum(found.values())
    return report


def restore(archive, db: dict | None = None, media_root=None, manifest=None) -> RestoreReport:
    """Restore ``archive`` into ``db`` and ``media_root``, then verify it against the manifest."""
    db = db or default_database()
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    archive = Path(archive)
    manifest = manifest or read_manifest(archive)
    check_restorable(manifest, db)
    with tempfile.TemporaryDirectory(prefix="hengkou-restore-") as work:
        work = Path(work)
        _safe_extract(archive, work, manifest)
        source = work / manifest["database"]
        if manifest["engine"] == "sqlite":
            _restore_sqlite(source, db)
        else:
            _restore_postgresql(source, db)
        _restore_media(work / MEDIA_DIR if manifest.get("media") else None, media_root)
    return verify(manifest, db)
