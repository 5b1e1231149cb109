"""Read the first worksheet of an XLSX file one row at a time, for the household import.

calamine (`xlsx.py`) builds its whole grid in memory before the first row comes out: about
150 MB while building and 90 MB held for a 100,000-resident sheet. Here expat (standard
library, namespace-aware, no entities; the archive has already been checked) parses the
sheet's XML straight from the zip entry, a piece at a time, and each row is written to a
temporary file as soon as it ends; the household import goes over the rows several times and
reads them back from that file, so memory stays flat and no pass parses XML again. Only the
shared strings (a list of str) and the number formats of the styles are kept whole.

The cells read as calamine and its scan read them: shared and inline strings, numbers as
floats, booleans, dates by the cell's number format (a `date`, a `datetime` with a time of
day, a `time` under one day, a `timedelta` for elapsed-time formats such as [h]:mm; the 1904
calendar included), a formula without a cached value UNCALCULATED, an error value its text,
an empty cell None. A cell or row past the limits refuses the sheet as soon as it is met.
"""

from __future__ import annotations

import io
import pickle
import tempfile
import weakref
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import IO, Any
from xml.parsers import expat

from app.imports.xlsx import (
    CHUNK,
    MAIN,
    PKG,
    REL,
    ROW,
    UNCALCULATED,
    C,
    NotAWorksheet,
    SheetTooLarge,
    column_index,
    part_path,
)
from app.text import ascii_digits

F, T, V = (f"{MAIN} {n}" for n in ("f", "t", "v"))
SI, RPH = f"{MAIN} si", f"{MAIN} rPh"
BATCH = 512  # rows per record of the temporary file
EPOCH = datetime(1899, 12, 30)
DAY_MS = 86_400_000
# Built-in number formats calamine reads as dates (14-22, 27-36, 45, 47, 50-58) or durations.
DATE_IDS = frozenset([*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)])
DURATION_IDS = frozenset([46])


def _parser(start: Callable, end: Callable, data: Callable) -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    return parser


def _parse(archive: zipfile.ZipFile, path: str, parser: Any) -> None:
    with archive.open(path) as handle:
        while chunk := handle.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    """Each shared string's text: its runs joined, phonetic hints (rPh) left out."""
    strings: list[str] = []
    if path is None or path not in archive.namelist():
        return strings
    parts: list[str] = []
    state = {"take": False, "hint": 0}

    def start(name: str, attrs: dict) -> None:
        if name == T and not state["hint"]:
            state["take"] = True
        elif name == RPH:
            state["hint"] += 1
        elif name == SI:
            parts.clear()

    def end(name: str) -> None:
        if name == T:
            state["take"] = False
        elif name == RPH:
            state["hint"] -= 1
        elif name == SI:
            strings.append("".join(parts))

    def data(text: str) -> None:
        if state["take"]:
            parts.append(text)

    _parse(archive, path, _parser(start, end, data))
    return strings


def _format_kind(code: str) -> str | None:
    """calamine's reading of a custom number format: "date", "duration" or None (a number).
    Only the first section counts; quoted and escaped text and [colours] are no date."""
    escaped = quoted = ampm = hms = False
    brackets, prev = 0, " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return None
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return "duration"
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif brackets == 0 and not ampm and ch in "aA":
            ampm = True
        elif brackets == 0 and ch in ("pmPM/" if ampm else "dmhysDMHYS"):
            return "date"
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return None


def _styles(archive: zipfile.ZipFile, path: str | None) -> list[str | None]:
    """For each cell style (cellXfs), how its number format reads a number."""
    if path is None or path not in archive.namelist():
        return []
    sheet = ET.fromstring(archive.read(path))
    custom = {
        fmt.get("numFmtId"): _format_kind(fmt.get("formatCode", ""))
        for fmt in sheet.iter(f"{{{MAIN}}}numFmt")
    }
    kinds: list[str | None] = []
    for xfs in sheet.iter(f"{{{MAIN}}}cellXfs"):
        for xf in xfs.iter(f"{{{MAIN}}}xf"):
            number = xf.get("numFmtId", "0")
            if number in custom:
                kinds.append(custom[number])
            elif ascii_digits(number) and int(number) in DATE_IDS:
                kinds.append("date")
            else:
                kinds.append(
                    "duration" if ascii_digits(number) and int(number) in DURATION_IDS else None
                )
    return kinds


def excel_date(value: float, kind: str, date1904: bool) -> Any:
    """A number under a date format as calamine reads it (the 1900 calendar's phantom
    29 February included); the number itself when no date can hold it."""
    try:
        if kind == "duration":
            return timedelta(milliseconds=round(value * DAY_MS))
        days = value + 1462 if date1904 else value
        moment = EPOCH + timedelta(milliseconds=round((days if days >= 60 else days + 1) * DAY_MS))
    except (OverflowError, ValueError):
        return value
    if value < 1:
        return moment.time()
    return moment.date() if moment.time() == time() else moment


class _Rows:
    """Expat handlers turning the sheet's cells into rows, handed to `emit` in order."""

    def __init__(self, book: _Book, max_rows: int, max_columns: int, emit: Callable) -> None:
        self.book, self.max_rows, self.max_columns, self.emit = book, max_rows, max_columns, emit
        self.row = self.column = self.done = 0
        self.pending: dict[int, dict[int, Any]] = {}
        self.kind: str | None = None
        self.style = 0
        self.formula = self.cached = self.take = False
        self.text: list[str] = []

    def start(self, name: str, attrs: dict) -> None:
        if name == C:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                self.column, row = column_index(letters), int(ref[len(letters) :])
                if row != self.row:
                    self.at_row(row)
            else:
                self.column += 1
            self.kind, self.text = attrs.get("t"), []
            style = attrs.get("s")
            self.style = int(style) if style else 0
            self.formula = self.cached = False
        elif name in (V, T):
            self.take = self.cached = True
        elif name == F:
            self.formula = True
        elif name == ROW:
            number = attrs.get("r")
            self.at_row(int(number) if number else self.row + 1)
            self.column = 0

    def at_row(self, row: int) -> None:
        if row > self.max_rows:
            raise SheetTooLarge("rows")
        if row <= self.done:
            raise ValueError("a cell placed above a row already read")
        self.row = row

    def end(self, name: str) -> None:
        if name in (V, T):
            self.take = False
        elif name == C:
            self.cell()
        elif name == ROW:
            self.flush(self.row)

    def data(self, text: str) -> None:
        if self.take:
            self.text.append(text)

    def cell(self) -> None:
        value = self.value("".join(self.text))
        if value is None:
            return
        if self.column > self.max_columns:
            raise SheetTooLarge("columns")
        self.pending.setdefault(self.row, {})[self.column - 1] = value

    def value(self, text: str) -> Any:
        """The cell's value, None for an empty cell (the empty text too)."""
        kind = self.kind
        if kind == "e" and text:
            return text
        if self.formula and not text and not (self.cached and kind == "str"):
            return UNCALCULATED
        if not text or kind == "e":
            return None
        if kind == "s":
            return self.book.shared[int(text)] or None
        if kind == "b":
            return text != "0"
        if kind in ("str", "inlineStr", "d"):
            return text
        number = float(text)
        styles = self.book.styles
        how = styles[self.style] if self.style < len(styles) else None
        return excel_date(number, how, self.book.date1904) if how else number

    def flush(self, upto: int) -> None:
        """Hand on every row up to `upto`, an empty tuple for a row without cells."""
        for number in sorted(n for n in self.pending if n <= upto):
            cells = self.pending.pop(number)
            for _gap in range(self.done + 1, number):
                self.emit(())
            row = [None] * (max(cells) + 1)
            for column, value in cells.items():
                row[column] = value
            self.emit(tuple(row))
            self.done = number


class _Book:
    """What the whole workbook tells every cell: shared strings, styles, the calendar."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        pr = book.find(f"{{{MAIN}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        sheet = book.find(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet")
        if sheet is None:
            raise NotAWorksheet("")
        self.title = sheet.get("name", "")
        links = _links(archive)
        kind, self.sheet = links.get(sheet.get(f"{{{REL}}}id"), ("", ""))
        if kind != "worksheet":
            if kind:
                raise NotAWorksheet(self.title)
            raise KeyError("first sheet")
        by_kind = {k: target for k, target in links.values()}
        self.shared = _shared_strings(archive, by_kind.get("sharedStrings"))
        self.styles = _styles(archive, by_kind.get("styles"))


def _links(archive: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """The workbook's relationships: id -> (the type's last word, the part's path)."""
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    return {
        rel.get("Id", ""): (rel.get("Type", "").rsplit("/", 1)[-1], part_path(rel))
        for rel in rels.iter(f"{{{PKG}}}Relationship")
    }


class Spool:
    """Rows written once to a temporary file, read back from the start at each iteration."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while iterated)
        self.batch: list[tuple] = []
        self.close = weakref.finalize(self, self.file.close)  # when the rows are let go

    def add(self, row: tuple) -> None:
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            pickle.dump(self.batch, self.file, pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def __iter__(self) -> Iterator[tuple]:
        offset, end = 0, self.file.seek(0, io.SEEK_END)
        while offset < end:
            self.file.seek(offset)  # each iteration keeps its own place
            batch = pickle.load(self.file)
            offset = self.file.tell()
            yield from batch


def spool_first_sheet(
    data: bytes, max_rows: int, max_columns: int
) -> tuple[str, Callable[[], Iterator[tuple]]]:
    """Answer the first sheet's title and a function answering a new iterator over its rows
    (empty cells None) each time it is called: the XML is parsed once, into a spool."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    book = _Book(archive)
    spool = Spool()
    rows = _Rows(book, max_rows, max(max_columns, 26), spool.add)
    try:
        _parse(archive, book.sheet, _parser(rows.start, rows.end, rows.data))
        rows.flush(max(rows.pending, default=0))
        spool.flush()
    except BaseException:
        spool.close()
        raise
    return book.title, spool.__iter__
