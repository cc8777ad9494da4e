"""How an import writes: chunk by chunk, in the import's own transaction, with history rows.

On PostgreSQL the checked chunks are written by a thread of their own (COPY into a staging
table, then INSERT … SELECT); elsewhere in a savepoint each. These tests run on both and cut
the file into chunks of a few rows so every path crosses chunk boundaries.
"""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.db.backends.base.base import BaseDatabaseWrapper

from core.imports import engine
from core.imports.engine import run_import
from core.imports.kinds import get_kind
from enterprises.models import MonthlyReport, MonthlyYtd
from enterprises.services.figures import rebuild_monthly_ytd
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import EnterpriseFactory, MonthlyReportFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = "monthly_reports"


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 4)


def run(rows, **options):
    return run_import(kind=get_kind(KIND), source=io.BytesIO(xlsx(rows)), **options)


def messages(result):
    return [(error.row, error.column, error.message) for error in result.errors]


def test_new_rows_and_their_history_rows_share_ids_and_values(small_chunks):
    enterprises = EnterpriseFactory.create_batch(3)
    clerk = UserFactory(is_superuser=True)
    rows = [MONTHLY_HEADER]
    for month in range(1, 6):
        for index, enterprise in enumerate(enterprises):
            rows.append(
                monthly_row(
                    enterprise.credit_code,
                    f"2021-{month:02d}",
                    f"{100 * month + index}.25",
                    profit=f"-{month}.50",
                    employees=10 + month,
                )
            )
    result = run(rows, user=clerk)
    assert result.ok, messages(result)
    assert result.created == 15
    fields = ["id", "enterprise_id", "period", "output_value", "profit", "employees", "status"]
    stored = {tuple(values) for values in MonthlyReport.objects.values_list(*fields)}
    recorded = {tuple(values) for values in MonthlyReport.history.values_list(*fields)}
    assert len(stored) == 15 and recorded == stored
    assert set(MonthlyReport.history.values_list("history_type", "history_user_id")) == {
        ("+", clerk.pk)
    }
    report = MonthlyReport.objects.get(enterprise=enterprises[2], period=datetime.date(2021, 5, 1))
    assert (report.output_value, report.profit, report.employees) == (
        Decimal("502.25"),
        Decimal("-5.50"),
        15,
    )


def test_the_rollup_is_exact_when_a_year_is_cut_by_chunks_and_has_stored_months(small_chunks):
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    MonthlyReportFactory(enterprise=enterprise, period=datetime.date(2021, 2, 1))
    MonthlyReportFactory(enterprise=enterprise, period=datetime.date(2020, 12, 1))
    changed = MonthlyReportFactory(
        enterprise=other, period=datetime.date(2021, 6, 1), output_value=Decimal("1.00")
    )
    rebuild_monthly_ytd()
    rows = [MONTHLY_HEADER]
    for month in (1, 3, 4, 5, 7, 9):  # a gap in June and August, February already stored
        rows.append(monthly_row(enterprise.credit_code, f"2021-{month:02d}", f"{month}0.00"))
    rows.append(monthly_row(other.credit_code, "2021-06", "60.00"))
    result = run(rows)
    assert result.ok, messages(result)
    assert (result.created, result.updated) == (6, 1)
    assert rebuild_monthly_ytd() == 0  # the rollup the import left is exactly the rebuilt one
    september = MonthlyYtd.objects.get(enterprise=enterprise, period=datetime.date(2021, 9, 1))
    stored = MonthlyReport.objects.get(enterprise=enterprise, period=datetime.date(2021, 2, 1))
    assert september.output_value == Decimal("290.00") + stored.output_value
    changed.refresh_from_db()
    assert changed.output_value == Decimal("60.00")


def test_a_bad_row_after_written_chunks_leaves_nothing(small_chunks):
    enterprise = EnterpriseFactory()
    rows = [MONTHLY_HEADER]
    rows += [monthly_row(enterprise.credit_code, f"2021-{month:02d}") for month in range(1, 12)]
    rows.append(monthly_row(enterprise.credit_code, "2021-12", "-1"))
    result = run(rows)
    assert [error.row for error in result.errors] == [13]
    assert not result.written
    assert not MonthlyReport.objects.exists()
    assert not MonthlyReport.history.exists()
    assert not MonthlyYtd.objects.exists()


def test_a_conflicting_write_is_reported_and_rolls_everything_back(small_chunks, monkeypatch):
    """Someone stores a report of the file meanwhile: the database refuses the chunk."""
    enterprise = EnterpriseFactory()
    attach = engine._attach_existing
    calls = []

    def attach_then_race(kind, chunk):
        attach(kind, chunk)
        calls.append(len(chunk))
        if len(calls) == 2:
            # Stored after the chunk's lookup, before its write, as a concurrent writer would
            # (a bare INSERT: the factory would also refresh the rollup the writer is writing).
            MonthlyReport.objects.bulk_create(
                [MonthlyReport(enterprise=enterprise, period=chunk[0].values["period"])]
            )

    monkeypatch.setattr(engine, "_attach_existing", attach_then_race)
    rows = [MONTHLY_HEADER]
    rows += [monthly_row(enterprise.credit_code, f"2021-{month:02d}") for month in range(1, 13)]
    result = run(rows)
    assert not result.written
    assert [error.row for error in result.errors] == [0]
    assert "import the file again" in result.errors[0].message or "重新导入" in (
        result.errors[0].message
    )
    assert [
        thread.name for thread in threading.enumerate() if thread.name.startswith("import")
    ] == []
    # The transaction is usable and empty again.
    assert MonthlyReport.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread is PostgreSQL's")
def test_the_writer_thread_writes_through_the_importing_connection(small_chunks, monkeypatch):
    enterprise = EnterpriseFactory()
    seen = []
    write = engine._Writer.write

    def recording_write(self, job):
        with self.db.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen.append((threading.current_thread().name, cursor.fetchone()[0]))
        write(self, job)

    monkeypatch.setattr(engine._Writer, "write", recording_write)
    rows = [MONTHLY_HEADER]
    rows += [monthly_row(enterprise.credit_code, f"2021-{month:02d}") for month in range(1, 13)]
    result = run(rows)
    assert result.written and result.created == 12
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        importing = cursor.fetchone()[0]
    assert seen == [("import-writer", importing)] * 3
    assert MonthlyReport.objects.count() == 12


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread is PostgreSQL's")
def test_the_writer_thread_never_opens_a_connection_of_its_own(small_chunks, monkeypatch):
    """A connection of the writer thread's own would be outside the import's transaction."""
    enterprise = EnterpriseFactory()
    opened = []
    connect = BaseDatabaseWrapper.connect

    def recording_connect(self):
        opened.append(threading.current_thread().name)
        connect(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "connect", recording_connect)
    rows = [MONTHLY_HEADER]
    rows += [monthly_row(enterprise.credit_code, f"2021-{month:02d}") for month in range(1, 13)]
    assert run(rows).created == 12
    changed = [rows[0], *[[*row[:2], "999.00", *row[3:]] for row in rows[1:]]]
    again = run(changed)  # chunks of changed rows only, nothing to create
    assert (again.created, again.updated, again.written) == (0, 12, True)
    assert "import-writer" not in opened


def test_a_failed_read_stops_the_writer_and_raises_its_own_error(small_chunks, monkeypatch):
    enterprise = EnterpriseFactory()
    attach = engine._attach_existing
    calls = []

    def attach_then_fail(kind, chunk):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise DatabaseError("the server went away")
        attach(kind, chunk)

    monkeypatch.setattr(engine, "_attach_existing", attach_then_fail)
    rows = [MONTHLY_HEADER]
    rows += [monthly_row(enterprise.credit_code, f"2021-{month:02d}") for month in range(1, 13)]
    with pytest.raises(DatabaseError, match="the server went away"):
        run(rows)
    assert not [thread for thread in threading.enumerate() if thread.name == "import-writer"]
    assert MonthlyReport.objects.count() == 0
    assert MonthlyYtd.objects.count() == 0


def test_money_cells_take_the_fast_path_only_when_exact():
    """A TRUE cell, a third decimal place or too many digits go the full way, with a message."""
    enterprise = EnterpriseFactory()
    result = run(
        [
            MONTHLY_HEADER,
            monthly_row(enterprise.credit_code, "2021-01", True),
            monthly_row(enterprise.credit_code, "2021-02", 12.345),
            monthly_row(enterprise.credit_code, "2021-03", 10**13),
            monthly_row(enterprise.credit_code, "2021-04", 0.1 + 0.2),  # 0.30000000000000004
            monthly_row(enterprise.credit_code, "2021-05", 7),
        ]
    )
    assert [(error.row, error.column) for error in result.errors] == [
        (2, "工业总产值"),
        (3, "工业总产值"),
        (4, "工业总产值"),
    ]
    assert not result.written
    assert run(
        [MONTHLY_HEADER, *[monthly_row(enterprise.credit_code, "2021-04", 0.1 + 0.2)]]
    ).written
    assert MonthlyReport.objects.get().output_value == Decimal("0.30")
