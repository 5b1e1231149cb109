"""The admin upload page: roles, scope, summary, report download, bad files, CSRF."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.people.models import Household
from tests.imports.conftest import counts, fixture_bytes, read_xlsx
from tests.imports.fixtures.make_fixtures import HOUSEHOLD_COUNT, RESIDENT_COUNT

EMPTY = {"households": 0, "residents": 0, "status_changes": 0, "corrections": 0}


@pytest.fixture(autouse=True)
def report_dir(app, tmp_path):
    """Keep the reports of these tests in a temporary folder."""
    app.config["IMPORT_REPORT_DIR"] = str(tmp_path / "reports")
    return tmp_path / "reports"


def upload(client, data: bytes, name: str = "ds.xlsx", commune: str = "20179", **flags):
    form = {"commune": commune, "file": (io.BytesIO(data), name)}
    form.update({key: "1" for key, on in flags.items() if on})
    return client.post("/admin/imports", data=form, content_type="multipart/form-data")


def test_form_for_admin_and_commander_only(login, world):
    client = login("admin", "46")
    html = client.get("/admin/imports").get_data(as_text=True)
    assert (
        'name="file"' in html and "Xã Nam Đông (20179)" in html and "Phường Vỹ Dạ (19777)" in html
    )
    assert "Phường Ba Đình" not in html  # another province


@pytest.mark.parametrize("role", ["officer", "village_head"])
def test_others_are_refused(login, role):
    client = login(role, "20179-001" if role == "village_head" else "20179")
    assert client.get("/admin/imports").status_code == 403
    assert upload(client, fixture_bytes("nam_dong.xlsx")).status_code == 403
    assert counts() == EMPTY


def test_upload_imports_and_offers_the_report(login, report_dir):
    client = login("commander", "20179")
    response = upload(client, fixture_bytes("nam_dong.xlsx"), "nam_dong.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Đã nhập xong." in html
    row = re.search(r'<tr id="count-households">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == [str(HOUSEHOLD_COUNT), "0", "0", "0"]
    assert counts()["residents"] == RESIDENT_COUNT
    creators = set(db.session.scalars(select(Household.created_by_id)))
    assert creators == {client.user.id}
    link = re.search(r'id="report-link" href="([^"]+)"', html).group(1)
    report = client.get(link)
    assert report.status_code == 200 and report.mimetype.endswith("spreadsheetml.sheet")
    header = read_xlsx(report.data)[3]
    assert header[-3:] == ("Kết quả", "Lỗi", "Ghi chú")
    # The second upload changes nothing.
    again = upload(client, fixture_bytes("nam_dong.xlsx")).get_data(as_text=True)
    row = re.search(r'<tr id="count-households">(.*?)</tr>', again, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "0", str(HOUSEHOLD_COUNT), "0"]


def test_report_belongs_to_its_uploader(login, client, make_user):
    owner = login("admin", "46")
    html = upload(owner, fixture_bytes("loi.xlsx")).get_data(as_text=True)
    link = re.search(r'id="report-link" href="([^"]+)"', html).group(1)
    client.post("/logout")
    other = make_user("admin", "46")
    client.post("/login", data={"username": other.username, "password": "secret-pass"})
    assert client.get(link).status_code == 404
    assert client.get("/admin/imports/not-a-token/report.xlsx").status_code == 404


def test_errors_shown_and_nothing_written(login):
    client = login("admin", "46")
    response = upload(client, fixture_bytes("loi.xlsx"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Không nhập gì vì có" in html and 'id="errors"' in html
    assert "Thiếu họ và tên." in html and "Hộ L-09 không có chủ hộ" in html
    assert counts() == EMPTY


def test_partial_and_dry_run_flags(login):
    client = login("admin", "46")
    dry = upload(client, fixture_bytes("nam_dong.xlsx"), dry_run=True)
    assert dry.status_code == 200 and "Chạy thử" in dry.get_data(as_text=True)
    assert counts() == EMPTY
    partial = upload(client, fixture_bytes("loi.xlsx"), partial=True, create_hamlets=True)
    assert partial.status_code == 200
    assert counts()["households"] == 4  # ND-0001, L-05 (new hamlet), L-08, L-19


@pytest.mark.parametrize(
    ("data", "name", "text"),
    [
        (b"", "rong.xlsx", "Tệp rỗng."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "anh.png", "không phải bảng tính"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "cu.xls", "Excel cũ (.xls)"),
        (b"Ten;Tuoi\nA;1\n", "x.csv", "Không tìm thấy dòng tiêu đề"),
    ],
)
def test_bad_files_refused_on_the_page(login, data, name, text):
    client = login("admin", "46")
    response = upload(client, data, name)
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
    assert counts() == EMPTY


def test_zip_bomb_and_columns_refused_on_the_page(login, app):
    app.config["IMPORT_MAX_UNCOMPRESSED"] = 50_000
    client = login("admin", "46")
    big = "\n".join(["Số hộ,Họ và tên,Thôn"] + ["A-1,Hồ Văn A,Thôn 1"] * 10)
    from openpyxl import Workbook

    workbook = Workbook()
    for line in big.splitlines():
        workbook.active.append(line.split(",") + ["x" * 2000] * 10)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 422 and "bom zip" in response.get_data(as_text=True)
    wide = ",".join(["Số hộ", "Họ và tên", "Thôn"] + [f"c{i}" for i in range(1000)])
    response = upload(client, wide.encode() + b"\nA,B,C\n", "wide.csv")
    assert response.status_code == 422 and "quá nhiều cột" in response.get_data(as_text=True)
    assert counts() == EMPTY


def test_too_large_upload_is_refused_without_a_500(login, app):
    app.config["IMPORT_MAX_BYTES"] = 100_000
    client = login("admin", "46")
    response = upload(client, b"x" * 300_000, "lon.csv")
    assert response.status_code == 413
    assert "Tệp quá lớn (tối đa 0,1 MB)" in response.get_data(as_text=True)
    assert counts() == EMPTY


def test_commune_outside_scope_or_missing_file(login):
    client = login("commander", "20179")
    response = upload(client, fixture_bytes("nam_dong.xlsx"), commune="19777")
    assert response.status_code == 422 and "trong phạm vi của bạn" in response.get_data(
        as_text=True
    )
    response = client.post("/admin/imports", data={"commune": "20179"})
    assert response.status_code == 422 and "Hãy chọn tệp" in response.get_data(as_text=True)
    assert counts() == EMPTY


def test_csrf_token_required(make_app, world, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("admin", "46", username="quantri")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"username": "quantri", "password": "secret-pass", "csrf_token": token}
    )
    response = upload(client, fixture_bytes("nam_dong.xlsx"))
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    form_page = client.get("/admin/imports").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page).group(1)
    data = {"commune": "20179", "csrf_token": token, "dry_run": "1"}
    data["file"] = (io.BytesIO(fixture_bytes("nam_dong.xlsx")), "nam_dong.xlsx")
    response = client.post("/admin/imports", data=data, content_type="multipart/form-data")
    assert response.status_code == 200 and "Chạy thử" in response.get_data(as_text=True)


def test_household_added_meanwhile_is_a_409_and_nothing_is_written(login, monkeypatch, importer):
    """Another import wrote ND-0001 between the checks and the writes of this one."""
    from app.imports import plan as plan_module

    real = plan_module.load_known

    def stale(*args):
        known = real(*args)
        known.households, known.residents, known.holders = {}, {}, {}
        return known

    importer("nam_dong.xlsx")
    before = counts()
    monkeypatch.setattr(plan_module, "load_known", stale)
    client = login("admin", "46")
    response = upload(client, fixture_bytes("nam_dong.xlsx"))
    assert response.status_code == 409
    assert "Dữ liệu đã thay đổi trong lúc nhập" in response.get_data(as_text=True)
    assert counts() == before


def test_row_limit_and_formulas_on_the_page(login, app):
    app.config["IMPORT_MAX_ROWS"] = 50
    client = login("admin", "46")
    rows = ["Số hộ,Họ và tên,Quan hệ với chủ hộ,Thôn"] + [
        f"A-{i},Hồ Văn {i},Chủ hộ,Thôn 1" for i in range(80)
    ]
    response = upload(client, "\n".join(rows).encode(), "nhieu.csv")
    assert response.status_code == 422 and "quá nhiều dòng (hơn 50)" in response.get_data(
        as_text=True
    )
    injection = (
        "Số hộ,Họ và tên,Quan hệ với chủ hộ,Thôn\nA-1,\"=cmd|' /C calc'!A0\",Chủ hộ,Thôn 1\n"
    )
    response = upload(client, injection.encode(), "x.csv")
    assert response.status_code == 422
    assert "ô có công thức" in response.get_data(as_text=True)
    assert counts() == EMPTY
