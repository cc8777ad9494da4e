"""Backup and restore: the round trip on SQLite and PostgreSQL, and refused archives.

SQLite: the test database lives in memory, so the round trip runs on a file copy of it (made
with ``sqlite3.Connection.backup``), the commands pointed at it through
``hengkou.ops.backup.default_database``. PostgreSQL: the round trip runs on the test database itself
with ``pg_dump``/``pg_restore``.
"""

import datetime
import io
import json
import os
import shutil
import sqlite3
import stat
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from enterprises.models import MonthlyReport
from hengkou.ops import backup
from tests.factories import (
    EnterpriseFactory,
    MonthlyReportFactory,
    ProblemFactory,
    TargetFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

REPORTS = "enterprises_monthlyreport"


def _load_data():
    for number in range(3):
        enterprise = EnterpriseFactory()
        TargetFactory(enterprise=enterprise, value=Decimal("1200.50") + number)
        for month in range(1, 7):
            MonthlyReportFactory(
                enterprise=enterprise,
                period=datetime.date(2021, month, 1),
                output_value=Decimal(f"{100 + 10 * number + month}.25"),
                tax=Decimal("3.10"),
            )
    VisitFactory()
    ProblemFactory()


def _probe(db):
    """Counts and sums read straight from the database, independently of the manifest."""
    with backup._connect(db) as conn:
        reports, output = conn.execute(
            f"SELECT COUNT(*), SUM(output_value) FROM {REPORTS}"
        ).fetchone()
        targets = conn.execute("SELECT COUNT(*) FROM enterprises_target").fetchone()[0]
        enterprises = conn.execute("SELECT COUNT(*) FROM enterprises_enterprise").fetchone()[0]
    return {
        "reports": reports,
        "output": Decimal(str(output)).quantize(Decimal("0.01")),
        "targets": targets,
        "enterprises": enterprises,
    }


def _change(db):
    with backup._connect(db) as conn:
        conn.execute(f"UPDATE {REPORTS} SET output_value = output_value + 1")
        # The reports' data-quality flags go with them (a foreign key on PostgreSQL).
        conn.execute(
            "DELETE FROM enterprises_figureflag WHERE report_id IN "
            f"(SELECT id FROM {REPORTS} WHERE period >= '2021-04-01')"
        )
        conn.execute(f"DELETE FROM {REPORTS} WHERE period >= '2021-04-01'")
        conn.execute("DELETE FROM enterprises_target")
        if backup.engine_of(db) == "sqlite":
            conn.commit()


@pytest.fixture
def media(tmp_path, settings):
    root = tmp_path / "media"
    (root / "visits" / "2021" / "11").mkdir(parents=True)
    (root / "visits" / "2021" / "11" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def site_db(tmp_path, monkeypatch):
    """The database the commands back up and restore, loaded with some data."""
    _load_data()
    if connection.vendor == "sqlite":
        path = tmp_path / "site.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        db = {**connection.settings_dict, "NAME": str(path)}
    elif connection.vendor == "postgresql":
        if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
            pytest.skip("pg_dump and pg_restore are needed for the PostgreSQL round trip")
        db = connection.settings_dict
    else:
        pytest.skip(f"no backup support for {connection.vendor}")
    monkeypatch.setattr(backup, "default_database", lambda: db)
    return db


def test_round_trip_restores_the_rows_the_sums_and_the_media(site_db, media, tmp_path):
    before = _probe(site_db)
    assert before == {"reports": 18, "output": Decimal("2047.50"), "targets": 3, "enterprises": 5}

    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    (archive,) = (tmp_path / "backups").glob("hengkou-backup-*.tar.gz")
    assert str(archive) in out.getvalue()
    manifest = backup.read_manifest(archive)
    assert manifest["engine"] == backup.engine_of(site_db)
    assert manifest["row_counts"][REPORTS] == 18
    assert manifest["sums"]["enterprises.MonthlyReport.output_value"] == "2047.5"
    assert manifest["migrations"]["enterprises"].startswith("00")
    with tarfile.open(archive) as tar:
        assert "media/visits/2021/11/photo.jpg" in tar.getnames()

    _change(site_db)
    (media / "visits" / "2021" / "11" / "photo.jpg").unlink()
    (media / "stray.txt").write_text("uploaded after the backup")
    changed = _probe(site_db)
    assert changed["reports"] == 9 and changed["targets"] == 0

    # A damaged archive (cut after its manifest) and a refused confirmation change nothing.
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError, match="damaged|not a readable"):
        call_command("restore", str(damaged), yes=True, stdout=io.StringIO())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("builtins.input", lambda prompt: "no")
        with pytest.raises(CommandError, match="cancelled"):
            call_command("restore", str(archive), stdout=io.StringIO())
    assert _probe(site_db) == changed
    assert (media / "stray.txt").exists()

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)
    assert "match the manifest" in out.getvalue()
    assert _probe(site_db) == before
    assert backup.database_state(site_db)["row_counts"] == manifest["row_counts"]
    assert (media / "visits" / "2021" / "11" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"
    assert not (media / "stray.txt").exists()
    if connection.vendor == "postgresql":
        # Django's own connection sees the restored rows.
        assert MonthlyReport.objects.count() == 18


def test_verify_reports_a_mismatch(site_db, media, tmp_path):
    archive = backup.backup(tmp_path, db=site_db, media_root=media)
    manifest = backup.read_manifest(archive)
    _change(site_db)
    report = backup.verify(manifest, site_db)
    assert not report.ok
    assert any(line.startswith(REPORTS) for line in report.mismatches)
    assert any("output_value" in line for line in report.mismatches)


def _crafted_archive(path: Path, **manifest_changes) -> Path:
    engine = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = {
        "format": backup.FORMAT_VERSION,
        "created": "2021-12-01T00:00:00+00:00",
        "engine": engine,
        "database": backup.DB_FILES[engine],
        "media": False,
        "row_counts": {},
        "sums": {},
        "migrations": {},
        **manifest_changes,
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (
            ("manifest.json", json.dumps(manifest).encode()),
            (manifest["database"], b"not a database"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_refused_archives_give_a_clear_error_and_change_nothing(tmp_path):
    MonthlyReportFactory()
    this_engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"this is not an archive")
    no_manifest = tmp_path / "no-manifest.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    cases = {
        tmp_path / "missing.tar.gz": "No backup archive",
        garbage: "not a readable backup archive",
        no_manifest: "not a Hengkou backup",
        _crafted_archive(tmp_path / "other.tar.gz"): "holds a .* database; the target",
        _crafted_archive(
            tmp_path / "old.tar.gz",
            engine=this_engine,
            database=backup.DB_FILES[this_engine],
            migrations={"enterprises": "0001_initial"},
        ): "newer migrations than the archive",
        _crafted_archive(
            tmp_path / "bad-db.tar.gz",
            engine=this_engine,
            database=backup.DB_FILES[this_engine],
            migrations=backup.database_state(connection.settings_dict)["migrations"],
        ): "not a valid",
    }
    for archive, message in cases.items():
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(archive), yes=True, stdout=io.StringIO())
        assert MonthlyReport.objects.count() == 1


def test_a_backup_is_readable_by_its_owner_alone(site_db, media, tmp_path):
    # It holds password hashes, tokens and sessions: 0600 in a 0700 folder, whatever the umask.
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    previous = os.umask(0o022)
    try:
        archive = backup.backup(folder, db=site_db, media_root=media)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
