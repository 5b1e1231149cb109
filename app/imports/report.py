"""The import report: the input sheet as it was, with a result, an error and a note column.

Rows that could not be taken are filled red. The person fixes the cells named in the 'Lỗi'
column and imports the same workbook again: the three added columns are ignored on import.
Text is always written as text, so a cell that looked like a formula stays inert.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.imports import ImportResult
from app.spreadsheet import XLSX_MIME, Workbook

__all__ = ["XLSX_MIME", "status_label", "write_report"]


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


def _styles(workbook: Workbook) -> dict[str, Any]:
    wrap = {"text_wrap": True, "valign": "top"}
    red, yellow = {"bg_color": "#FFC7CE"}, {"bg_color": "#FFF2CC"}
    return {
        "plain": None,
        "bad": workbook.style(**red),
        "bold": workbook.style(bold=True),
        "wrap": workbook.style(**wrap),
        "wrap_bad": workbook.style(**wrap, **red),
        "wrap_note": workbook.style(**wrap, **yellow),
    }


def write_report(result: ImportResult) -> bytes:
    """Build the report workbook of an import, reading the sheet's cells again as they come
    (the import kept only what it found on each row, in the sheet's order) and writing each
    row as it is read."""
    sheet, layout, summary, width = result.sheet, result.layout, result.summary, result.width
    outcomes = iter(result.rows)  # in the sheet's order, as its rows are read again
    ahead = next(outcomes, None)
    workbook = Workbook()
    st = _styles(workbook)
    out = workbook.sheet(
        _("Báo cáo nhập"),
        widths={width + 1: 14, width + 2: 60, width + 3: 50},
        freeze=(layout.header_index + 1, 0),
    )
    for index, raw in enumerate(sheet.rows):
        row = None
        if ahead is not None and ahead.index == index:
            row, ahead = ahead, next(outcomes, None)
        bad = row is not None and bool(row.errors)
        style = st["bad"] if bad else st["plain"]
        workbook.write(out, index, [*raw, *[None] * (width - len(raw))], style)
        if index == layout.header_index:
            workbook.write(out, index, (_("Kết quả"), _("Lỗi"), _("Ghi chú")), st["bold"], width)
        elif row is not None:
            note = st["wrap_bad"] if bad else (st["wrap_note"] if row.notes else st["wrap"])
            workbook.cell(out, index, width, status_label(row.status, summary.written), style)
            errors = " ".join(row.errors) or None
            workbook.cell(out, index, width + 1, errors, st["wrap_bad"] if bad else st["wrap"])
            workbook.cell(out, index, width + 2, " ".join(row.notes) or None, note)
    totals = workbook.sheet(_("Tổng hợp"), widths={1: 110})
    for index, line in enumerate(summary.lines()):
        workbook.cell(totals, index, 0, line, None)
    return workbook.save()
