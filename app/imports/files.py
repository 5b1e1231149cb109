"""Read an uploaded household list safely: XLSX or CSV, every limit checked before parsing.

An XLSX file is a zip archive: its entry count, declared uncompressed size and XML preambles
(no DOCTYPE, no ENTITY) are checked before it is opened, so a zip bomb or an XML bomb is
refused without being expanded. Python's zipfile never inflates an entry past its declared
size. Formula cells are read as the value Excel last calculated (see `xlsx.py`).
A CSV file is UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258 (CP1258, which
writes tone marks as combining characters: the text is normalized to NFC).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.imports.xlsx import NotAWorksheet, SheetTooLarge, Uncalculated, open_first_sheet
from app.imports.xlsx_stream import spool_first_sheet

MB = 1024 * 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Rows above the header (a title, the commune's name) that a sheet may have.
HEADER_SEARCH_ROWS = 15
PROGRESS_EVERY = 10_000
# Empty rows a sheet may have between its data rows: an XLSX whose cells reach further down
# is refused before it is read (the reader would hold every row up to its last).
BLANK_ROWS_ALLOWED = 10_000


class FileRefused(ValueError):
    """The file cannot be imported at all; the message says why, for a person."""


@dataclass(frozen=True)
class Limits:
    """How large a household list may be."""

    max_bytes: int = 20 * MB
    max_rows: int = 200_000
    max_columns: int = 200
    max_uncompressed: int = 400 * MB
    max_zip_entries: int = 1000

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        """Read the limits from the app config (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ...)."""
        default = cls()
        return cls(
            max_bytes=int(config.get("IMPORT_MAX_BYTES", default.max_bytes)),
            max_rows=int(config.get("IMPORT_MAX_ROWS", default.max_rows)),
            max_columns=int(config.get("IMPORT_MAX_COLUMNS", default.max_columns)),
            max_uncompressed=int(config.get("IMPORT_MAX_UNCOMPRESSED", default.max_uncompressed)),
            max_zip_entries=int(config.get("IMPORT_MAX_ZIP_ENTRIES", default.max_zip_entries)),
        )


@dataclass
class Sheet:
    """The rows of the first sheet, from its top, each without trailing empty cells."""

    kind: str  # "xlsx" or "csv"
    title: str
    rows: list[tuple] | Iterable[tuple]  # read again at each pass, from `open_sheet`
    encoding: str | None = None


Progress = Callable[[int], None]


def megabytes(size: int) -> str:
    """Write a size in MB the Vietnamese way (1,5)."""
    return f"{size / MB:.1f}".replace(".", ",")


def _check_size(data: bytes, limits: Limits) -> None:
    """Refuse an empty file, one too large, or an old Excel file, before reading it."""
    if not data or not data.strip():
        raise FileRefused(_("Tệp rỗng."))
    if len(data) > limits.max_bytes:
        raise FileRefused(
            _(
                "Tệp quá lớn (%(size)s MB; tối đa %(max)s MB).",
                size=megabytes(len(data)),
                max=megabytes(limits.max_bytes),
            )
        )
    if data.startswith(OLE2_MAGIC):
        raise FileRefused(
            _(
                "Đây là tệp Excel cũ (.xls) hoặc tệp có mật khẩu; hãy mở bằng Excel, bỏ mật khẩu và lưu thành .xlsx."  # noqa: E501
            )
        )


def read_sheet(data: bytes, limits: Limits, progress: Progress | None = None) -> Sheet:
    """Read a household list's first sheet whole, or refuse the file with a reason."""
    _check_size(data, limits)
    if data.startswith(ZIP_MAGICS):
        return _read_xlsx(data, limits, progress)
    return _read_csv(data, limits, progress)


def _blank(value: Any) -> bool:
    """An empty cell (a formula never calculated is not: the row checks refuse it)."""
    return value is None or (value == "" and not isinstance(value, Uncalculated))


def _trimmed(row: tuple | list) -> tuple:
    end = len(row)
    while end and _blank(row[end - 1]):
        end -= 1
    return tuple(row[:end])


def _too_many_rows(limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "Tệp có quá nhiều dòng (hơn %(max)s); hãy chia thành nhiều tệp.",
            max=f"{limits.max_rows:,}".replace(",", "."),
        )
    )


def _too_many_columns(limits: Limits) -> FileRefused:
    return FileRefused(
        _("Tệp có quá nhiều cột (hơn %(max)s); hãy xóa các cột thừa.", max=limits.max_columns)
    )


def _stream(rows: Any, limits: Limits, progress: Progress | None) -> Iterator[tuple]:
    """Yield rows one by one, refusing a sheet with too many rows or columns; trailing empty
    rows are held back until a filled row follows them (so none ends the sheet)."""
    blanks = 0
    filled = 0
    for raw in rows:
        row = _trimmed(raw)
        if len(row) > limits.max_columns:
            raise _too_many_columns(limits)
        if not row:
            blanks += 1
            continue
        yield from [()] * blanks
        blanks = 0
        yield row
        filled += 1
        if filled > limits.max_rows + HEADER_SEARCH_ROWS:
            raise _too_many_rows(limits)
        if progress is not None and filled % PROGRESS_EVERY == 0:
            progress(filled)


def _collect(rows: Any, limits: Limits, progress: Progress | None) -> list[tuple]:
    """Keep rows, refusing a sheet with too many rows or columns."""
    return list(_stream(rows, limits, progress))


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a zip that is no XLSX, or one that would expand too far, before opening it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise FileRefused(_("Tệp .xlsx bị hỏng hoặc không phải bảng tính.")) from exc
    if len(infos) > limits.max_zip_entries:
        raise FileRefused(_("Tệp nén có quá nhiều thành phần; không nhận (có thể là bom zip)."))
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed:
        raise FileRefused(
            _(
                "Tệp bung ra quá lớn (%(size)s MB; tối đa %(max)s MB); không nhận (có thể là bom zip).",  # noqa: E501
                size=megabytes(total),
                max=megabytes(limits.max_uncompressed),
            )
        )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise FileRefused(_("Tệp OpenDocument (.ods) chưa được hỗ trợ; hãy lưu thành .xlsx."))
        raise FileRefused(_("Tệp nén này không phải bảng tính XLSX."))
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRefused(_("Tệp có mật khẩu; hãy bỏ mật khẩu rồi nhập lại."))
        if info.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(info) as handle:
                    head = handle.read(2048).upper()
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise FileRefused(_("Tệp .xlsx bị hỏng hoặc không phải bảng tính.")) from exc
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileRefused(_("Tệp XLSX có khai báo DOCTYPE/ENTITY; không nhận vì an toàn."))


def _read_xlsx(data: bytes, limits: Limits, progress: Progress | None) -> Sheet:
    title, reread = _open_xlsx(data, limits)
    return Sheet(kind="xlsx", title=title, rows=list(_xlsx_rows(reread(), limits, progress)))


def _open_xlsx(
    data: bytes, limits: Limits, opener: Callable = open_first_sheet
) -> tuple[str, Callable[[], Iterator[tuple]]]:
    """Check the archive and open its first sheet (with calamine, or `spool_first_sheet`),
    or refuse the file with a reason."""
    _check_archive(data, limits)
    with _xlsx_errors(limits):
        return opener(
            data, limits.max_rows + HEADER_SEARCH_ROWS + BLANK_ROWS_ALLOWED, limits.max_columns
        )


def _xlsx_rows(rows: Iterator[tuple], limits: Limits, progress: Progress | None) -> Iterator:
    """The sheet's rows as they are read; a failure on the way refuses the file."""
    with _xlsx_errors(limits):
        yield from _stream(rows, limits, progress)


@contextmanager
def _xlsx_errors(limits: Limits) -> Iterator[None]:
    """Turn what a broken XLSX raises into a refusal a person can read."""
    try:
        yield
    except SheetTooLarge as exc:
        raise (_too_many_rows(limits) if exc.what == "rows" else _too_many_columns(limits)) from exc
    except NotAWorksheet as exc:
        if not exc.args[0]:
            raise FileRefused(_("Tệp không có trang tính nào.")) from exc
        raise FileRefused(_("Trang đầu tiên của tệp không phải bảng dữ liệu.")) from exc
    except FileRefused:
        raise
    except Exception as exc:  # calamine, expat, zlib ...
        raise FileRefused(_("Không đọc được tệp .xlsx (tệp hỏng).")) from exc


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV: UTF-16 with BOM, UTF-8 (BOM or not), else Windows-1258; NFC always."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileRefused(_("Không đọc được mã ký tự của tệp.")) from exc
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258"
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _("Không đọc được mã ký tự của tệp (cần UTF-8 hoặc Windows-1258).")
        ) from exc


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    return any(ord(ch) < 32 and ch not in "\t\n\r" for ch in sample) or "\x00" in text


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    sample = "\n".join(lines[:5])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t"}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(data: bytes, limits: Limits, progress: Progress | None) -> Sheet:
    sheet = _open_csv(data, limits, progress)
    return Sheet(kind="csv", title="CSV", rows=list(sheet.rows), encoding=sheet.encoding)


def _open_csv(data: bytes, limits: Limits, progress: Progress | None) -> Sheet:
    text, encoding = decode_text(data)
    if _looks_binary(text):
        raise FileRefused(_("Tệp không phải bảng tính (cần .xlsx hoặc .csv)."))
    if text.lstrip().startswith("<"):
        raise FileRefused(_("Tệp là HTML/XML, không phải bảng tính (cần .xlsx hoặc .csv)."))
    delimiter = _delimiter(text)

    def reread() -> Iterator[tuple]:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    rows = Reread(reread, lambda rows, tell: _csv_rows(rows, limits, tell), progress)
    return Sheet(kind="csv", title="CSV", rows=rows, encoding=encoding)


def _csv_rows(reader: Any, limits: Limits, progress: Progress | None) -> Iterator[tuple]:
    try:
        yield from _stream(reader, limits, progress)
    except csv.Error as exc:
        raise FileRefused(_("Tệp CSV bị hỏng (%(reason)s).", reason=str(exc))) from exc


class Reread:
    """A sheet's rows, read again from the start each time they are iterated; the progress
    is told on the first pass only."""

    def __init__(
        self,
        reread: Callable[[], Iterator[tuple]],
        check: Callable[[Iterator[tuple], Progress | None], Iterator[tuple]],
        progress: Progress | None,
    ) -> None:
        self.reread, self.check, self.progress = reread, check, progress

    def __iter__(self) -> Iterator[tuple]:
        progress, self.progress = self.progress, None
        return self.check(self.reread(), progress)


def open_sheet(data: bytes, limits: Limits, progress: Progress | None = None) -> Sheet:
    """Open a household list's first sheet to go over its rows as often as needed, without
    keeping them: `rows` reads them again, one at a time, each time it is iterated (an XLSX's
    sheet is parsed once, row by row, into a temporary file read back at each pass: see
    `xlsx_stream.py`). Refuse the file with a reason."""
    _check_size(data, limits)
    if data.startswith(ZIP_MAGICS):
        title, reread = _open_xlsx(data, limits, spool_first_sheet)
        rows = Reread(reread, lambda rows, tell: _xlsx_rows(rows, limits, tell), progress)
        return Sheet(kind="xlsx", title=title, rows=rows)
    return _open_csv(data, limits, progress)
