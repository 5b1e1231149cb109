"""Read a sector list: the file (XLSX or CSV, as the household import reads it), its header
row and every data row's cells, kept as written, with the fields the matcher needs.

Headers are matched folded, as the household import matches them (app/imports/columns.py);
the columns a sector list uses are the full name, the date of birth (or year), the sex, the
ID number, the old ID number, the address, the hamlet and the phone. Every other column (a
vaccine, an insurance code) is kept as it is, for the cleaned list.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from app.imports import cells
from app.imports.columns import column_key, fast_fold, normalize_header
from app.imports.files import HEADER_SEARCH_ROWS, FileRefused, Limits, Sheet, read_sheet
from app.imports.xlsx import Uncalculated
from app.people.idnumber import PROVINCE_CODES, clean_id_number

FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "id_number",
    "old_id_number",
    "address",
    "hamlet",
    "phone",
)
REQUIRED = ("full_name",)
# Headers the household list does not know, folded.
EXTRA_HEADERS = {
    "so cmnd": "old_id_number",
    "cmnd": "old_id_number",
    "so cmnd cu": "old_id_number",
    "cmnd cu": "old_id_number",
    "so chung minh nhan dan": "old_id_number",
    "chung minh nhan dan": "old_id_number",
    "so dinh danh cu": "old_id_number",
    "ten": "full_name",
    "ho ten benh nhan": "full_name",
    "ho ten nguoi lao dong": "full_name",
    "ho ten hoc sinh": "full_name",
    "ngay sinh/nam sinh": "date_of_birth",
    "so dinh danh/cccd": "id_number",
    "so cccd/dinh danh": "id_number",
    "so cccd/cmnd": "id_number",
    "so cccd / cmnd": "id_number",
    "so dien thoai lien he": "phone",
    "ap": "hamlet",
}
_DIGITS = re.compile(r"^\d+$")


@dataclass(slots=True)
class ListRow:
    """One data row of the list: its cells and what was read from them."""

    row: int  # 1-based, as a spreadsheet numbers it
    cells: list[Any]
    full_name: str | None = None
    name_folded: str = ""
    birth_date: date | None = None
    birth_year: int | None = None
    sex: str | None = None
    id_number: str | None = None  # 12 digits
    old_id_number: str | None = None  # 9 (or 12) digits written as the old number
    bad_id: str | None = None  # what the ID cell held when it is no number at all
    hamlet: str | None = None
    address: str | None = None


@dataclass
class SectorList:
    """The list as read: its header row, which column holds which field, and its rows."""

    kind: str
    headers: list[str]
    columns: dict[str, int]
    rows: list[ListRow]


def header_key(value: Any) -> str | None:
    """The field a sector list's header names, or None for a column kept as it is."""
    folded = normalize_header(value)
    if not folded:
        return None
    key = EXTRA_HEADERS.get(folded)
    if key is None:
        key = column_key(value)[0]
    return key if key in FIELDS else None


def _layout(sheet: Sheet) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for column, cell in enumerate(row):
            key = header_key(cell)
            if key is not None and key not in found:
                found[key] = column
        if best is None or len(found) > len(best[1]):
            best = (index, found)
    if best is None or len(best[1]) < 2 or "full_name" not in best[1]:
        raise FileRefused(
            _(
                "Không tìm thấy dòng tiêu đề (cần ít nhất cột Họ và tên và Ngày sinh hoặc Số định danh)."  # noqa: E501
            )
        )
    return best


def json_cell(value: Any) -> Any:
    """A cell as JSON can keep it: dates as dd/mm/yyyy text, whole floats as integers."""
    if value is None or isinstance(value, Uncalculated):
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _text(value: Any, limit: int = 300) -> str | None:
    try:
        return cells.cell_text(value, limit=limit)
    except cells.CellError:
        return None


def _number(value: Any) -> str | None:
    """The digits of an ID cell (a number cell too), or None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = _text(value, 40)
    return clean_id_number(text) if text else None


def _ids(row: ListRow, new: str | None, old: str | None) -> None:
    """Place the numbers: 12 digits (Excel's lost leading zero put back) or 9 old digits."""
    for digits, from_old_column in ((new, False), (old, True)):
        if not digits:
            continue
        if not _DIGITS.match(digits) or not digits.isascii():
            row.bad_id = row.bad_id or digits[:40]
            continue
        if len(digits) in (10, 11) and digits.zfill(12)[:3] in PROVINCE_CODES:
            digits = digits.zfill(12)
        if len(digits) == 12 and not from_old_column and row.id_number is None:
            row.id_number = digits
        elif len(digits) in (9, 12) and row.old_id_number is None:
            row.old_id_number = digits
        elif len(digits) == 8:  # a 9-digit number that lost its leading zero
            row.old_id_number = row.old_id_number or digits.zfill(9)
        else:
            row.bad_id = row.bad_id or digits


def _read_row(number: int, raw: tuple, columns: dict[str, int], width: int) -> ListRow:
    padded = list(raw) + [None] * (width - len(raw))
    row = ListRow(number, [json_cell(v) for v in padded])

    def get(key: str) -> Any:
        return padded[columns[key]] if key in columns else None

    row.full_name = _text(get("full_name"), 200)
    row.name_folded = fast_fold(row.full_name) if row.full_name else ""
    with contextlib.suppress(cells.CellError):
        row.birth_date, row.birth_year = cells.parse_birth(get("date_of_birth"))
    with contextlib.suppress(cells.CellError):
        row.sex = cells.parse_sex(get("sex"))
    _ids(row, _number(get("id_number")), _number(get("old_id_number")))
    row.hamlet = _text(get("hamlet"), 200)
    row.address = _text(get("address"), 300)
    return row


def read_list(data: bytes, limits: Limits | None = None) -> SectorList:
    """Read a sector list, or refuse the file with a reason (FileRefused)."""
    sheet = read_sheet(data, limits or Limits())
    header_index, columns = _layout(sheet)
    header_row = sheet.rows[header_index]
    width = max([len(header_row), *(len(r) for r in sheet.rows[header_index + 1 :])])
    headers = [_text(v, 200) or "" for v in header_row] + [""] * (width - len(header_row))
    rows = [
        _read_row(index + 1, raw, columns, width)
        for index, raw in enumerate(sheet.rows)
        if index > header_index and any(v not in (None, "") for v in raw)
    ]
    if not rows:
        raise FileRefused(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    if len(rows) > (limits or Limits()).max_rows:
        raise FileRefused(_("Tệp có quá nhiều dòng; hãy chia thành nhiều tệp."))
    return SectorList(sheet.kind, headers, columns, rows)
