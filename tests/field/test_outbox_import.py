"""An admin or commander imports an officer's exported outbox file (/admin/outbox-import)."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Returnee
from app.people.models import CardScan, Correction, Household, Resident
from app.sessions.models import CaptureSession, SessionResult
from app.sessions.plans import create_session
from app.sessions.schemas import CaptureSessionIn
from app.visits.models import Visit

ICT = timezone(timedelta(hours=7))


def visit_body(household_id: int, **extra) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": household_id,
        "visited_at": datetime.now(ICT).replace(microsecond=0).isoformat(),
        "location": None,
        "location_missing_reason": "denied",
        "outcome": "nobody_home",
        "residents": [],
        "new_residents": [],
        "note": "",
        **extra,
    }


def outbox_file(username: str, bodies: list[dict], kinds: list[str] | None = None) -> dict:
    kinds = kinds or ["visit"] * len(bodies)
    return {
        "format": "gocua-outbox",
        "version": 1,
        "username": username,
        "exported_at": datetime.now(ICT).isoformat(),
        "entries": [
            {"client_id": b.get("client_id"), "kind": k, "state": "pending", "body": b}
            for b, k in zip(bodies, kinds, strict=True)
        ],
    }


def upload(client, doc) -> tuple[int, str]:
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    answer = client.post(
        "/admin/outbox-import",
        data={"file": (io.BytesIO(raw), "outbox.json")},
        content_type="multipart/form-data",
    )
    return answer.status_code, answer.get_data(as_text=True)


def sign_in(client, user) -> None:
    answer = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert answer.status_code == 302


@pytest.fixture
def officer(make_user):
    return make_user("officer", "20179", hamlets=["20179-001"], username="canbo")


def test_admin_imports_an_officers_file(client, make_user, make_household, officer):
    household = make_household("20179-001")
    sign_in(client, make_user("admin", "46", username="quantri"))
    assert client.get("/admin/outbox-import").status_code == 200
    bodies = [visit_body(household.id), visit_body(household.id, outcome="refused")]
    flag = {
        "returned_on": today_in_vietnam().isoformat(),
        "full_name": "Hồ Văn Về",
        "hamlet_code": "20179-001",
    }
    doc = outbox_file("CanBo", [*bodies, flag, {"x": 1}], ["visit", "visit", "returnee", "photo"])
    status, page = upload(client, doc)
    assert status == 200
    assert page.count("status-created") == 3 and page.count("status-skipped") == 1
    visits = list(db.session.scalars(select(Visit).order_by(Visit.id)))
    assert [v.client_id for v in visits] == [b["client_id"] for b in bodies]
    assert {v.officer_id for v in visits} == {officer.id}
    [returnee] = db.session.scalars(select(Returnee)).all()
    assert (returnee.full_name, returnee.flagged_by_id) == ("Hồ Văn Về", officer.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox_import"))
    assert entry.object_id == str(officer.id)
    assert entry.changes["results"] == {"created": 3, "skipped": 1}

    status, page = upload(client, doc)  # the same file again changes nothing
    assert status == 200 and page.count("status-duplicate") == 3
    assert len(db.session.scalars(select(Visit)).all()) == 2
    assert len(db.session.scalars(select(Returnee)).all()) == 1


def test_a_file_saved_again_with_a_byte_order_mark_is_read(
    client, make_user, make_household, officer
):
    """Notepad on Windows writes a BOM before the JSON when the file is saved again."""
    household = make_household("20179-001")
    sign_in(client, make_user("admin", "46", username="quantri"))
    doc = outbox_file("canbo", [visit_body(household.id)], ["visit"])
    status, page = upload(client, "\ufeff".encode() + json.dumps(doc).encode())
    assert status == 200 and page.count("status-created") == 1


def test_a_village_heads_file_brings_its_returnee_flags(client, make_user, make_household):
    head = make_user("village_head", "20179-001", username="truongthon")
    household = make_household("20179-001", residents=[{"full_name": "Lê Thị Xa"}])
    sign_in(client, make_user("commander", "20179", username="chihuy"))
    known = {
        "resident_id": household.residents[0].id,
        "returned_on": today_in_vietnam().isoformat(),
    }
    elsewhere = {"full_name": "Ở Thôn Khác", "returned_on": today_in_vietnam().isoformat()}
    elsewhere["hamlet_code"] = "20179-002"
    doc = outbox_file(
        "truongthon",
        [known, elsewhere, visit_body(household.id)],
        ["returnee", "returnee", "visit"],
    )
    status, page = upload(client, doc)
    assert status == 200
    assert page.count("status-created") == 1 and page.count("status-rejected") == 1
    assert "Chỉ cán bộ ghi lượt thăm" in page  # a village head's file holds no visits
    [flag] = db.session.scalars(select(Returnee)).all()
    assert (flag.resident_id, flag.flagged_by_id) == (household.residents[0].id, head.id)
    assert db.session.scalars(select(Visit)).all() == []


def test_refused_entries_are_reported(client, make_user, make_household, officer):
    household = make_household("20179-001")
    sign_in(client, make_user("commander", "20179", username="chihuy"))
    doc = outbox_file("canbo", [visit_body(household.id, outcome="danced")])
    status, page = upload(client, doc)
    assert status == 200
    assert "status-rejected" in page and "outcome" in page
    assert db.session.scalars(select(Visit)).all() == []


def test_officer_outside_the_importers_unit(client, make_user, officer):
    sign_in(client, make_user("commander", "19777", username="chihuy2"))
    status, page = upload(client, outbox_file("canbo", []))
    assert status == 422
    assert "Không tìm thấy cán bộ canbo trong đơn vị của bạn." in page


@pytest.mark.parametrize(
    "doc",
    [b"not json", b"\xff\xfe", json.dumps([1, 2]).encode(), json.dumps({"entries": []}).encode()],
)
def test_a_file_that_is_not_an_outbox_is_refused(client, make_user, doc):
    sign_in(client, make_user("admin", "20179", username="quantri"))
    status, page = upload(client, doc)
    assert status == 422
    assert 'class="flash error"' in page


def test_only_admins_and_commanders(client, officer):
    assert client.get("/admin/outbox-import").status_code == 302  # to the login page
    sign_in(client, officer)
    assert client.get("/admin/outbox-import").status_code == 403
    assert upload(client, outbox_file("canbo", []))[0] == 403


def test_the_form_carries_a_csrf_token(make_app, world, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={
                "username": make_user("admin", "20179").username,
                "password": "secret-pass",
                "csrf_token": token,
            },
        )
        form = client.get("/admin/outbox-import").get_data(as_text=True)
        assert 'name="csrf_token"' in form
        status, _page = upload(client, outbox_file("nobody", []))
        assert status in (400, 403)


# --- households, card scans and capture-session results -------------------------------

ADDRESS = "Thôn 1, Xã Nam Đông, Huyện Nam Đông, Thừa Thiên Huế"
HEAD_CARD = f"046068000123|183456789|Hồ Văn Nhơn|02031968|Nam|{ADDRESS}|15042021"


def entry(kind: str, body: dict, **extra) -> dict:
    return {
        "client_id": body.get("client_id"),
        "kind": kind,
        "state": "pending",
        "body": body,
        **extra,
    }


def entries_file(username: str, entries: list[dict]) -> dict:
    doc = outbox_file(username, [])
    doc["entries"] = entries
    return doc


def new_household(client_id: str, hamlet_code: str = "20179-001", **extra) -> dict:
    return {
        "client_id": client_id,
        "hamlet_code": hamlet_code,
        "address": "Thôn 1, xã Nam Đông",
        "location": None,
        "residents": [{"full_name": "Hồ Văn Mới", "date_of_birth": "1980", "sex": "male"}],
        **extra,
    }


def planned_session(commander, officer, residents) -> CaptureSession:
    data = CaptureSessionIn().load(
        {
            "kind": "at_home",
            "date": (today_in_vietnam() + timedelta(days=1)).isoformat(),
            "starts_at": "08:00",
            "ends_at": "11:30",
            "team_ids": [officer.id],
            "resident_ids": [r.id for r in residents],
        }
    )
    session = create_session(commander, data)
    db.session.commit()
    return session


def statuses(page: str) -> list[str]:
    """The result of each row of the report, in order."""
    return re.findall(r'<tr class="status-(\w+)"', page)


def test_a_household_made_on_the_phone_comes_before_its_visit(client, make_user, officer):
    sign_in(client, make_user("admin", "46", username="quantri"))
    visit = visit_body(None, household_client_id="hh-0001-phone")
    del visit["household_id"]
    doc = entries_file(
        "canbo", [entry("visit", visit), entry("household", new_household("hh-0001-phone"))]
    )
    status, page = upload(client, doc)
    assert status == 200
    assert statuses(page) == ["created", "created"]  # the file's order, households sent first
    assert "Hộ mới" in page and "Lượt thăm" in page  # each entry's kind in words
    [household] = db.session.scalars(
        select(Household).where(Household.client_id == "hh-0001-phone")
    )
    assert household.created_by_id == officer.id
    [made] = db.session.scalars(select(Visit)).all()
    assert (made.household_id, made.officer_id) == (household.id, officer.id)
    entry_ = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox_import"))
    assert entry_.changes["results"] == {"created": 2}

    status, page = upload(client, doc)  # the same file again changes nothing
    assert status == 200 and statuses(page) == ["duplicate", "duplicate"]
    assert (
        len(db.session.scalars(select(Household).where(Household.client_id.is_not(None))).all())
        == 1
    )
    assert len(db.session.scalars(select(Visit)).all()) == 1


def test_a_card_scan_is_read_as_on_the_phone(client, make_user, make_household, officer):
    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    head = household.residents[0]
    sign_in(client, make_user("commander", "20179", username="chihuy"))
    scan = {"client_id": "scan-0001-phone", "resident_id": head.id, "qr": HEAD_CARD}
    doc = entries_file("canbo", [entry("card_scan", scan)])
    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["created"]
    assert "Quét thẻ căn cước" in page
    [reading] = db.session.scalars(select(CardScan)).all()
    assert (reading.resident_id, reading.user_id) == (head.id, officer.id)
    [opened] = db.session.scalars(select(Correction).where(Correction.source == "card_scan"))
    assert opened.field == "full_name"

    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["duplicate"]
    assert len(db.session.scalars(select(CardScan)).all()) == 1


def test_capture_session_results_go_to_their_session(client, make_user, make_household, officer):
    commander = make_user("commander", "20179", username="chihuy")
    household = make_household(
        "20179-001", residents=[{"full_name": "Hồ Văn Một"}, {"full_name": "Hồ Thị Hai"}]
    )
    one, two = household.residents
    session = planned_session(commander, officer, [one, two])
    sign_in(client, commander)
    first = {"client_id": "result-0001", "resident_id": one.id, "attended": True}
    first["id_card"] = "collected"
    second = {"client_id": "result-0002", "resident_id": two.id, "attended": False}
    doc = entries_file(
        "canbo",
        [
            entry("session_result", first, session_id=session.id),
            entry("session_result", second, session_id=session.id),
        ],
    )
    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["created", "created"]
    assert "Kết quả buổi thu nhận" in page
    rows = db.session.scalars(select(SessionResult).order_by(SessionResult.id)).all()
    assert [(r.session_id, r.resident_id, r.recorded_by_id) for r in rows] == [
        (session.id, one.id, officer.id),
        (session.id, two.id, officer.id),
    ]
    db.session.expire_all()
    assert db.session.get(Resident, one.id).id_card == "collected"

    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["duplicate", "duplicate"]
    assert len(db.session.scalars(select(SessionResult)).all()) == 2


def test_a_result_saved_without_its_session_finds_the_one_it_belongs_to(
    client, make_user, make_household, officer
):
    """The phone keeps `session_id` beside the body; a file that lost it still names the
    resident, and the one session of the officer's team inviting them is theirs."""
    commander = make_user("commander", "20179", username="chihuy")
    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Một"}])
    [one] = household.residents
    session = planned_session(commander, officer, [one])
    other = make_household("20179-001", residents=[{"full_name": "Hồ Văn Xa"}])
    sign_in(client, commander)
    found = {"client_id": "result-0003", "resident_id": one.id, "attended": True}
    lost = {"client_id": "result-0004", "resident_id": other.residents[0].id, "attended": True}
    doc = entries_file("canbo", [entry("session_result", found), entry("session_result", lost)])
    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["created", "skipped"]
    assert "Tệp không ghi buổi thu nhận của kết quả này; nhập tay." in page
    [row] = db.session.scalars(select(SessionResult)).all()
    assert (row.session_id, row.resident_id) == (session.id, one.id)

    status, page = upload(client, doc)  # found again by its client_id
    assert status == 200 and statuses(page) == ["duplicate", "skipped"]
    assert len(db.session.scalars(select(SessionResult)).all()) == 1
    # A client_id no result may have (a NUL: PostgreSQL refuses it in a query) is not looked
    # up: the entry is refused alone, the file still imports.
    odd = {"client_id": "a\x00b", "resident_id": one.id, "attended": True}
    status, page = upload(client, entries_file("canbo", [entry("session_result", odd)]))
    assert status == 200 and statuses(page) == ["rejected"]


def test_a_refused_entry_of_each_kind_costs_the_others_nothing(
    client, make_user, make_household, officer
):
    commander = make_user("commander", "20179", username="chihuy")
    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    head = household.residents[0]
    session = planned_session(commander, officer, [head])
    elsewhere = make_household("19777-001", residents=[{"full_name": "Ở Xã Khác"}])
    sign_in(client, commander)
    orphan = visit_body(None, household_client_id="hh-refused-01")
    del orphan["household_id"]
    doc = entries_file(
        "canbo",
        [
            entry("household", new_household("hh-refused-01", hamlet_code="19777-001")),
            entry("household", new_household("hh-taken-0001")),
            entry("visit", orphan),
            entry("visit", visit_body(household.id)),
            entry(
                "card_scan",
                {"client_id": "scan-bad-0001", "resident_id": head.id, "qr": "xin chào"},
            ),
            entry(
                "card_scan", {"client_id": "scan-0002-ok", "resident_id": head.id, "qr": HEAD_CARD}
            ),
            entry(
                "session_result",
                {
                    "client_id": "result-bad-1",
                    "resident_id": elsewhere.residents[0].id,
                    "attended": True,
                },
                session_id=session.id,
            ),
            entry(
                "session_result",
                {"client_id": "result-0005", "resident_id": head.id, "attended": True},
                session_id=session.id,
            ),
            entry(
                "session_result",
                {"client_id": "result-0006", "resident_id": head.id, "attended": True},
                session_id=987654,
            ),
        ],
    )
    status, page = upload(client, doc)
    assert status == 200
    assert statuses(page) == ["rejected", "created"] * 4 + ["rejected"]
    assert "hamlet_code" in page  # the household's reason
    assert "household_client_id" in page  # its visit waits for it
    assert "qr" in page  # the card scan's reason
    assert "Không tìm thấy buổi thu nhận #987654." in page
    assert (
        len(db.session.scalars(select(Household).where(Household.client_id.is_not(None))).all())
        == 1
    )
    assert len(db.session.scalars(select(Visit)).all()) == 1
    assert [s.client_id for s in db.session.scalars(select(CardScan))] == ["scan-0002-ok"]
    assert [r.client_id for r in db.session.scalars(select(SessionResult))] == ["result-0005"]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox_import"))
    assert audit.changes["results"] == {"rejected": 5, "created": 4}


def test_a_village_head_may_not_send_what_only_staff_send(client, make_user, make_household):
    make_user("village_head", "20179-001", username="truongthon")
    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    sign_in(client, make_user("commander", "20179", username="chihuy"))
    scan = {"client_id": "scan-head-001", "resident_id": household.residents[0].id, "qr": HEAD_CARD}
    doc = entries_file(
        "truongthon",
        [entry("household", new_household("hh-head-0001")), entry("card_scan", scan)],
    )
    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["rejected", "rejected"]
    assert page.count("Vai trò Trưởng thôn không được gửi mục này.") == 2
    assert db.session.scalars(select(Household).where(Household.client_id.is_not(None))).all() == []
    assert db.session.scalars(select(CardScan)).all() == []


def test_a_kind_still_unknown_is_skipped(client, make_user, officer):
    sign_in(client, make_user("admin", "46", username="quantri"))
    doc = entries_file("canbo", [entry("photo", {"client_id": "photo-0001"})])
    status, page = upload(client, doc)
    assert status == 200 and statuses(page) == ["skipped"]
