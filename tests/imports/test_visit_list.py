"""A hamlet's visit list: printable page, XLSX with the import's columns, scope, round trip."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.imports.columns import COLUMNS
from app.imports.visit_list import build_visit_list, export_visit_list
from app.people.models import Correction, Resident
from tests.imports.conftest import as_dicts, counts, read_xlsx

HAMLET = "20179-001"


@pytest.fixture
def listed(importer, make_household, world):
    """The good sheet imported, plus households made another way, a follow-up, a correction."""
    importer("nam_dong.xlsx")
    odd = make_household(
        HAMLET,
        code="HO-X",
        location=None,
        residents=[
            {"full_name": "Hồ Văn Xưa", "date_of_birth": "1940", "relationship_to_head": "head",
             "presence": "deceased"},
            {"full_name": "Hồ Thị Yến", "sex": "female", "date_of_birth": None,
             "relationship_to_head": "parent", "ethnicity": "Cơ  Tu"},
            {"full_name": "Hồ Văn Zin", "sex": None, "date_of_birth": "2020-02-29",
             "relationship_to_head": "spouse", "id_card": "collected", "eid": "level2_applied"},
        ],
    )  # fmt: skip
    yen = db.session.scalar(select(Resident).where(Resident.full_name == "Hồ Thị Yến"))
    db.session.add(
        Followup(
            kind="id_capture_at_home",
            due_date=today_in_vietnam() + timedelta(days=3),
            household_id=odd.id,
            resident_id=yen.id,
            hamlet_id=odd.hamlet_id,
            commune_id=odd.commune_id,
            province_id=odd.province_id,
        )
    )
    db.session.add(
        Correction(
            household_id=odd.id,
            resident_id=yen.id,
            hamlet_id=odd.hamlet_id,
            commune_id=odd.commune_id,
            province_id=odd.province_id,
            field="ethnicity",
        )
    )
    make_household(HAMLET, code="HO-EMPTY", residents=[])
    db.session.commit()
    return odd


def test_missing_items_and_followups(app, listed, world):
    listing = build_visit_list(world[HAMLET])
    entries = {e.household.code: e for e in listing.entries}
    assert list(entries) == ["HO-EMPTY", "HO-X", "ND-0001", "ND-0002"]
    by_name = {m.resident.full_name: m.missing for e in listing.entries for m in e.members}
    assert by_name["Hồ Văn Xưa"] == []  # deceased: nothing to do
    assert by_name["Hồ Thị Yến"] == [
        "Chưa thu nhận CCCD",
        "VNeID chưa mức 2",
        "Chưa có số định danh",
        "Thiếu ngày sinh",
        "Cần điều chỉnh: dân tộc",
    ]
    assert by_name["Hồ Văn Zin"] == ["Chưa có số định danh"]  # under 14: no card yet
    assert by_name["Hồ Văn Nhờ"] == ["VNeID chưa mức 2"]
    assert by_name["Alăng Thị Bền"] == []
    assert by_name["Nguyễn Thị Mai"] == [
        "Chưa thu nhận CCCD",
        "VNeID chưa mức 2",
        "Chỉ có năm sinh",
    ]
    followups = entries["HO-X"].followups
    assert len(followups) == 1 and followups[0].startswith("Thu nhận căn cước tại nhà — Hồ Thị Yến")
    assert listing.totals["households"] == 4


def test_xlsx_has_the_import_headers_and_round_trips(app, importer, listed, world):
    before = counts()
    for code in ("20179-001", "20179-002", "20179-003"):
        data, totals = export_visit_list(world[code], None)
        db.session.commit()
        rows = read_xlsx(data)
        assert list(rows[0][: len(COLUMNS)]) == [c.header for c in COLUMNS]
        assert rows[0][len(COLUMNS) :] == ("Cần làm", "Việc quay lại")
        assert len(rows) - 1 == totals["residents"]
        result = importer(data, name=f"{code}.xlsx")
        assert result.summary.rows_with_errors == 0, [r.errors for r in result.rows if r.errors]
        households, residents = as_dicts(result)
        assert households["added"] == households["changed"] == 0, code
        assert residents["added"] == residents["changed"] == 0, code
        assert residents["unchanged"] == totals["residents"]
    assert counts() == before


def test_village_head_copy_has_no_id_numbers_and_still_round_trips(
    app, importer, listed, world, make_user
):
    head = make_user("village_head", HAMLET)
    data, _totals = export_visit_list(world[HAMLET], head)
    db.session.commit()
    rows = read_xlsx(data)
    assert "Số định danh" not in rows[0] and "Số điện thoại" not in rows[0]
    assert "Nơi thường trú" not in rows[0]  # a worker's home address is personal data too
    flat = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "046068000123" not in flat and "0912345678" not in flat
    assert "1968" in flat and "02/03/1968" not in flat
    before = counts()
    result = importer(data, name="tb.xlsx")
    assert result.summary.households.changed == 0 and result.summary.residents.changed == 0
    assert counts() == before


def test_page_is_printable_and_masks_id_numbers(login, listed):
    client = login("officer")
    response = client.get(f"/hamlets/{HAMLET}/visit-list")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "@page { size: A4" in html
    assert "Hồ Văn Nhờ" in html and "********0123" in html and "046068000123" not in html
    assert "Thu nhận căn cước tại nhà" in html and "Cần điều chỉnh: dân tộc" in html
    assert "Chưa có ai trong danh sách hộ" in html  # HO-EMPTY
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print"))
    assert entry.user_id == client.user.id


def test_village_head_sees_own_hamlet_without_ids(login, listed):
    client = login("village_head", HAMLET)
    html = client.get(f"/hamlets/{HAMLET}/visit-list").get_data(as_text=True)
    assert "Hồ Văn Nhờ" in html and "********0123" not in html and "Số định danh" not in html
    assert client.get("/hamlets/20179-002/visit-list").status_code == 404
    assert client.get("/hamlets/20179-002/visit-list.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("officer", "20179", 200),
        ("commander", "20179", 200),
        ("admin", "46", 200),
        ("officer", "19777", 404),
        ("commander", "00004", 404),
    ],
)
def test_scope_of_the_xlsx(login, listed, role, unit, status):
    client = login(role, unit)
    response = client.get(f"/hamlets/{HAMLET}/visit-list.xlsx")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert read_xlsx(response.data)[1][0] == "HO-X"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.changes["residents"] == 9 and entry.user_id == client.user.id
        assert entry.changes["kind"] == "visit_list" and entry.object_type == "units"
        assert entry.changes["id_numbers"] == "full" and entry.changes["id_number_count"] >= 1


def test_anonymous_is_sent_to_login(client, listed):
    response = client.get(f"/hamlets/{HAMLET}/visit-list")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/hamlets/nope/visit-list.xlsx").status_code == 302


def test_unknown_or_non_hamlet_code_is_404(login, listed):
    client = login("admin", "46")
    assert client.get("/hamlets/20179/visit-list").status_code == 404
    assert client.get("/hamlets/99999-001/visit-list").status_code == 404


@pytest.fixture
def arrivals(listed, world, make_user):
    """Village heads' flags: two names alone in Thôn 1, one closed, one elsewhere, one known."""
    from app.followups.returnees import flag_returnee

    head = make_user("village_head", HAMLET)
    other_head = make_user("village_head", "20179-002")
    on = today_in_vietnam()
    flag_returnee(
        head,
        {
            "full_name": "Hồ Văn Sơn",
            "returned_on": on - timedelta(days=2),
            "leaving_on": on + timedelta(days=20),
            "phone": "0905123456",
            "note": "về ăn Tết",
        },
    )
    flag_returnee(head, {"full_name": "Alăng Thị Hoa", "returned_on": on})
    gone, _ = flag_returnee(head, {"full_name": "Người Đã Gặp", "returned_on": on})
    db.session.get(Followup, gone.followup_id).status = "done"
    flag_returnee(other_head, {"full_name": "Ở Thôn Khác", "returned_on": on})
    yen = db.session.scalar(select(Resident).where(Resident.full_name == "Hồ Thị Yến"))
    flag_returnee(head, {"resident_id": yen.id, "returned_on": on})  # on her household's rows
    db.session.commit()
    return head


def test_name_only_returnees_have_their_own_section(app, importer, arrivals, world):
    listing = build_visit_list(world[HAMLET])
    people = [(a.full_name, a.returned_on, a.phone, a.note) for a in listing.arrivals]
    on = today_in_vietnam()
    assert people == [
        ("Hồ Văn Sơn", on - timedelta(days=2), "0905123456", "về ăn Tết"),
        ("Alăng Thị Hoa", on, None, None),
    ]
    assert listing.arrivals[0].due_date == on and listing.totals["arrivals"] == 2
    data, _totals = export_visit_list(world[HAMLET], None)
    db.session.commit()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[1] == "Người mới về chưa rõ hộ"
    rows = [tuple(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert rows[0][:5] == ("Họ và tên", "Về ngày", "Đi lại ngày", "Hạn gặp", "Số điện thoại")
    assert rows[1][:6] == (
        "Hồ Văn Sơn",
        (on - timedelta(days=2)).strftime("%d/%m/%Y"),
        (on + timedelta(days=20)).strftime("%d/%m/%Y"),
        on.strftime("%d/%m/%Y"),
        "0905123456",
        "về ăn Tết",
    )
    assert len(rows) == 3
    # The import reads the first sheet only: the list still imports back unchanged.
    before = counts()
    result = importer(data, name="tb.xlsx")
    assert result.summary.rows_with_errors == 0 and result.summary.residents.added == 0
    assert counts() == before
    # A village head's copy leaves the phone out; a hamlet without such flags has no sheet.
    names_only, _totals = export_visit_list(world[HAMLET], arrivals)
    second = load_workbook(io.BytesIO(names_only)).worksheets[1]
    assert "Số điện thoại" not in next(second.iter_rows(values_only=True))
    assert "0905123456" not in str(list(second.iter_rows(values_only=True)))
    other, _totals = export_visit_list(world["20179-003"], None)
    assert len(load_workbook(io.BytesIO(other)).sheetnames) == 1


def test_printed_page_lists_name_only_returnees(login, arrivals):
    html = login("officer").get(f"/hamlets/{HAMLET}/visit-list").get_data(as_text=True)
    section = html[html.index('id="arrivals"') :]
    assert "Hồ Văn Sơn" in section and "Alăng Thị Hoa" in section
    assert "0905123456" in section and "Ở Thôn Khác" not in section
    head = login("village_head", HAMLET).get(f"/hamlets/{HAMLET}/visit-list")
    names_only = head.get_data(as_text=True)
    assert "Hồ Văn Sơn" in names_only and "0905123456" not in names_only
