"""The two downloads: the cleaned list (the sector's own rows, same order, correct ID numbers
and a status column; audited as an export, it reveals full numbers) and the report (counts in
total and per hamlet, and every row with its class; numbers masked)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.audit import record
from app.extensions import db
from app.labels import label
from app.people.models import Resident
from app.reconcile.models import Reconciliation, ReconciliationRow
from app.reconcile.service import COUNT_KEYS, counts_by_hamlet
from app.reconcile.shown import shown_rows
from app.spreadsheet import Workbook
from app.units.models import Unit

HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#0B5394"}
BATCH = 5000
# Classes whose resident is the person without a decision: the cleaned list gives the number.
SURE = ("matched", "wrong_id_number", "no_id_number", "wrong_details")


def _rows(reconciliation: Reconciliation):
    """The rows in the file's order, read in batches."""
    last = 0
    while True:
        batch = list(
            db.session.scalars(
                select(ReconciliationRow)
                .where(
                    ReconciliationRow.reconciliation_id == reconciliation.id,
                    ReconciliationRow.row > last,
                )
                .order_by(ReconciliationRow.row)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        yield batch
        last = batch[-1].row


def _numbers(rows: list[ReconciliationRow]) -> dict[int, str | None]:
    ids = {row.resident_id for row in rows if row.resident_id}
    if not ids:
        return {}
    query = select(Resident.id, Resident.id_number).where(Resident.id.in_(ids))
    return dict(db.session.execute(query).all())


def status_of(row: ReconciliationRow) -> str:
    """The status column: the class, what differs, and the decision."""
    text = label("reconciliation_class", row.row_class)
    if row.differs:
        text += ": " + ", ".join(label("reconciliation_differs", d) for d in row.differs)
    if row.decision:
        text += " (" + label("reconciliation_decision", row.decision) + ")"
    return text


def correct_number(row: ReconciliationRow, numbers: dict[int, str | None]) -> str | None:
    """The resident's number when the row is settled (sure by itself, or confirmed)."""
    if row.resident_id is None or (row.row_class not in SURE and row.decision != "confirmed"):
        return None
    return numbers.get(row.resident_id)


def cleaned_workbook(reconciliation: Reconciliation) -> tuple[str, bytes]:
    """The sector's list back, one row per input row in its order; audited as an export."""
    headers = list(reconciliation.headers or [])
    id_column = (reconciliation.columns or {}).get("id_number")
    status_header = _("Tình trạng đối chiếu")
    if id_column is None:
        headers.append(_("Số định danh"))
        id_column = len(headers) - 1
    headers.append(status_header)
    wb = Workbook(title=_("Danh sách đã làm sạch"))
    sheet = wb.sheet(_("Danh sách"), freeze=(1, 0))
    wb.write(sheet, 0, headers, wb.style(**HEADER))
    written = 0
    for batch in _rows(reconciliation):
        numbers = _numbers(batch)
        for row in batch:
            cells: list[Any] = list(row.cells) + [None] * (len(headers) - 1 - len(row.cells))
            number = correct_number(row, numbers)
            if number:
                cells[id_column] = number
            cells = [*cells[: len(headers) - 1], status_of(row)]
            written += 1
            wb.write(sheet, written, cells)
    content = wb.save()
    record(
        db.session,
        "export",
        "reconciliations",
        reconciliation.id,
        {"format": "xlsx", "file": "cleaned", "rows": written},
    )
    return f"danh-sach-lam-sach-{reconciliation.id}.xlsx", content


def _counts_sheet(wb: Workbook, reconciliation: Reconciliation) -> None:
    sheet = wb.sheet(_("Tổng hợp"), widths={1: 28}, freeze=(1, 1))
    heads = [_("Thôn"), *(label("reconciliation_count", key) for key in COUNT_KEYS)]
    wb.write(sheet, 0, heads, wb.style(**HEADER))
    lines = [(_("Toàn xã"), reconciliation.counts or {})]
    lines += [(item["name"], item["counts"]) for item in counts_by_hamlet(reconciliation)]
    for number, (name, counts) in enumerate(lines, start=1):
        wb.write(sheet, number, [name, *(counts.get(key, 0) for key in COUNT_KEYS)])


def report_workbook(reconciliation: Reconciliation) -> tuple[str, bytes]:
    """Counts in total and per hamlet, then every row with its class (numbers masked)."""
    wb = Workbook(title=_("Báo cáo đối chiếu"))
    _counts_sheet(wb, reconciliation)
    sheet = wb.sheet(_("Các dòng"), widths={2: 24, 3: 26, 8: 26}, freeze=(1, 0))
    heads = [
        _("Dòng"),
        _("Kết quả"),
        _("Họ và tên"),
        _("Ngày sinh"),
        _("Số định danh"),
        _("Thôn"),
        _("Điểm"),
        _("Công dân khớp"),
    ]
    wb.write(sheet, 0, heads, wb.style(**HEADER))
    written = 0
    for batch in _rows(reconciliation):
        for row, shown in zip(batch, shown_rows(batch), strict=True):
            written += 1
            person = shown["resident"] or (shown["candidates"] or [{}])[0]
            wb.write(
                sheet,
                written,
                [
                    row.row,
                    status_of(row),
                    shown["full_name"],
                    shown["birth"],
                    shown["id_number"],
                    shown["hamlet"],
                    shown["score"],
                    person.get("full_name"),
                ],
            )
    unit = db.session.get(Unit, reconciliation.unit_id)
    return f"bao-cao-doi-chieu-{unit.code if unit else ''}-{reconciliation.id}.xlsx", wb.save()
