"""Hostile workbooks: archives that unpack to far more than they weigh are refused unread."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.reader import ImportFileError, XlsxReader
from enterprises.models import MonthlyReport
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


def bomb(*, member: str = "xl/sharedStrings.xml", megabytes: int = 40) -> bytes:
    """Return a small .xlsx whose ``member`` unpacks to ``megabytes`` MB of repeated text."""
    good = zipfile.ZipFile(io.BytesIO(xlsx([MONTHLY_HEADER])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in good.infolist():
            if info.filename != member:
                archive.writestr(info, good.read(info.filename))
        with archive.open(member, "w", force_zip64=True) as handle:
            handle.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            block = b"<si><t>aaaaaaaaaaaaaaaa</t></si>" * 32768  # 1 MiB
            for _ in range(megabytes):
                handle.write(block)
            handle.write(b"</sst>")
    return out.getvalue()


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_a_zip_bomb_is_refused_before_anything_is_unpacked(member):
    content = bomb(member=member)
    assert len(content) < 512 * 1024  # 40 MB unpacked, a few hundred KB on disk
    tracemalloc.start()
    with pytest.raises(ImportFileError) as excinfo:
        XlsxReader(io.BytesIO(content))
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert member in str(excinfo.value) and "×" in str(excinfo.value)
    assert peak < 4 * 1024 * 1024


def test_a_part_read_whole_is_bounded_even_at_an_honest_ratio(settings):
    settings.HENGKOU_IMPORT_MAX_RATIO = 10**9  # a ratio no check would catch
    settings.HENGKOU_IMPORT_MAX_PART_BYTES = 8 << 20
    with pytest.raises(ImportFileError) as excinfo:
        XlsxReader(io.BytesIO(bomb(megabytes=10)))
    assert "xl/sharedStrings.xml" in str(excinfo.value)


def test_the_import_page_reports_a_bomb_and_writes_nothing(client):
    with pytest.raises(ImportFileError, match="不是普通的表格"):
        run_import(
            kind=get_kind("monthly_reports"),
            source=io.BytesIO(bomb()),
            user=UserFactory(is_superuser=True),
        )
    client.force_login(UserFactory(username="clerk", is_superuser=True))
    upload = SimpleUploadedFile("bomb.xlsx", bomb())
    response = client.post(reverse("imports:upload", args=["monthly_reports"]), {"file": upload})
    assert response.status_code == 200
    assert "不是普通的表格" in response.content.decode()
    assert MonthlyReport.objects.count() == 0


def test_an_ordinary_workbook_still_imports():
    enterprise = EnterpriseFactory()
    content = xlsx([MONTHLY_HEADER, monthly_row(enterprise.credit_code, "2021-11")])
    result = run_import(
        kind=get_kind("monthly_reports"),
        source=io.BytesIO(content),
        user=UserFactory(is_superuser=True),
    )
    assert result.ok and MonthlyReport.objects.count() == 1


def _with_far_cell(reference: str) -> bytes:
    """Return a small workbook whose header row has one more cell at ``reference``."""
    good = zipfile.ZipFile(io.BytesIO(xlsx([MONTHLY_HEADER])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            data = good.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</row>",
                    f'<c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'.encode(),
                    1,
                )
            archive.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("reference", ["ZZZZZZZ1", "XFE1"])
def test_a_cell_beyond_excels_last_column_is_refused_not_padded(reference):
    content = _with_far_cell(reference)
    assert len(content) < 8192
    tracemalloc.start()
    with pytest.raises(ImportFileError, match="XFD"):
        for _row in XlsxReader(io.BytesIO(content)).rows():
            pass
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_excels_last_column_itself_is_read():
    content = _with_far_cell("XFD1")
    rows = list(XlsxReader(io.BytesIO(content)).rows())
    assert len(rows[0][1]) == 16384
