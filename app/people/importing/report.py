"""The import report: the input sheet as it was, with a result, an error and a note column.

Rows that could not be taken are filled red. The person fixes the cells named in the 'Lỗi'
column and imports the same workbook again: the three added columns are ignored on import.
Text is always written as text, so a cell that looked like a formula stays inert.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from app.people.importing import ImportResult

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
NOTE_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
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
    workbook = Workbook(write_only=True)
    out = workbook.create_sheet(_("Báo cáo nhập"))
    width = max((len(r) for r in sheet.rows), default=0)
    for offset, size in ((1, 14), (2, 60), (3, 50)):
        out.column_dimensions[get_column_letter(width + offset)].width = size
    out.freeze_panes = f"A{layout.header_index + 2}"
    by_index = {row.index: row for row in result.rows}
    for index, raw in enumerate(sheet.rows):
        row = by_index.get(index)
        fill = BAD_FILL if row is not None and row.errors else None
        style = {"fill": fill} if fill else {}
        cells = [safe_cell(out, value, **style) for value in raw]
        cells += [safe_cell(out, None, **style) for _ in range(width - len(raw))]
        if index == layout.header_index:
            cells += [
                safe_cell(out, text, font=BOLD) for text in (_("Kết quả"), _("Lỗi"), _("Ghi chú"))
            ]
        elif row is not None:
            note_style = {"fill": fill or NOTE_FILL} if row.notes else style
            cells += [
                safe_cell(out, status_label(row.status, summary.written), **style),
                safe_cell(out, " ".join(row.errors) or None, alignment=WRAP, **style),
                safe_cell(out, " ".join(row.notes) or None, alignment=WRAP, **note_style),
            ]
        out.append(cells)
    totals = workbook.create_sheet(_("Tổng hợp"))
    totals.column_dimensions["A"].width = 110
    for line in summary.lines():
        totals.append([safe_cell(totals, line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
