"""Read the first worksheet of an XLSX file: python-calamine for the values, and one scan of
the sheet's XML for the three things calamine cannot say.

calamine (Rust) answers the value Excel last showed: shared and inline strings, numbers (as
floats), booleans, the cached value of a formula, and dates by the cell's number format
(a `date`, or a `datetime` with a time of day; the 1904 calendar included). It answers an
empty string for an empty cell, but also for

- a formula Excel never calculated (an `<f>` with no cached `<v>`: a file written by a program
  and never opened in Excel): its value is unknown, and a column of ID numbers made by
  formulas must refuse its rows, not import as "no ID number";
- an Excel error value (`t="e"`, #N/A…), which must refuse its row too;

and it builds a dense grid from the first to the last cell used, so a small file naming cell
XFD1048576 would ask for billions of cells.

So before calamine runs, `_quick_scan` streams the sheet's XML once with byte searches (no XML
parser): the highest row and the widest column any cell names, whether every cell carries its
reference, and whether any cell may hold a formula (`<f`) or an error (`t="e"`). A sheet too
large is refused before calamine allocates anything. Only when formulas, errors, cells
without a reference or prefixed element names appear does a second, exact pass with expat
(standard library, namespace-aware, no entities) find those cells: a formula without a
cached value becomes UNCALCULATED (an empty `<v/>` counts as none, except for a text result,
which may be empty), an error cell its text ("#N/A"). Sheets typed or exported as values pay
only the byte scan.

On bench/bench_import.py's 100,000-resident sheet (7.3 MB, 85 MB of sheet XML) reading takes
3.2 s of CPU (1.2 s of it the byte scan) with a peak of 337 MB, against 9.8 s and 245 MB for
the expat reader this replaced: faster, but calamine holds its grid while the rows are made
(docs/BENCHMARKS.md). A sheet with formulas pays the exact pass too, 5.8 s more there.
The archive has already been checked (size, entries, no DOCTYPE) when this runs.
This reader serves `read_sheet` (enrolment, reconciliation); the household import goes over
its rows in passes and reads with `xlsx_stream.py`, which holds no grid.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from python_calamine import CalamineWorkbook, SheetTypeEnum

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
C, V, T, F, ROW, IS = (f"{MAIN} {n}" for n in ("c", "v", "t", "f", "row", "is"))
CHUNK = 1 << 20
# A cell of the fast path: `<c r="AB12"`; rows from 100,000 on and columns from AA on are
# rare enough to collect one by one.
_HIGH_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d{6,})"')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})\d+"[^>]*?(/?)>')
_ROW_TAG = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_SLOW_SIGNS = (b"<f>", b"<f ", b"<f/", b't="e"', b"t='e'", b":c ", b":c>", b":row", b":f")


class Uncalculated(str):
    """A formula cell without a cached value: Excel never calculated it, so its value is
    unknown. It is an empty string to whatever only reads text; the row checks refuse it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCALCULATED"

    def __reduce__(self) -> str:
        return "UNCALCULATED"  # pickled as the one module-level value (the spool keeps it)


UNCALCULATED = Uncalculated("")


class SheetTooLarge(ValueError):
    """The sheet names a row or a column past the limits (checked before calamine runs)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what  # "rows" or "columns"


class NotAWorksheet(ValueError):
    """The first sheet is a chart or a macro sheet, not a grid of cells."""


def column_index(letters: str) -> int:
    """Index a column's letters (A -> 1)."""
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index


@dataclass
class _Scan:
    """What the sheet's XML says beyond calamine's values."""

    rows: int = 0  # the highest row number a cell or row names
    columns: int = 0  # the widest column holding something
    cells: dict[tuple[int, int], str] = field(default_factory=dict)  # 0-based (row, column)


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    sheet = book.find(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet")
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    wanted = sheet.get(f"{{{REL}}}id") if sheet is not None else None
    for rel in rels.iter(f"{{{PKG}}}Relationship"):
        if rel.get("Id") == wanted:
            return part_path(rel)
    raise KeyError("first sheet")


def part_path(rel: ET.Element) -> str:
    """The path in the archive of the part a workbook relationship names."""
    target = rel.get("Target", "")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _chunks(archive: zipfile.ZipFile, path: str) -> Iterator[bytes]:
    """Answer the entry in pieces that end after a '>', so no tag is cut in two."""
    tail = b""
    with archive.open(path) as handle:
        while chunk := handle.read(CHUNK):
            piece = tail + chunk
            cut = piece.rfind(b">") + 1
            piece, tail = piece[:cut], piece[cut:]
            yield piece
    yield tail


def _quick_scan(archive: zipfile.ZipFile, path: str) -> _Scan | None:
    """Bound the sheet with byte searches; None when it needs the exact pass."""
    scan = _Scan(rows=0, columns=26)
    for piece in _chunks(archive, path):
        cells = piece.count(b"<c ") + piece.count(b"<c>") + piece.count(b"<c/")
        if cells != piece.count(b'<c r="') or any(sign in piece for sign in _SLOW_SIGNS):
            return None
        for number in _HIGH_ROW.findall(piece) + _ROW_TAG.findall(piece):
            scan.rows = max(scan.rows, int(number))
        for letters, empty in _WIDE_COLUMN.findall(piece):
            if not empty:
                scan.columns = max(scan.columns, column_index(letters.decode()))
    return scan


class _ExactScan:
    """Expat handlers placing every cell as calamine does, noting formulas and errors."""

    def __init__(self) -> None:
        self.scan = _Scan()
        self.row = self.column = 0
        self.kind: str | None = None
        self.formula = self.cached = self.take = False
        self.text: list[str] = []

    def start(self, name: str, attrs: dict) -> None:
        if name == ROW:
            self.row = int(attrs["r"]) if attrs.get("r") else self.row + 1
            self.column = 0
        elif name == C:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                self.row, self.column = int(ref[len(letters) :]), column_index(letters)
            else:
                self.column += 1
            self.kind, self.text = attrs.get("t"), []
            self.formula = self.cached = False
        elif name == F:
            self.formula = True
        elif name in (V, T):
            self.take = self.cached = True

    def end(self, name: str) -> None:
        if name in (V, T):
            self.take = False
        elif name == C:
            self.cell()

    def cell(self) -> None:
        scan, text = self.scan, "".join(self.text)
        scan.rows = max(scan.rows, self.row)
        place = (self.row - 1, self.column - 1)
        if self.kind == "e" and text:
            scan.cells[place] = text
        elif self.formula and not text and not (self.cached and self.kind == "str"):
            scan.cells[place] = UNCALCULATED
        elif not (text or self.formula):
            return
        scan.columns = max(scan.columns, self.column)

    def data(self, text: str) -> None:
        if self.take:
            self.text.append(text)


def _exact_scan(archive: zipfile.ZipFile, path: str) -> _Scan:
    handlers = _ExactScan()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.data
    for piece in _chunks(archive, path):
        parser.Parse(piece, False)
    parser.Parse(b"", True)
    return handlers.scan


def _rows(sheet: Any, scan: _Scan) -> Iterator[tuple]:
    """calamine's rows from A1, with the scan's cells put in (and its trailing rows added)."""
    lead = [""] * (sheet.start[1] if sheet.start else 0)
    by_row: dict[int, dict[int, str]] = {}
    for (row, column), value in scan.cells.items():
        by_row.setdefault(row, {})[column] = value
    number = -1
    for number, values in enumerate(sheet.iter_rows() if sheet.start else ()):
        yield _with(lead + values if lead else values, by_row.get(number))
    for row in range(number + 1, max(by_row, default=-1) + 1):
        yield _with([], by_row.get(row))


def _with(values: list, cells: dict[int, str] | None) -> tuple:
    """Put the scan's cells in a row; an empty cell is None (an UNCALCULATED is no plain str)."""
    if cells:
        values += [""] * (max(cells) + 1 - len(values))
        for column, value in cells.items():
            values[column] = value
    return tuple(v if v.__class__ is not str or v else None for v in values)


def iter_first_sheet(data: bytes, max_rows: int, max_columns: int) -> tuple[str, Iterator[tuple]]:
    """Answer the first sheet's title and an iterator over its rows (empty cells as None)."""
    title, reread = open_first_sheet(data, max_rows, max_columns)
    return title, reread()


def open_first_sheet(
    data: bytes, max_rows: int, max_columns: int
) -> tuple[str, Callable[[], Iterator[tuple]]]:
    """Answer the first sheet's title and a function answering a new iterator over its rows
    each time it is called: calamine's grid is read once and kept, its rows are made again."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    if not workbook.sheets_metadata:
        raise NotAWorksheet("")
    meta = workbook.sheets_metadata[0]
    if meta.typ != SheetTypeEnum.WorkSheet:
        raise NotAWorksheet(meta.name)
    path = _first_sheet_path(archive)
    scan = _quick_scan(archive, path) or _exact_scan(archive, path)
    if scan.columns > max(max_columns, 26):
        raise SheetTooLarge("columns")
    if scan.rows > max_rows:
        raise SheetTooLarge("rows")
    sheet = workbook.get_sheet_by_index(0)
    return meta.name, lambda: _rows(sheet, scan)
