"""Reading the first worksheet of an .xlsx file as Excel and LibreOffice save it, streamed.

The reader streams the worksheet's XML straight from the zip archive and holds one chunk of it
at a time, so memory does not grow with the file: an upload may hold up to about 1.5 million
rows (``HENGKOU_IMPORT_MAX_SHEET_BYTES``), and several may be checked at once by the workers of
one machine. Only the shared-strings table (the workbook's distinct texts) is held whole, and
it is bounded (``HENGKOU_IMPORT_MAX_PART_BYTES``). It does not trust the sheet's dimension or
the styles: a number in a month column is read as a month whatever its format says. Cells come
back as ``str`` (text), ``Decimal`` (numbers, exactly as written in the file), ``bool`` or
``None``; ``formats`` turns them into values.

Why our own reader: ``make bench`` reads the same workbooks with it and with python-calamine
(Rust's calamine), the fastest reader for Python (docs/performance.md, "Reading .xlsx").
calamine reads about 1.5 to 2 times as fast, but it loads the whole sheet before handing over
its first row: its memory grew by 72 MiB for 100,000 rows and 718 MiB for 1,000,000, where
ours grew by 20 MiB at both sizes. It also gives numbers as floats, where the import wants the
digits as written (an 18-digit code typed as a number, a third decimal place, 0.1 + 0.2 left by
a formula). The sheet's XML is about a quarter of an import's time (1.2 s of about 5 s for
100,000 rows on PostgreSQL, docs/performance.md, "Import: where the 5 seconds … go"), so
calamine's speed would save a fraction of that, against a memory that grows with the file. A
well-kept library that streams as fast would be worth taking.
"""

from __future__ import annotations

import codecs
import html
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Office's compound-file signature: the old binary .xls (and .doc) format.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
READ_SIZE = 1 << 20

_NS = r"(?:[A-Za-z_][\w.-]*:)?"
# The cell layout Excel, LibreOffice and openpyxl write: r first, a plain <v> or inline <t>.
_FAST_CELL_RE = re.compile(
    r'<c r="([A-Z]+)(\d+)"(?:(?=[^>]*? t="(\w+)"))?[^>]*?'
    r"(?:/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)?</c>)"
)
_ROW_NUMBER_RE = re.compile(r'\br="(\d+)"')
_DIGITS = frozenset("0123456789")
_T_RE = re.compile(rf"<{_NS}t(?:\s[^>]*)?>(.*?)</{_NS}t>", re.S)
# Phonetic runs (rPh) hold furigana in Japanese files; their text is not the cell's.
_RPH_RE = re.compile(rf"<{_NS}rPh\b.*?</{_NS}rPh>", re.S)
_SI_RE = re.compile(rf"<{_NS}si\b[^>]*?(?:/>|>(.*?)</{_NS}si>)", re.S)
_SHEET_RE = re.compile(rf"<{_NS}sheet\b([^>]*?)/?>", re.S)
_REL_RE = re.compile(rf"<{_NS}Relationship\b([^>]*?)/?>", re.S)
_ATTR_RE = re.compile(r'([\w:]+)="([^"]*)"')


class ImportFileError(Exception):
    """The file cannot be read as a workbook with the expected table; the message says why."""


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def _attrs(text: str) -> dict[str, str]:
    return {key: html.unescape(value) for key, value in _ATTR_RE.findall(text)}


MAX_COLUMNS = 16384  # Excel's last column, XFD


def _column_index(letters: str) -> int:
    """Return a column's index from its letters (A → 0); refuse one past Excel's last (XFD).

    A cell at ZZZZZZZ1 in a tiny file would otherwise pad its row with billions of blanks.
    """
    index = 0
    for ch in letters[:4]:
        index = index * 26 + ord(ch) - 64
    if len(letters) > 3 or index > MAX_COLUMNS:
        raise ImportFileError(
            _("The worksheet has a cell beyond Excel's last column (XFD): %(cell)s.")
            % {"cell": letters[:12]}
        )
    return index - 1


class XlsxReader:
    """A streaming reader of the first worksheet of an .xlsx file."""

    def __init__(self, file: str | IO[bytes]):
        self.archive = open_archive(file)
        self.sheet_path = self._first_sheet_path()
        self.prefix = self._detect_prefix()
        self.shared_strings = self._shared_strings()

    def close(self) -> None:
        self.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_text(self, name: str) -> str:
        limit = archive_limit("HENGKOU_IMPORT_MAX_PART_BYTES")
        with self.archive.open(name) as handle:
            data = handle.read(limit + 1)  # never more, whatever the archive claims
        if len(data) > limit:
            raise ImportFileError(_too_big(name, len(data), 0))
        return data.decode("utf-8", "replace")

    def _first_sheet_path(self) -> str:
        names = set(self.archive.namelist())
        try:
            workbook = self._read_text("xl/workbook.xml")
        except KeyError as error:
            raise ImportFileError(_not_xlsx()) from error
        sheets = [_attrs(attrs) for attrs in _SHEET_RE.findall(workbook)]
        rels = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for attrs in _REL_RE.findall(self._read_text("xl/_rels/workbook.xml.rels")):
                values = _attrs(attrs)
                rels[values.get("Id")] = values.get("Target", "")
        for sheet in sheets:
            if sheet.get("state") in ("hidden", "veryHidden"):
                continue
            rel = next((v for k, v in sheet.items() if k.endswith(":id")), None)
            target = rels.get(rel, "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            if path in names:
                return path
        fallback = sorted(n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
        if fallback:
            return fallback[0]
        raise ImportFileError(_("The workbook has no worksheet."))

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.archive.namelist():
            return []
        strings = []
        for body in _SI_RE.findall(self._read_text("xl/sharedStrings.xml")):
            body = _RPH_RE.sub("", body) if "rPh" in body else body
            strings.append(_unescape("".join(_T_RE.findall(body))))
        return strings

    def _chunks(self) -> Iterator[str]:
        """Yield the sheet's XML in pieces that each end with a complete row, streaming."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = ""
        end_tag = f"</{self.prefix}row>"
        try:
            with self.archive.open(self.sheet_path) as handle:
                while True:
                    chunk = handle.read(READ_SIZE)
                    buffer += decoder.decode(chunk, final=not chunk)
                    if not chunk:
                        yield buffer
                        return
                    cut = buffer.rfind(end_tag)
                    if cut >= 0:
                        cut += len(end_tag)
                        yield buffer[:cut]
                        buffer = buffer[cut:]
                    elif len(buffer) > 64 * READ_SIZE:
                        raise ImportFileError(_("The worksheet cannot be read: a row is too big."))
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise ImportFileError(_corrupt()) from error

    def _detect_prefix(self) -> str:
        try:
            with self.archive.open(self.sheet_path) as handle:
                head = handle.read(4096).decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise ImportFileError(_corrupt()) from error
        found = re.search(r"<([A-Za-z_][\w.-]*:)?worksheet\b", head)
        return found.group(1) or "" if found else ""

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Yield (row number, cell values from column A) for every row element of the sheet.

        Plain string splitting, not an XML parser: a sheet's rows and cells are flat, text is
        escaped (no raw "<" inside), and this is several times faster on 100,000 rows.
        """
        prefix = self.prefix
        row_open, cell_open = f"<{prefix}row ", f"<{prefix}c "
        v_open, v_close = f"<{prefix}v>", f"</{prefix}v>"
        columns: dict[str, int] = {}
        number = 0
        fast = self._fast_cell_re()
        for chunk in self._chunks():
            if fast is not None:
                cells = fast.findall(chunk)
                # Every cell element matched in the common layout: take the fast path.
                if len(cells) == chunk.count(cell_open) and "<c>" not in chunk:
                    yield from self._fast_rows(cells, columns)
                    continue
            for piece in chunk.split(row_open)[1:]:
                head_end = piece.find(">")
                row_attrs = piece[:head_end]
                found = _ROW_NUMBER_RE.search(row_attrs)
                number = int(found.group(1)) if found else number + 1
                if row_attrs.endswith("/"):
                    yield number, []
                    continue
                yield (
                    number,
                    self._cells(
                        piece[head_end + 1 :].split(cell_open)[1:], columns, v_open, v_close
                    ),
                )

    def _fast_cell_re(self):
        if self.prefix:
            return None
        return _FAST_CELL_RE

    def _fast_rows(self, cells, columns) -> Iterator[tuple[int, list[Any]]]:
        """Turn the (column, row, type, value, inline text) of matched cells into rows."""
        strings = self.shared_strings
        current = None
        values: list[Any] = []
        append = values.append
        for letters, number, kind, raw, inline in cells:
            if number != current:
                if current is not None:
                    yield int(current), values
                current = number
                values = []
                append = values.append
            index = columns.get(letters)
            if index is None:
                index = columns[letters] = _column_index(letters)
            if index != len(values):
                if index < len(values):
                    continue
                values.extend([None] * (index - len(values)))
            if raw:
                if not kind or kind == "n":
                    try:
                        append(Decimal(raw))
                    except InvalidOperation:
                        append(_unescape(raw))
                elif kind == "s":
                    try:
                        append(strings[int(raw)])
                    except (ValueError, IndexError):
                        append(None)
                elif kind == "b":
                    append(raw.strip() == "1")
                else:
                    append(_unescape(raw))
            elif inline:
                append(_unescape(inline))
            else:
                append(None)
        if current is not None:
            yield int(current), values

    def _cells(self, pieces, columns, v_open, v_close) -> list[Any]:
        strings = self.shared_strings
        values: list[Any] = []
        append = values.append
        v_len = len(v_open)
        for piece in pieces:
            close = piece.find(">")
            at = piece.find('r="', 0, close)
            if at >= 0:
                # Columns A-Z are the common case: one letter, then the row's digits.
                if piece[at + 4] in _DIGITS:
                    index = ord(piece[at + 3]) - 65
                else:
                    letters = piece[at + 3 : piece.index('"', at + 3)].rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = _column_index(letters)
                if index != len(values):
                    if index < len(values):
                        continue
                    values.extend([None] * (index - len(values)))
            if piece[close - 1] == "/":
                append(None)
                continue
            at = piece.find('t="', 0, close)
            kind = piece[at + 3 : piece.index('"', at + 3)] if at >= 0 else "n"
            start = close + 1
            if kind == "inlineStr":
                append(_unescape("".join(_T_RE.findall(piece, start))))
                continue
            if piece.startswith(v_open, start):
                raw = piece[start + v_len : piece.find("<", start + v_len)]
            else:
                at = piece.find(v_open, start)
                if at < 0:
                    append(None)
                    continue
                raw = piece[at + v_len : piece.find(v_close, at)]
            if kind == "n":
                try:
                    append(Decimal(raw))
                except InvalidOperation:
                    append(_unescape(raw) or None)
            elif kind == "s":
                try:
                    append(strings[int(raw)])
                except (ValueError, IndexError):
                    append(None)
            elif kind == "b":
                append(raw.strip() == "1")
            else:  # str (a formula's text), e (an error such as #N/A), d (ISO date)
                append(_unescape(raw))
        return values


def open_archive(file: str | IO[bytes]) -> zipfile.ZipFile:
    """Open ``file`` as an .xlsx archive, or refuse it with a message saying what it is."""
    if isinstance(file, str):
        with open(file, "rb") as handle:
            head = handle.read(8)
    else:
        file.seek(0)
        head = file.read(8)
        file.seek(0)
    if not head:
        raise ImportFileError(_("The file is empty."))
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(
            _(
                "This is an old Excel 97-2003 file (.xls). Open it in Excel or LibreOffice "
                "and save it as an Excel workbook (.xlsx)."
            )
        )
    if not head.startswith(ZIP_MAGIC):
        raise ImportFileError(_not_xlsx())
    try:
        # Given a path, the archive owns (and closes) its file.
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ImportFileError(_corrupt()) from error
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise ImportFileError(_not_xlsx())
    try:
        check_archive_sizes(archive)
    except ImportFileError:
        archive.close()
        raise
    return archive


# Zip bombs: the sizes an archive declares are checked before anything is read, and no member
# is ever read past them (zipfile stops at a member's declared size). The worksheet is streamed;
# the other parts (shared strings, workbook, relationships) are read whole, so they are bounded
# tightly. Settings override each limit.
ARCHIVE_LIMITS = {
    "HENGKOU_IMPORT_MAX_SHEET_BYTES": 1 << 30,  # 1 GiB of worksheet XML: about 1.5 M rows
    "HENGKOU_IMPORT_MAX_PART_BYTES": 64 << 20,  # 64 MiB for any other part read whole
    "HENGKOU_IMPORT_MAX_TOTAL_BYTES": 2 << 30,  # 2 GiB for the whole archive
    "HENGKOU_IMPORT_MAX_RATIO": 200,  # uncompressed / compressed, for members over 1 MiB
}
RATIO_FLOOR = 1 << 20


def archive_limit(name: str) -> int:
    return int(getattr(settings, name, ARCHIVE_LIMITS[name]))


def check_archive_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose declared sizes exceed the limits, before reading any member."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        worksheet = info.filename.startswith("xl/worksheets/")
        limit = archive_limit(
            "HENGKOU_IMPORT_MAX_SHEET_BYTES" if worksheet else "HENGKOU_IMPORT_MAX_PART_BYTES"
        )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limit or (
            info.file_size > RATIO_FLOOR and ratio > archive_limit("HENGKOU_IMPORT_MAX_RATIO")
        ):
            raise ImportFileError(_too_big(info.filename, info.file_size, ratio))
    if total > archive_limit("HENGKOU_IMPORT_MAX_TOTAL_BYTES"):
        raise ImportFileError(_too_big("", total, 0))


def _too_big(part: str, size: int, ratio: float) -> str:
    return _(
        "This workbook unpacks to more than the import accepts (%(part)s%(size)s MB%(ratio)s): "
        "it is not an ordinary spreadsheet. Save the data again from Excel or LibreOffice, or "
        "split it into several files."
    ) % {
        "part": f"{part}: " if part else "",
        "size": f"{size / (1 << 20):,.0f}",
        "ratio": f", {ratio:,.0f}×" if ratio else "",
    }


def _not_xlsx():
    return _(
        "This file is not an Excel workbook (.xlsx). Save it from Excel or LibreOffice as "
        "“Excel workbook (.xlsx)” and upload it again; CSV and .xls files are not accepted."
    )


def _corrupt():
    return _("The file is damaged and cannot be opened as an Excel workbook (.xlsx).")
