"""The import report: the input sheet as it was, with a result, an error and a note column.

Rows that could not be taken are filled red. The person fixes the cells named in the 'Lỗi'
column and imports the same workbook again: the three added columns are ignored on import.
Text is always written as text, so a cell that looked like a formula stays inert.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.imports import ImportResult
from app.imports import xlsx_writer as xw

MAX_CELL = 32767
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def status_label(status: str, written: bool) -> str:
    """Say what became of a row."""
    if status == "error":
        return _("Lỗi")
    if status == "skipped":
        return _("Không nhập")
    if status == "unchanged":
        return _("Không đổi")
    if status == "added":
        return _("Đã thêm") if written else _("Sẽ thêm")
    if status == "changed":
        return _("Đã cập nhật") if written else _("Sẽ cập nhật")
    return ""


def safe_cell(sheet: Any, value: Any, **style: Any) -> Any:
    """A write-only cell holding value; text stays text, never a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL]
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    for key, setting in style.items():
        setattr(cell, key, setting)
    return cell


def write_report(result: ImportResult) -> bytes:
    """Build the report workbook of an import."""
    sheet, layout, summary = result.sheet, result.layout, result.summary
    width = max((len(r) for r in sheet.rows), default=0)
    by_index = {row.index: row for row in result.rows}

    def rows():
        for index, raw in enumerate(sheet.rows):
            row = by_index.get(index)
            style = xw.BAD if row is not None and row.errors else xw.PLAIN
            cells = [(value, style) for value in raw]
            cells += [(None, style)] * (width - len(raw))
            if index == layout.header_index:
                cells += [(text, xw.BOLD) for text in (_("Kết quả"), _("Lỗi"), _("Ghi chú"))]
            elif row is not None:
                bad = style == xw.BAD
                note = xw.WRAP_BAD if bad else (xw.WRAP_NOTE if row.notes else xw.WRAP)
                cells += [
                    (status_label(row.status, summary.written), style),
                    (" ".join(row.errors) or None, xw.WRAP_BAD if bad else xw.WRAP),
                    (" ".join(row.notes) or None, note),
                ]
            yield cells

    workbook = xw.Workbook()
    workbook.add_sheet(
        _("Báo cáo nhập"),
        rows(),
        widths={width + 1: 14, width + 2: 60, width + 3: 50},
        freeze_rows=layout.header_index + 1,
    )
    workbook.add_sheet(
        _("Tổng hợp"), ([(line, xw.PLAIN)] for line in summary.lines()), widths={1: 110}
    )
    return workbook.save()
