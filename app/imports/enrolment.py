"""Bulk enrolment: users from a spreadsheet (XLSX or CSV), checked row by row, then created.

Columns (any order, headers matched without diacritics as in the household list, a note in
brackets ignored): Tên đăng nhập, Họ và tên, Vai trò, Mã đơn vị, Mã thôn (codes separated by
commas), Số điện thoại; English headers (username, full name, role, unit code, hamlet codes,
phone) work too. A role is its value (officer) or its Vietnamese name (Cán bộ).

Every row is checked by the same rules as the users API (`app.auth.user_enrol`), and against
the rows above it (a username twice). Creating takes the rows that were good, each in its own
savepoint, so one row refused at the last moment leaves the others. The result workbook lists
each created user's one-time password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.auth import user_enrol
from app.auth.models import ROLES, User
from app.errors import ServiceError
from app.extensions import db
from app.imports.columns import normalize_header
from app.imports.files import HEADER_SEARCH_ROWS, FileRefused, Limits, read_sheet
from app.labels import label
from app.spreadsheet import Workbook
from app.text import fold

MAX_ROWS = 1000  # people, not households: a province enrols a few hundred at most
FIELDS = ("username", "full_name", "role", "unit_code", "hamlet_codes", "phone")
REQUIRED = ("username", "full_name", "role", "unit_code")
HEADERS = {
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "role": "Vai trò",
    "unit_code": "Mã đơn vị",
    "hamlet_codes": "Mã thôn",
    "phone": "Số điện thoại",
}
ALIASES = {
    "username": ("username", "user", "tai khoan", "ten tai khoan", "login"),
    "full_name": ("full name", "name", "ho ten", "ho va ten can bo", "ten"),
    "role": ("role", "vai tro", "chuc vu", "chuc danh"),
    "unit_code": ("unit code", "unit", "ma don vi", "don vi", "ma xa", "ma xa phuong"),
    "hamlet_codes": ("hamlet codes", "hamlets", "hamlet", "thon", "ma thon phu trach", "cac thon"),
    "phone": ("phone", "dien thoai", "sdt", "so dt"),
}
BY_HEADER = {fold(h): key for key, h in HEADERS.items()} | {
    alias: key for key, aliases in ALIASES.items() for alias in aliases
}
ROLE_WORDS = {
    **{role: role for role in ROLES},
    "village head": "village_head",
    "can bo": "officer",
    "can bo xa": "officer",
    "truong thon": "village_head",
    "truong ban": "village_head",
    "chi huy": "commander",
    "quan tri": "admin",
    "quan tri vien": "admin",
}


@dataclass
class EnrolRow:
    """One row of the sheet: its number in the file, its values, and what became of it."""

    number: int
    values: dict[str, str]
    error: str | None = None
    created: bool = False
    password: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number: 20179.0
    return " ".join(str(value).split())


def find_header(rows: list[tuple]) -> tuple[int, dict[int, str]]:
    """The header row's index and its columns' fields, or refuse the file."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = {}
        for col, cell in enumerate(row):
            key = BY_HEADER.get(normalize_header(cell))
            if key and key not in columns.values():
                columns[col] = key
        if all(key in columns.values() for key in REQUIRED):
            return index, columns
    raise FileRefused(
        _(
            "Không tìm thấy dòng tiêu đề. Cần các cột: %(cols)s "
            "(và nếu có: Mã thôn, Số điện thoại).",
            cols=", ".join(HEADERS[k] for k in REQUIRED),
        )
    )


def read_rows(data: bytes, limits: Limits) -> list[EnrolRow]:
    """Read the sheet's rows below the header, with their numbers in the file (1-based)."""
    sheet = read_sheet(data, limits)
    start, columns = find_header(sheet.rows)
    out: list[EnrolRow] = []
    for index, row in enumerate(sheet.rows[start + 1 :], start=start + 2):
        values = {key: _text(row[col]) if col < len(row) else "" for col, key in columns.items()}
        if not any(values.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise FileRefused(
                _("Tệp có hơn %(n)d người dùng; hãy chia thành nhiều tệp.", n=MAX_ROWS)
            )
        out.append(EnrolRow(index, {k: values.get(k, "") for k in FIELDS}))
    if not out:
        raise FileRefused(_("Tệp không có dòng người dùng nào dưới dòng tiêu đề."))
    return out


def account_data(values: dict[str, str]) -> dict[str, Any]:
    """A row's values as the users API takes them (a role by its Vietnamese name too)."""
    role_text = fold(values.get("role") or "").replace("_", " ")
    role = ROLE_WORDS.get(role_text) or ROLE_WORDS.get(role_text.replace(" ", "_"), role_text)
    return {
        "username": values.get("username") or "",
        "full_name": values.get("full_name") or "",
        "role": role,
        "unit_code": values.get("unit_code") or "",
        "hamlet_codes": user_enrol.split_codes(values.get("hamlet_codes")),
        "phone": values.get("phone") or None,
    }


def check_rows(actor: User, rows: list[EnrolRow]) -> list[EnrolRow]:
    """Check every row by the users API's rules and against the rows above it; write nothing."""
    seen: dict[str, int] = {}
    for row in rows:
        data = account_data(row.values)
        key = data["username"].lower()
        if key and key in seen:
            row.error = _("Tên đăng nhập trùng với dòng %(n)d.", n=seen[key])
            continue
        seen.setdefault(key, row.number)
        try:
            user_enrol.check_new(actor, data)
        except ServiceError as exc:
            row.error = str(exc.message)
    return rows


def create_rows(actor: User, rows: list[EnrolRow]) -> list[EnrolRow]:
    """Create the users of the good rows, each in a savepoint; the caller commits."""
    for row in check_rows(actor, rows):
        if not row.ok:
            continue
        try:
            with db.session.begin_nested():
                created = user_enrol.create_account(actor, account_data(row.values))
        except ServiceError as exc:
            row.error = str(exc.message)
            continue
        row.created, row.password = True, created.one_time_password
    return rows


def result_workbook(rows: list[EnrolRow]) -> bytes:
    """The rows with their result and, for each created user, the one-time password."""
    book = Workbook(title="Gõ Cửa — tài khoản")
    sheet = book.sheet(
        _("Người dùng"), widths={1: 8, 2: 20, 3: 28, 4: 14, 5: 12, 6: 24, 7: 40, 8: 22}
    )
    head = book.style(bold=True, bg_color="#DDEBF7")
    titles = [
        _("Dòng"),
        _("Tên đăng nhập"),
        _("Họ và tên"),
        _("Vai trò"),
        _("Mã đơn vị"),
        _("Mã thôn"),
        _("Kết quả"),
        _("Mật khẩu dùng một lần"),
    ]
    book.write(sheet, 0, titles, head)
    for line, row in enumerate(rows, start=1):
        data = account_data(row.values)
        role = label("role", data["role"]) if data["role"] in ROLES else row.values["role"]
        result = _("Đã tạo") if row.created else (row.error or _("Chưa tạo"))
        values = row.values
        cells = [row.number, values["username"], values["full_name"], role, values["unit_code"]]
        book.write(sheet, line, [*cells, values["hamlet_codes"], result, row.password or ""])
    return book.save()
