"""Go over a household list's rows in passes, holding one chunk of households at a time.

A first pass (`index_file`) finds the header and notes, from two cells of each row, where
each household's last row is and which ID numbers are written on more than one row. Each
later pass (`household_chunks`) reads the rows again, checks each one, and hands on the
households in the order of their first rows, each as soon as its last row has been read,
`size` at a time: a file whose households are written row after row (as exports are) holds
one chunk's rows, a file whose households are scattered holds the rows of those not yet
complete. The chunks are the same at every pass, so a chunk can be checked in one pass and
written in the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from flask_babel import gettext as _

from app.imports.checks import Group
from app.imports.files import HEADER_SEARCH_ROWS, PROGRESS_EVERY, Sheet
from app.imports.rows import Layout, Row, find_layout, read_field, read_row, taken


@dataclass
class FileIndex:
    """What the first pass found: the layout and what spans the whole file."""

    layout: Layout
    width: int = 0  # the widest row, in cells
    rows: int = 0  # data rows
    last: dict[str, int] = field(default_factory=dict)  # household code -> its last row's index
    twice: dict[str, list[int]] = field(default_factory=dict)  # ID number -> its row numbers


def index_file(sheet: Sheet) -> FileIndex:
    """Find the header, then note each household's last row and the repeated ID numbers."""
    source = iter(sheet.rows)
    head = list(islice(source, HEADER_SEARCH_ROWS))
    index = FileIndex(find_layout(Sheet(sheet.kind, sheet.title, head, sheet.encoding)))
    layout = index.layout
    first_row: dict[str, int] = {}
    for position, raw in enumerate(chain(head, source)):
        index.width = max(index.width, len(raw))
        if position <= layout.header_index or not taken(raw, sheet.kind):
            continue
        index.rows += 1
        code = read_field(raw, layout, "household_code")
        if code:
            index.last[code] = position
        number = read_field(raw, layout, "id_number")
        if number:
            first = first_row.setdefault(number, position + 1)
            if first != position + 1:
                index.twice.setdefault(number, [first]).append(position + 1)
    return index


def _rows_text(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:10]) + ("…" if len(numbers) > 10 else "")


def _check_twice(row: Row, index: FileIndex) -> None:
    """Refuse an ID number written on two rows of the file."""
    number = row.values.get("id_number")
    same = index.twice.get(number) if number else None
    if same:
        others = [n for n in same if n != row.number]
        row.error(_("Số định danh trùng với dòng %(rows)s trong tệp.", rows=_rows_text(others)))


@dataclass
class Chunk:
    """The rows read since the previous chunk, and the households now complete."""

    rows: list[Row]
    groups: list[Group]


def household_chunks(
    sheet: Sheet, index: FileIndex, size: int, progress: Callable[[int], None] | None = None
) -> Iterator[Chunk]:
    """Read and check every row again; hand on complete households, `size` at a time."""
    layout = index.layout
    open_groups: dict[str, Group] = {}  # by their first rows' order
    ready: list[Group] = []
    fresh: list[Row] = []
    count = 0
    for position, raw in enumerate(sheet.rows):
        if position <= layout.header_index or not taken(raw, sheet.kind):
            continue
        row = read_row(position, raw, layout)
        _check_twice(row, index)
        fresh.append(row)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        code = row.values.get("household_code")
        if code:
            open_groups.setdefault(code, Group(code, [])).rows.append(row)
        while open_groups and index.last.get(next(iter(open_groups)), -1) <= position:
            ready.append(open_groups.pop(next(iter(open_groups))))
        while len(ready) >= size:
            yield Chunk(fresh, ready[:size])
            fresh, ready = [], ready[size:]
    ready += open_groups.values()
    while ready or fresh:
        yield Chunk(fresh, ready[:size])
        fresh, ready = [], ready[size:]
