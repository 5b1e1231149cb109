"""Importing realistic household lists: counts, stored values, idempotency, updates, history."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from app.followups.models import Followup
from app.people.idnumber import build_id_number
from app.people.models import Correction, Household, Resident, StatusChange
from app.text import fold
from app.units.models import Unit
from app.visits.models import Visit
from tests.imports.conftest import as_dicts, counts, fixture_bytes
from tests.imports.fixtures.make_fixtures import (
    CONTRADICTIONS,
    HOUSEHOLD_COUNT,
    RESIDENT_COUNT,
)


def _sheet_row(name: str, fixture: str = "nam_dong_cap_nhat.xlsx") -> int:
    """The sheet row number of a person in a fixture sheet."""
    sheet = load_workbook(io.BytesIO(fixture_bytes(fixture))).active
    return next(n for n, row in enumerate(sheet.iter_rows(values_only=True), 1) if name in row)


def _resident(name: str) -> Resident:
    return db.session.scalar(select(Resident).where(Resident.full_name == name))


def test_import_good_sheet_stores_every_field(importer, world):
    result = importer("nam_dong.xlsx")
    summary = result.summary
    assert summary.written and summary.rows_with_errors == 0
    assert as_dicts(result) == (
        {"added": HOUSEHOLD_COUNT, "changed": 0, "unchanged": 0, "refused": 0},
        {"added": RESIDENT_COUNT, "changed": 0, "unchanged": 0, "refused": 0},
    )
    assert summary.conversions == 3  # ND-0003, ND-0004 and ND-0005 use the pre-2025 units
    assert summary.ignored_columns == ["STT", "Ghi chú"]
    assert counts()["households"] == HOUSEHOLD_COUNT
    assert counts()["residents"] == RESIDENT_COUNT

    nho = _resident("Hồ Văn Nhờ")
    assert (nho.birth_date, nho.birth_year, nho.sex) == (date(1968, 3, 2), 1968, "male")
    assert (nho.id_number, nho.phone) == ("046068000123", "0912345678")
    assert (nho.id_card, nho.eid, nho.presence) == ("issued", "level1", "present")
    assert (nho.relationship_to_head, nho.ethnicity, nho.birthplace_code) == (
        "head",
        "Cơ Tu",
        "046",
    )
    assert nho.name_folded == "ho van nho"
    hamlet1 = world["20179-001"]
    assert (nho.hamlet_id, nho.commune_id, nho.province_id) == (
        hamlet1.id,
        world["20179"].id,
        world["46"].id,
    )
    household = db.session.get(Household, nho.household_id)
    assert household.code == "ND-0001" and household.source == "import"
    assert (household.lat, household.lon, household.location_source) == (16.0661, 107.6872, "known")
    assert fold("Alăng Thị Bền") in household.search_text and "nam dong" in household.search_text

    # Excel dropped the leading zero of a number cell; a 9-digit mobile number lost its 0.
    mai = _resident("Nguyễn Thị Mai")
    assert mai.id_number == "046158001002" and mai.birth_date is None and mai.birth_year == 1958
    assert _resident("Lê Văn Dũng").phone == "0987654321"
    notes = " ".join(n for row in result.rows for n in row.notes)
    assert "Đã thêm số 0 đầu của số định danh" in notes

    # "00/00/1962": only the year is known. "Đi làm ăn xa" is a presence.
    assert (_resident("Hồ Văn Lâm").birth_date, _resident("Hồ Văn Lâm").birth_year) == (None, 1962)
    assert _resident("Hồ Văn Tâm").presence == "away_working"
    assert _resident("Hồ Thị Hoa").id_card == "not_collected"

    # The old address "xã Hương Sơn, huyện Nam Đông, tỉnh Thừa Thiên Huế" is xã Nam Đông now.
    old = db.session.scalar(select(Household).where(Household.code == "ND-0003"))
    assert old.address == "Thôn 2, Xã Nam Đông, Thành phố Huế"
    assert old.hamlet_id == world["20179-002"].id


def test_contradicting_id_number_opens_an_import_correction(importer):
    result = importer("nam_dong.xlsx")
    assert result.summary.corrections_opened == CONTRADICTIONS
    correction = db.session.scalar(select(Correction))
    le = _resident("Blúp Thị Lệ")
    assert (correction.resident_id, correction.field, correction.source) == (le.id, "sex", "import")
    assert (correction.current_value, correction.proposed_value, correction.status) == (
        "female",
        "male",
        "open",
    )
    assert correction.rule == "id_sex" and correction.commune_id == le.commune_id


def test_importing_the_same_file_twice_changes_nothing(importer):
    importer("nam_dong.xlsx")
    before = counts()
    versions = dict(db.session.execute(select(Resident.id, Resident.version)).all())
    result = importer("nam_dong.xlsx")
    assert as_dicts(result) == (
        {"added": 0, "changed": 0, "unchanged": HOUSEHOLD_COUNT, "refused": 0},
        {"added": 0, "changed": 0, "unchanged": RESIDENT_COUNT, "refused": 0},
    )
    assert result.summary.corrections_opened == 0
    assert counts() == before
    assert dict(db.session.execute(select(Resident.id, Resident.version)).all()) == versions


def test_csv_in_windows_1258_and_utf8_bom_match_the_xlsx(importer):
    importer("nam_dong.xlsx")
    for name, encoding in (("nam_dong_cp1258.csv", "cp1258"), ("nam_dong_bom.csv", "utf-8")):
        result = importer(name)
        assert result.summary.encoding == encoding
        assert result.summary.rows_with_errors == 0, name
        assert as_dicts(result)[1] == {
            "added": 0,
            "changed": 0,
            "unchanged": RESIDENT_COUNT,
            "refused": 0,
        }, name


def test_csv_first_import_reads_vietnamese_from_windows_1258(importer):
    result = importer("nam_dong_cp1258.csv")
    assert result.summary.written
    ben = _resident("Alăng Thị Bền")
    assert ben is not None and ben.full_name == "Alăng Thị Bền"  # NFC, precomposed
    assert _resident("Zơ Râm Thị Hạnh").ethnicity == "Cơ Tu"


def test_updated_file_updates_with_history(importer, world, make_user):
    importer("nam_dong.xlsx")
    mai = _resident("Nguyễn Thị Mai")
    lam = _resident("Hồ Văn Lâm")
    seen = Visit(
        client_id="lam-1",
        body_hash="x",
        household_id=lam.household_id,
        officer_id=make_user("officer", "20179").id,
        visited_at=datetime(2026, 11, 20, tzinfo=UTC),
        outcome="met",
        body={},
        hamlet_id=lam.hamlet_id,
        commune_id=lam.commune_id,
        province_id=lam.province_id,
    )
    db.session.add(seen)
    task = Followup(
        kind="revisit",
        due_date=date(2030, 1, 1),
        household_id=lam.household_id,
        hamlet_id=lam.hamlet_id,
        commune_id=lam.commune_id,
        province_id=lam.province_id,
    )
    db.session.add(task)
    db.session.commit()
    result = importer("nam_dong_cap_nhat.xlsx")
    households, residents = as_dicts(result)
    # ND-0001 (an e-ID step), ND-0002 (a name), ND-0003 (a newborn), ND-0007 (another
    # hamlet) change; ND-0009 is new.
    assert households == {
        "added": 1,
        "changed": 4,
        "unchanged": HOUSEHOLD_COUNT - 4,
        "refused": 0,
    }
    assert residents == {
        "added": 2,
        "changed": 2,
        "unchanged": RESIDENT_COUNT - 2,
        "refused": 0,
    }
    db.session.expire_all()
    mai = db.session.get(Resident, mai.id)
    assert mai.full_name == "Nguyễn Thị Mai Anh" and mai.name_folded == "nguyen thi mai anh"
    assert mai.version == 2
    history = db.session.scalars(
        select(StatusChange).where(StatusChange.resident_id == mai.id)
    ).all()
    assert [(h.field, h.old_value, h.new_value) for h in history] == [
        ("full_name", "Nguyễn Thị Mai", "Nguyễn Thị Mai Anh")
    ]
    household = db.session.get(Household, mai.household_id)
    assert "nguyen thi mai anh" in household.search_text
    tam = _resident("Hồ Văn Tâm")
    assert tam.eid == "level2_active"
    # A step backwards in the file is not taken: the system's newer status stays.
    ben = _resident("Alăng Thị Bền")
    assert ben.id_card == "issued"
    ben_row = next(r for r in result.rows if r.number == _sheet_row("Alăng Thị Bền"))
    assert ben_row.status == "unchanged" and any(
        "Giữ Tình trạng CCCD trên hệ thống (Đã có thẻ căn cước)" in n for n in ben_row.notes
    )
    # The household listed under another hamlet moved there, members included.
    lam = db.session.get(Resident, lam.id)
    assert lam.hamlet_id == world["20179-001"].id
    assert db.session.get(Household, lam.household_id).hamlet_id == world["20179-001"].id
    assert db.session.get(Followup, task.id).hamlet_id == world["20179-001"].id
    # Its visits count in the hamlet it now belongs to (coverage groups visits by hamlet).
    assert db.session.get(Visit, seen.id).hamlet_id == world["20179-001"].id
    # Importing the update again changes nothing.
    again = importer("nam_dong_cap_nhat.xlsx")
    assert again.summary.households.changed == 0 and again.summary.residents.changed == 0


def test_import_leaves_one_audit_entry_with_the_counts(importer, make_user):
    admin = make_user("admin", "46")
    importer("nam_dong.xlsx", actor_id=admin.id)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "import_households")
    ).all()
    assert len(entries) == 1
    changes = entries[0].changes
    assert changes["file_name"] == "nam_dong.xlsx"
    assert changes["households"]["added"] == HOUSEHOLD_COUNT
    assert changes["residents"]["added"] == RESIDENT_COUNT
    assert entries[0].object_type == "units"
    created = db.session.scalars(select(Household.created_by_id)).all()
    assert set(created) == {admin.id}


def test_dry_run_writes_nothing(importer):
    result = importer("nam_dong.xlsx", dry_run=True)
    assert not result.summary.written and result.summary.dry_run
    assert result.summary.households.added == HOUSEHOLD_COUNT
    assert counts() == {"households": 0, "residents": 0, "status_changes": 0, "corrections": 0}
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import_households"))
        is None
    )


def test_unknown_hamlets_refused_unless_created(importer, world):
    data = (
        "Số hộ,Họ và tên,Quan hệ với chủ hộ,Bản\n"
        "B-1,Hồ Văn A,Chủ hộ,Ta Ri\n"
        "B-2,Hồ Văn B,Chủ hộ,Bản A Roàng\n"
    ).encode()
    refused = importer(data, name="ban.csv")
    assert not refused.summary.written
    assert "Không có thôn 'Ta Ri'" in refused.rows[0].errors[0]
    result = importer(data, name="ban.csv", create_hamlets=True)
    assert result.summary.written and result.summary.households.added == 2
    made = db.session.scalars(
        select(Unit).where(Unit.parent_id == world["20179"].id, Unit.source == "local")
    ).all()
    assert sorted((u.name, u.kind) for u in made) == [("Bản A Roàng", "bản"), ("Bản Ta Ri", "bản")]
    assert sorted(result.summary.hamlets_created) == ["20179-004", "20179-005"]
    # The next import finds them by name, with or without the kind word.
    again = importer(data, name="ban.csv")
    assert again.summary.households.unchanged == 2


def test_hamlet_by_code_or_by_number_under_its_kind(importer, world):
    data = (
        "Mã hộ;Họ tên;Quan hệ;Thôn\nT-1;Hồ Văn A;Chủ hộ;20179-003\nT-2;Hồ Văn B;chủ hộ;2\n"
    ).encode()
    result = importer(data, name="t.csv")
    assert result.summary.written
    by_code = dict(db.session.execute(select(Household.code, Household.hamlet_id)).all())
    assert by_code == {"T-1": world["20179-003"].id, "T-2": world["20179-002"].id}


def test_head_named_in_the_head_column(importer):
    data = (
        "Số hộ,Chủ hộ,Họ và tên,Năm sinh,Thôn\n"
        "H-1,Hồ Văn A,Hồ Văn A,1960,Thôn 1\n"
        "H-1,Hồ Văn A,Hồ Thị B,1962,Thôn 1\n"
        "H-2,Hồ Văn C,Hồ Văn D,1970,Thôn 1\n"
    ).encode()
    result = importer(data, name="h.csv", partial=True)
    assert result.summary.households.added == 1
    assert _resident("Hồ Văn A").relationship_to_head == "head"
    assert _resident("Hồ Thị B").relationship_to_head is None
    errors = {row.number: row.errors for row in result.rows if row.errors}
    assert list(errors) == [4]
    assert "không có chủ hộ" in errors[4][0]


def test_existing_household_without_head_still_updates(importer, make_household):
    make_household(
        "20179-001",
        code="OLD-1",
        residents=[{"full_name": "Hồ Văn Cũ", "relationship_to_head": None}],
    )
    data = (
        "Số hộ,Họ và tên,Ngày sinh,Thôn\n"
        "OLD-1,Hồ Văn Cũ,02/03/1968,Thôn 1\n"
        "OLD-1,Hồ Thị Mới,2001,Thôn 1\n"
    )
    result = importer(data.encode(), name="o.csv")
    assert result.summary.written
    assert result.summary.residents.added == 1 and result.summary.residents.unchanged == 1
    assert any("chưa có chủ hộ" in n for n in result.rows[0].notes)


def test_resident_without_id_matched_by_name_and_year_then_gets_the_id(importer, make_household):
    household = make_household(
        "20179-001",
        code="M-1",
        residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968", "relationship_to_head": "head"}
        ],
    )
    data = (
        "Số hộ,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Thôn\n"
        "M-1,HỒ VĂN NHỜ,02/03/1968,Nam,046068000123,Thôn 1\n"
    )
    result = importer(data.encode(), name="m.csv")
    assert as_dicts(result)[1]["changed"] == 1
    person = db.session.scalar(select(Resident).where(Resident.household_id == household.id))
    assert (person.id_number, person.birth_date) == ("046068000123", date(1968, 3, 2))
    fields = sorted(db.session.scalars(select(StatusChange.field)).all())
    assert fields == ["date_of_birth", "id_number"]


def _sheet(households: int) -> bytes:
    lines = ["Số hộ,Họ và tên,Quan hệ với chủ hộ,Ngày sinh,Giới tính,Số định danh,Thôn"]
    for h in range(households):
        for m, (relationship, sex) in enumerate((("Chủ hộ", "Nam"), ("Vợ", "Nữ"), ("Con", "Nữ"))):
            number = build_id_number(
                "046", "male" if sex == "Nam" else "female", 1970 + m, h * 3 + m
            )
            lines.append(
                f"Q-{h:04d},Hồ Văn {h} {m},{relationship},{1970 + m},{sex},{number},Thôn 1"
            )
    return "\n".join(lines).encode()


def test_statements_do_not_grow_with_rows(importer):
    """Batch-loaded lookups and bulk writes: 30 and 300 households take as many statements."""
    from sqlalchemy import event

    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        per_size = {}
        for size in (30, 300):
            for attempt in ("first", "again"):
                counted.clear()
                importer(_sheet(size), name=f"q{size}.csv", dry_run=False)
                per_size[(size, attempt)] = len(counted)
            db.session.execute(Resident.__table__.delete())
            db.session.execute(Household.__table__.delete())
            db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert per_size[(30, "first")] == per_size[(300, "first")] <= 20, per_size
    assert per_size[(30, "again")] == per_size[(300, "again")] <= 10, per_size
