"""Find the header row of a household list and read every row below it, cell by cell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from xlsxwriter.utility import xl_col_to_name

from app.imports import cells
from app.imports import columns as col
from app.imports.files import HEADER_SEARCH_ROWS, FileRefused, Sheet
from app.imports.xlsx import Uncalculated
from app.people.rules import birthplace_code_of


@dataclass
class Layout:
    """Where the header is and which column holds which field."""

    header_index: int
    columns: dict[str, int]
    headers: dict[str, str]  # field key -> the header as written in the file
    hamlet_kind: str | None
    ignored: list[str]


@dataclass(slots=True)
class Row:
    """One data row: what it says, what is wrong with it and what became of it."""

    index: int  # position in Sheet.rows
    number: int  # row number as a spreadsheet shows it
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = ""  # added, changed, unchanged, error, skipped

    def error(self, message: str) -> None:
        """Add an error, once."""
        if message not in self.errors:
            self.errors.append(message)

    def note(self, message: str) -> None:
        """Add a note, once."""
        if message not in self.notes:
            self.notes.append(message)


def _header_candidates(row: tuple) -> tuple[dict[str, int], dict[str, str], str | None, list]:
    found: dict[str, int] = {}
    written: dict[str, str] = {}
    kind = None
    ignored = []
    duplicates = []
    for index, cell in enumerate(row):
        key, hamlet_kind = col.column_key(cell)
        if key is None:
            if cell not in (None, ""):
                ignored.append(str(cell))
            continue
        if key in found:
            duplicates.append((key, found[key], index))
            continue
        found[key] = index
        written[key] = " ".join(str(cell).split())
        if key == "hamlet":
            kind = hamlet_kind
    return found, written, kind, [ignored, duplicates]


def find_layout(sheet: Sheet) -> Layout:
    """Find the header row (within the first rows) and map its columns, or refuse the file."""
    best: tuple[int, dict, dict, str | None, list] | None = None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        found, written, kind, extra = _header_candidates(row)
        if best is None or len(found) > len(best[1]):
            best = (index, found, written, kind, extra)
    if best is None or len(best[1]) < 2:
        raise FileRefused(
            _(
                "Không tìm thấy dòng tiêu đề (cần các cột: %(required)s).",
                required=", ".join(col.HEADERS[k] for k in col.REQUIRED),
            )
        )
    index, found, written, kind, (ignored, duplicates) = best
    if duplicates:
        key, first, second = duplicates[0]
        raise FileRefused(
            _(
                "Cột '%(header)s' có hai lần (cột %(a)s và %(b)s); hãy giữ một.",
                header=col.HEADERS[key],
                a=xl_col_to_name(first),
                b=xl_col_to_name(second),
            )
        )
    missing = [col.HEADERS[k] for k in col.REQUIRED if k not in found]
    if missing:
        raise FileRefused(
            _(
                "Thiếu cột bắt buộc: %(missing)s (dòng tiêu đề là dòng %(row)s).",
                missing=", ".join(missing),
                row=index + 1,
            )
        )
    return Layout(index, found, written, kind, ignored)


@lru_cache(maxsize=4096)
def _birthplace_code(birthplace: str) -> str | None:
    return birthplace_code_of(birthplace)


def _text(value: Any, limit: int) -> str | None:
    return cells.cell_text(value, limit=limit)


# Field key -> reader of one cell; a reader answers the value, or (value, note) for `_noted`.
_READERS: dict[str, Callable[[Any], Any]] = {
    "household_code": lambda v: _text(v, 40),
    "head_name": lambda v: _text(v, 200),
    "full_name": lambda v: _text(v, 200),
    "sex": cells.parse_sex,
    "ethnicity": lambda v: _text(v, 64),
    "birthplace": lambda v: _text(v, 200),
    "address": lambda v: _text(v, 300),
    "hamlet": lambda v: _text(v, 200),
    "lat": lambda v: cells.parse_coordinate(v, *cells.LAT_RANGE),
    "lon": lambda v: cells.parse_coordinate(v, *cells.LON_RANGE),
    "presence": lambda v: cells.parse_status("presence", v),
    "id_card": lambda v: cells.parse_status("id_card", v),
    "eid": lambda v: cells.parse_status("eid", v),
    "kind": lambda v: cells.parse_status("household_kind", v),
    "site_name": lambda v: _text(v, 200),
    "residence": lambda v: cells.parse_status("residence", v),
    "home_address": lambda v: _text(v, 300),
    "residence_until": cells.parse_day,
    "room": lambda v: _text(v, 32),
    "unable_to_travel": cells.parse_yes_no,
    "card_issued_on": cells.parse_issue_day,
}
_NOTED: dict[str, Callable[[Any], tuple[Any, str | None]]] = {
    "relationship": cells.parse_relationship,
    "id_number": cells.parse_id_number,
    "phone": cells.parse_phone,
}


def _required_message(key: str) -> str:
    if key == "household_code":
        return _("Thiếu số hộ.")
    if key == "full_name":
        return _("Thiếu họ và tên.")
    return _("Thiếu thôn.")


def read_row(index: int, raw: tuple, layout: Layout) -> Row:
    """Read one data row into typed values, collecting an error per bad cell."""
    row = Row(index=index, number=index + 1, values={})
    for position, cell in enumerate(raw):
        try:
            cells.check_cell(cell)
        except cells.CellError as exc:
            row.error(_("Cột %(col)s: %(message)s", col=xl_col_to_name(position), message=exc))
    values = row.values
    for key, position in layout.columns.items():
        cell = raw[position] if position < len(raw) else None
        try:
            if key == "date_of_birth":
                values["birth_date"], values["birth_year"] = cells.parse_birth(cell)
            elif key in _NOTED:
                values[key], note = _NOTED[key](cell)
                if note:
                    row.note(note)
            else:
                values[key] = _READERS[key](cell)
        except cells.CellError as exc:
            row.error(f"{layout.headers[key]}: {exc}")
    for key in col.REQUIRED:
        if not values.get(key) and not any(e.startswith(layout.headers[key]) for e in row.errors):
            row.error(_required_message(key))
    if values.get("full_name"):
        values["full_name"] = col.person_name(values["full_name"])
        values["name_folded"] = col.fast_fold(values["full_name"])
    if values.get("birthplace"):
        values["birthplace_code"] = _birthplace_code(values["birthplace"])
    if (values.get("lat") is None) != (values.get("lon") is None):
        row.error(_("Cần cả vĩ độ và kinh độ, hoặc bỏ trống cả hai."))
    return row


def taken(raw: tuple, kind: str) -> bool:
    """A row with something in it; in an XLSX, also one whose only filled cells are formulas
    Excel never calculated: they read as empty, but their values are unknown, not absent, so
    the row is refused rather than skipped."""
    if any(cell not in (None, "") and str(cell).strip() for cell in raw):
        return True
    return kind == "xlsx" and any(isinstance(cell, Uncalculated) for cell in raw)


def read_field(raw: tuple, layout: Layout, key: str) -> Any:
    """One field of a row as `read_row` reads it (household code, ID number...); None when
    the column is absent or the cell is bad."""
    position = layout.columns.get(key)
    if position is None or position >= len(raw):
        return None
    try:
        if key in _NOTED:
            return _NOTED[key](raw[position])[0]
        return _READERS[key](raw[position])
    except cells.CellError:
        return None
