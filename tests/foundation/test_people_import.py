"""Bulk enrolment from a spreadsheet: a row-by-row preview, creating the good rows, the result
workbook with the one-time passwords (downloaded once, audited as an export)."""

from __future__ import annotations

import io
import re

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from app.auth.models import AuditEntry, User
from app.extensions import db
from app.spreadsheet import Workbook
from tests.foundation.test_people_pages import post, sign_in, text, token_of

HEADER = ["Tên đăng nhập", "Họ và tên", "Vai trò", "Mã đơn vị", "Mã thôn (cách nhau dấu phẩy)"]
ROWS = [
    ["canbo.lan", "Lê Thị Lan", "Cán bộ", "20179", "20179-001, 20179-002"],
    ["truongthon3", "Hồ Văn Ba", "Trưởng thôn", "20179-003", ""],
    ["canbo", "Trùng Tên", "officer", "20179", ""],  # taken
    ["quantri2", "Quản Trị", "Quản trị viên", "20179", ""],  # a commander cannot
    ["xa.khac", "Xã Khác", "Cán bộ", "19777", ""],  # outside
    ["canbo.lan", "Lặp Lại", "Cán bộ", "20179", ""],  # twice in the file
    ["", "", "", "", ""],
    ["thon.sai", "Thôn Sai", "Cán bộ", "20179", "19777-001"],
    ["vai.tro", "Vai Trò", "Thủ quỹ", "20179", ""],
]


@pytest.fixture
def client(make_app, app, tmp_path):
    return make_app(WTF_CSRF_ENABLED=True, USER_IMPORT_DIR=str(tmp_path)).test_client()


@pytest.fixture
def team(world, make_user) -> dict[str, int]:
    chief = make_user("commander", "20179", username="chihuy")
    officer = make_user("officer", "20179", username="canbo")
    other = make_user("commander", "20179", username="chihuy2")
    out = {"chief": chief.id, "officer": officer.id, "other": other.id}
    db.session.rollback()
    return out


def xlsx(rows: list[list[str]], title_rows: int = 1) -> bytes:
    book = Workbook()
    sheet = book.sheet("Cán bộ")
    for line in range(title_rows):
        book.write(sheet, line, ["Danh sách cán bộ xã Nam Đông"] if line == 0 else [])
    for offset, row in enumerate([HEADER, *rows]):
        book.write(sheet, title_rows + offset, row)
    return book.save()


def csv_bytes(rows: list[list[str]]) -> bytes:
    lines = [",".join(f'"{c}"' for c in row) for row in [HEADER, *rows]]
    return ("\ufeff" + "\n".join(lines)).encode()


def upload(client, data: bytes, name: str = "can-bo.xlsx"):
    token = token_of(client.get("/admin/users/import").get_data(as_text=True))
    return client.post(
        "/admin/users/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def row_results(html: str) -> dict[int, str]:
    cells = re.findall(r'data-row="(\d+)">(.*?)</tr>', html, re.S)
    last = {int(n): re.findall(r"<td>(.*?)</td>", body, re.S)[-1] for n, body in cells}
    return {n: re.sub(r"<[^>]+>", "", cell).strip() for n, cell in last.items()}


def test_preview_then_create_then_download_once(client, team):
    sign_in(client, "chihuy")
    preview = upload(client, xlsx(ROWS))
    assert preview.status_code == 200, text(preview)[:500]
    html = text(preview)
    results = row_results(html)
    # Row numbers as in the file: a title row, the header, then the people from row 3.
    assert results[3].endswith("Đúng") and results[4].endswith("Đúng")
    assert "đã có người dùng" in results[5]
    assert "quản trị" in results[6]
    assert "ngoài đơn vị" in results[7] or "đơn vị của mình" in results[7]
    assert "trùng với dòng 3" in results[8]
    assert 9 not in results  # the empty row is skipped
    assert "không thuộc" in results[10]
    assert "Vai trò không hợp lệ" in results[11]
    assert "2/8" in html
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "canbo.lan")) is None
    confirm = re.search(r'action="(/admin/users/import/[^"]+)"', html).group(1)
    done = post(client, confirm)
    assert done.status_code == 200
    assert "Đã tạo 2 người dùng" in text(done)
    db.session.rollback()
    lan = db.session.scalar(select(User).where(User.username == "canbo.lan"))
    assert lan.must_change_password and lan.role == "officer"
    head = db.session.scalar(select(User).where(User.username == "truongthon3"))
    assert head.role == "village_head" and head.unit.code == "20179-003"
    db.session.rollback()
    again = post(client, confirm)  # the preview is used up
    assert again.status_code == 404
    link = re.search(r'id="result-link" href="([^"]+)"', text(done)).group(1)
    intruder = client.application.test_client()
    sign_in(intruder, "chihuy2")
    assert intruder.get(link).status_code == 404  # not theirs
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(download.data)).get_sheet_by_index(0)
    table = sheet.to_python()
    created = {r[1]: r[7] for r in table[1:] if r[6] == "Đã tạo"}
    assert set(created) == {"canbo.lan", "truongthon3"}
    password = created["canbo.lan"]
    other = client.application.test_client()
    sign_in(other, "canbo.lan", password)
    assert client.get(link).status_code == 404  # downloaded once
    db.session.rollback()
    exports = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.object_type == "users")
    ).all()
    assert len(exports) == 1 and exports[0].user_id == team["chief"]
    assert password not in str(exports[0].changes)


def test_csv_and_english_headers(client, team):
    sign_in(client, "chihuy")
    rows = [["cb.mot", "Cán Bộ Một", "officer", "20179", "20179-001;20179-002"]]
    answer = upload(client, csv_bytes(rows), "users.csv")
    assert answer.status_code == 200 and "1/1" in text(answer)
    english = (
        b"username,full name,role,unit code,hamlet codes\ncb.hai,Hai,village_head,20179-002,\n"
    )
    assert "1/1" in text(upload(client, english, "users.csv"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Tệp rỗng"),
        (b"name,phone\nA,1\n", "Không tìm thấy dòng tiêu đề"),
        ("Tên đăng nhập,Họ và tên,Vai trò,Mã đơn vị\n".encode(), "không có dòng người dùng"),
        (b"PK\x03\x04broken", "xlsx"),
    ],
)
def test_bad_files_are_refused_clearly(client, team, data, message):
    sign_in(client, "chihuy")
    answer = upload(client, data)
    assert answer.status_code == 422
    assert message.lower() in text(answer).lower()


def test_size_limit(make_app, app, team, tmp_path):
    small = make_app(WTF_CSRF_ENABLED=True, IMPORT_MAX_BYTES=2000, USER_IMPORT_DIR=str(tmp_path))
    client = small.test_client()
    sign_in(client, "chihuy")
    answer = upload(client, csv_bytes([["u" * 50, "x" * 50, "officer", "20179", ""]] * 100))
    assert answer.status_code == 422 and "quá lớn" in text(answer)


def test_officer_refused(client, team):
    sign_in(client, "canbo")
    assert client.get("/admin/users/import").status_code == 403


def test_cli_import(app, team, tmp_path):
    source = tmp_path / "can-bo.csv"
    source.write_bytes(
        csv_bytes([*ROWS[:2], ROWS[2], ["xa.khac", "Xã Khác", "Cán bộ", "19777", ""]])
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "import", str(source), "--unit", "20179"])
    assert result.exit_code == 0, result.output
    assert "canbo.lan\ttạo" in result.output and "đã có người dùng" in result.output
    assert "đơn vị của mình" in result.output
    workbook = tmp_path / "can-bo-ket-qua.xlsx"
    table = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_index(0).to_python()
    assert sum(1 for r in table[1:] if r[6] == "Đã tạo" and len(r[7]) == 12) == 2
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "truongthon3")) is not None
    db.session.rollback()
