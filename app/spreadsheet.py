"""Every XLSX the app gives out is written here, with XlsxWriter in constant-memory mode.

Constant memory: each row goes to a temporary file as soon as the next one starts, so a report
of 100,000 rows never holds its sheet in memory; rows are therefore written top to bottom.
Text is always written as text (`write_string`), never read as a formula, a number or a link:
a unit named `=HYPERLINK(…)` stays inert, an ID number `046…` keeps its zero. Characters XML
cannot hold are dropped and text is cut at Excel's 32,767 characters.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL = 32767
DATE_FORMAT = "dd/mm/yyyy"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Workbook:
    """An in-memory workbook whose sheets are written row by row."""

    def __init__(self, **properties: str) -> None:
        self._buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(
            self._buffer,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        if properties:
            self.book.set_properties(properties)
        self._styles: dict[tuple, Format] = {}
        self._dated: dict[int, Format] = {}

    def style(self, **props: Any) -> Format:
        """A cell format (bold=True, bg_color="#FFC7CE", num_format=…), made once."""
        key = tuple(sorted(props.items()))
        if key not in self._styles:
            fmt = self.book.add_format(props)
            self._styles[key] = fmt
            dated = {"num_format": DATE_FORMAT, **props}
            self._dated[id(fmt)] = (
                fmt if "num_format" in props else self.style(**dated)  # a date keeps its look
            )
        return self._styles[key]

    def sheet(
        self,
        title: str,
        *,
        widths: dict[int, float] | None = None,
        freeze: tuple[int, int] = (0, 0),
    ) -> Worksheet:
        """Add a sheet: a title Excel accepts, column widths (1-based), frozen rows/columns."""
        count = len(self.book.worksheets()) + 1
        name = _BAD_TITLE.sub(" ", title)[:31].strip() or f"Sheet{count}"
        sheet = self.book.add_worksheet(name)
        for column, width in (widths or {}).items():
            sheet.set_column(column - 1, column - 1, width)
        if freeze != (0, 0):
            sheet.freeze_panes(*freeze)
        return sheet

    def write(
        self, sheet: Worksheet, row: int, values: Iterable[Any], style: Format | None = None, col=0
    ) -> None:
        """Write values into one row (0-based) from column col, each as its own type."""
        for offset, value in enumerate(values):
            self.cell(sheet, row, col + offset, value, style)

    def cell(self, sheet: Worksheet, row: int, col: int, value: Any, style: Format | None) -> None:
        """Write one value: text as text, numbers, booleans, dates with a date format."""
        if type(value) is not str:  # most cells are text: that test comes first
            if value is None:
                if style is not None:
                    sheet.write_blank(row, col, None, style)
                return
            if isinstance(value, bool):
                sheet.write_boolean(row, col, value, style)
                return
            if isinstance(value, int | float) and math.isfinite(value):
                sheet.write_number(row, col, value, style)
                return
            if isinstance(value, date):
                sheet.write_datetime(row, col, value, self._dated[id(style or self.style())])
                return
            value = str(value)  # a time of day, a duration, NaN, a str subclass: as text
        if not value.isprintable():  # cheap; then drop what XML cannot hold
            value = _ILLEGAL.sub("", value)
        if value:
            sheet.write_string(row, col, value[:MAX_CELL], style)
        elif style is not None:
            sheet.write_blank(row, col, None, style)

    def save(self) -> bytes:
        """Finish the package and answer its bytes."""
        self.book.close()
        return self._buffer.getvalue()
