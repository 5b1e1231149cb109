"""What became of every data row of an import, kept in a temporary file instead of memory.

An import tells, for each data row, its result (added, changed, unchanged, error, skipped),
its errors and its notes: the report shows them all, so none may be dropped. Held as objects
they took about 25 MB for 100,000 rows; here each row is written to a temporary file (a
`Spool`, as the sheet's rows are) as soon as what became of it is settled, in the sheet's
order, and read back as `Row`s each time the outcomes are gone over. Only the counts are
kept in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from types import MappingProxyType
from typing import Any, overload

from app.imports.rows import Row
from app.imports.xlsx_stream import Spool

# The values of a row whose household has been planned: let go, the report does not need them.
LET_GO: Any = MappingProxyType({})
TAKEN = ("added", "changed", "unchanged")


class RowOutcomes(Sequence[Row]):
    """Every data row's outcome, in the sheet's order, each read back as a `Row` (its values
    let go): iterate, index or count them as a list of rows."""

    def __init__(self) -> None:
        self._spool = Spool()
        self._count = 0
        self.with_errors = 0  # rows with at least one error
        # A note every row that could be taken gets on reading (a refused file's rows).
        self.not_taken: str | None = None

    def add(self, row: Row) -> None:
        """Keep what became of a row: its place, result, errors and notes."""
        self._spool.add((row.index, row.status, row.errors or None, row.notes or None))
        self._count += 1
        self.with_errors += bool(row.errors)

    def close(self) -> None:
        """Write out the rows still buffered; call once every row has been added."""
        self._spool.flush()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Row]:
        note = self.not_taken
        for index, status, errors, notes in self._spool:
            row = Row(index, index + 1, LET_GO, list(errors or ()), list(notes or ()), status)
            if note and status in TAKEN:
                row.note(note)
            yield row

    @overload
    def __getitem__(self, position: int) -> Row: ...

    @overload
    def __getitem__(self, position: slice) -> list[Row]: ...

    def __getitem__(self, position: int | slice) -> Row | list[Row]:
        if isinstance(position, slice):
            return list(self)[position]
        if position < 0:
            position += self._count
        if not 0 <= position < self._count:
            raise IndexError("row outcome index out of range")
        return next(islice(iter(self), position, None))
