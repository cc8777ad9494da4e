"""Files the import refuses, with a message that says why, and files it reads as saved."""

import csv
import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.reader import ImportFileError, XlsxReader
from enterprises.models import MonthlyReport
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def refusal(content: bytes) -> str:
    with pytest.raises(ImportFileError) as caught:
        run_import(kind=get_kind("monthly_reports"), source=io.BytesIO(content))
    assert MonthlyReport.objects.count() == 0
    return str(caught.value)


def test_an_old_xls_file_is_refused_with_advice_to_save_as_xlsx():
    message = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert ".xls" in message and ".xlsx" in message


def test_a_csv_file_is_refused():
    assert ".xlsx" in refusal("统一社会信用代码,月份\n91610900MA0000000X,2021-11\n".encode())


def test_a_renamed_text_file_is_refused():
    assert ".xlsx" in refusal(b"hello, this is not a spreadsheet")


def test_an_empty_file_is_refused():
    assert refusal(b"")


def test_a_corrupt_zip_is_refused():
    content = xlsx([MONTHLY_HEADER])
    assert refusal(content[: len(content) // 2])


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert ".xlsx" in refusal(buffer.getvalue())


def test_a_workbook_without_the_header_row_is_refused_naming_the_columns():
    message = refusal(xlsx([["名称", "地址"], ["某企业", "恒口"]]))
    assert "统一社会信用代码" in message and "月份" in message


def test_a_credit_code_stored_as_a_number_is_refused_with_advice():
    result = run_import(
        kind=get_kind("monthly_reports"),
        source=io.BytesIO(xlsx([MONTHLY_HEADER, monthly_row(916109001000000123)])),
    )
    assert [error.row for error in result.errors] == [2]
    assert "text" in result.errors[0].message or "文本" in result.errors[0].message


def test_rows_after_the_table_and_trailing_empty_rows_are_ignored():
    enterprise = EnterpriseFactory()
    rows = [MONTHLY_HEADER, monthly_row(enterprise.credit_code)] + [[None, None, None]] * 40
    result = run_import(kind=get_kind("monthly_reports"), source=io.BytesIO(xlsx(rows)))
    assert result.ok and result.rows == 1


def test_the_reader_streams_shared_strings_inline_strings_and_gaps():
    content = xlsx([["a", None, 3], [None, "b", "c"], ["1,234.50", True, None]])
    with XlsxReader(io.BytesIO(content)) as reader:
        rows = list(reader.rows())
    assert rows == [
        (1, ["a", None, Decimal("3")]),
        (2, [None, "b", "c"]),
        (3, ["1,234.50", True]),
    ]


soffice = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    not soffice,
    reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)",
)
def test_a_file_saved_by_libreoffice_imports(tmp_path):
    first, second = EnterpriseFactory(), EnterpriseFactory()
    source = tmp_path / "reports.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["恒口示范区工业企业月报表"])
        writer.writerow(MONTHLY_HEADER)
        writer.writerow(monthly_row(first.credit_code, "2021-11", "1234.5"))
        writer.writerow(monthly_row(second.credit_code, "2021/12", "80"))
    subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            # Comma-separated UTF-8, the first column as text (as a clerk formats a code column).
            "--infilter=CSV:44,34,76,1,1/2",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = tmp_path / "reports.xlsx"
    result = run_import(kind=get_kind("monthly_reports"), source=str(converted))
    assert result.ok, result.errors
    assert result.created == 2
    assert MonthlyReport.objects.get(enterprise=first).output_value == Decimal("1234.50")
    assert MonthlyReport.objects.get(enterprise=second).period.month == 12


def _raw_workbook(sheet_xml: str, shared: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            '<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<x:sheets><x:sheet name="数据" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="worksheets/data.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/worksheets/data.xml", sheet_xml)
        if shared:
            archive.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def test_prefixed_namespaces_formulas_and_rich_text_are_read():
    sheet = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="inlineStr">'
        '<x:is><x:t xml:space="preserve"> 总 &amp; 计 </x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" s="3"><x:f>1+1</x:f><x:v>2</x:v></x:c>'
        '<x:c r="B2" t="str"><x:f>"a"</x:f><x:v>a</x:v></x:c><x:c r="AA2" t="b"><x:v>1</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    shared = (
        '<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:si><x:r><x:t>富</x:t></x:r><x:r><x:t>文本</x:t></x:r></x:si></x:sst>"
    )
    with XlsxReader(io.BytesIO(_raw_workbook(sheet, shared))) as reader:
        rows = list(reader.rows())
    assert rows[0] == (1, ["富文本", None, " 总 & 计 "])
    assert rows[1][1][:2] == [Decimal("2"), "a"]
    assert rows[1][1][26] is True and len(rows[1][1]) == 27
