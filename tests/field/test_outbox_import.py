"""An admin or commander imports an officer's exported outbox file (/admin/outbox-import)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Returnee
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
