"""Privacy by default, where a review found it missing: full ID numbers stay masked in the
audit trail and in refused bodies, a card's number does not tell whose it is outside the
officer's scope, a user moved to another unit brings no trail of the first, a reveal is
audited whenever it shows a number, and database errors are logged without their values."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app.auth.models import AuditEntry
from app.extensions import db
from app.people.models import Correction
from app.text import masked_id_numbers
from tests.factories import api_get, api_post, correcting_visit, page_client

NUMBER = "046068000123"


def new_household(number: str, name: str = "Hồ Văn Nhờ", hamlet: str = "20179-001") -> dict:
    return {
        "client_id": f"hh-{uuid.uuid4().hex}",
        "hamlet_code": hamlet,
        "address": "Thôn 1",
        "residents": [
            {"full_name": name, "date_of_birth": "1968", "sex": "male", "id_number": number,
             "relationship": "head"}
        ],
    }  # fmt: skip


def test_masked_id_numbers_masks_twelve_digit_runs_anywhere():
    value = {"a": f"số {NUMBER}.", "b": [NUMBER, "0460680001234", 12], "c": None}
    assert masked_id_numbers(value) == {
        "a": "số ********0123.",
        "b": ["********0123", "0460680001234", 12],  # 13 digits: not an ID number
        "c": None,
    }


def test_the_audit_trail_never_shows_a_full_id_number(app, client, world, make_user, token_for):
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    commander = make_user("commander", "20179")
    status, body = api_post(client, "/api/v1/households", token_for(officer), new_household(NUMBER))
    assert status == 201, body
    resident_id = body["residents"][0]["id"]
    changed = "046068000124"
    answer = client.patch(
        f"/api/v1/residents/{resident_id}",
        json={"id_number": changed},
        headers={**token_for(officer), "If-Match": '"1"'},
    )
    assert answer.status_code == 200, answer.get_json()
    stored = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEntry)))
    assert NUMBER in stored and changed in stored  # the trail keeps what happened
    status, trail = api_get(client, "/api/v1/audit?per_page=200", token_for(commander))
    assert status == 200
    shown = str(trail)
    assert NUMBER not in shown and changed not in shown
    assert "********0123" in shown and "********0124" in shown
    pages = page_client(app, commander)
    for url in ("/audit", "/audit.csv"):
        text = pages.get(url).get_data(as_text=True)
        assert NUMBER not in text and changed not in text, url


def _scan(client, headers, resident_id: int, number: str):
    qr = f"{number}||Hồ Văn Nhờ|02031968|Nam|Thôn 1|01012021"
    body = {"client_id": f"scan-{uuid.uuid4().hex}", "qr": qr}
    answer = client.post(f"/api/v1/residents/{resident_id}/card-scan", json=body, headers=headers)
    assert answer.status_code in (200, 201), answer.get_json()
    return [c for c in answer.get_json()["corrections"] if c["field"] == "duplicate_record"]


def test_a_card_scan_names_a_holder_only_inside_the_officers_scope(
    app, client, world, make_user, make_household, token_for
):
    officer = make_user("officer", "20179", hamlets=["20179-001", "20179-002"])
    here = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    near = make_household(
        "20179-002", residents=[{"full_name": "Gần Bên", "id_number": "046068000201"}]
    )
    far = make_household(
        "19777-001",
        residents=[
            {"full_name": "Xa Lạ Bí Mật", "date_of_birth": "1971-05-06",
             "id_number": "046071000301"}
        ],
    )  # fmt: skip
    headers = token_for(officer)
    [opened] = _scan(client, headers, here.residents[0].id, "046071000301")
    assert opened["proposed"] is None
    outside = db.session.get(Correction, opened["id"])
    assert outside.related_resident_id is None and outside.proposed_value is None
    assert str(far.residents[0].id) not in outside.note and "ngoài phạm vi" in outside.note
    assert "household_id" not in (outside.details or {})
    page = page_client(app, officer).get(f"/corrections/{outside.id}").get_data(as_text=True)
    assert "Xa Lạ Bí Mật" not in page and "1971" not in page
    # Inside the scope the holder is still named, for the reviewer to compare.
    other = make_household("20179-001", residents=[{"full_name": "Người Khác"}])
    [opened] = _scan(client, headers, other.residents[0].id, "046068000201")
    inside = db.session.get(Correction, opened["id"])
    assert inside.related_resident_id == near.residents[0].id
    assert f"#{near.residents[0].id}" in inside.note


def test_the_correction_page_hides_a_related_resident_outside_the_readers_scope(
    app, world, make_user, make_household
):
    """A correction on file naming a resident of another commune (written before the card
    scan's fix, or by an import) shows the commune's reader no name of them."""
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    here = make_household("20179-001")
    far = make_household("19777-001", residents=[{"full_name": "Xa Lạ Bí Mật"}])
    resident = here.residents[0]
    correction = Correction(
        household_id=here.id,
        resident_id=resident.id,
        hamlet_id=here.hamlet_id,
        commune_id=here.commune_id,
        province_id=here.province_id,
        field="duplicate_record",
        problem="duplicate",
        source="server",
        current_value=str(resident.id),
        related_resident_id=far.residents[0].id,
    )
    db.session.add(correction)
    db.session.commit()
    page = page_client(app, officer).get(f"/corrections/{correction.id}")
    assert page.status_code == 200
    assert "Xa Lạ Bí Mật" not in page.get_data(as_text=True)


def test_a_user_moved_to_another_unit_brings_no_trail_of_the_first(
    client, world, make_user, token_for
):
    officer = make_user("officer", "19777")
    first, second = make_user("commander", "19777"), make_user("commander", "20179")
    admin = make_user("admin", "46")
    body = new_household("046068000777", name="Beta Riêng", hamlet="19777-001")
    assert api_post(client, "/api/v1/households", token_for(officer), body)[0] == 201
    answer = client.patch(
        f"/api/v1/users/{officer.id}", json={"unit_code": "20179"}, headers=token_for(admin)
    )
    assert answer.status_code == 200, answer.get_json()
    _, theirs = api_get(client, "/api/v1/audit?per_page=200", token_for(second))
    assert "Beta Riêng" not in str(theirs)
    _, before = api_get(client, "/api/v1/audit?per_page=200", token_for(first))
    assert "Beta Riêng" in str(before)  # the first unit's commander still reads it
    # What the officer does in the new unit is read there.
    body = new_household("046068000778", name="Gamma Mới", hamlet="20179-001")
    make_user("officer", "20179")  # the commune has officers either way
    assert api_post(client, "/api/v1/households", token_for(officer), body)[0] == 201
    _, theirs = api_get(client, "/api/v1/audit?per_page=200", token_for(second))
    assert "Gamma Mới" in str(theirs)


def test_refused_visits_show_no_full_number_of_new_residents_corrections(
    client, world, make_user, make_household, token_for
):
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    commander = make_user("commander", "20179")
    household = make_household("20179-001")
    proposed = "046068000008"
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "outcome": "met",
        "location": None,
        "location_missing_reason": "timeout",
        "residents": [{"resident_id": 999_999, "presence": "present"}],  # refused: not theirs
        "new_residents": [
            {"full_name": "Em Bé", "date_of_birth": "2020",
             "corrections": [{"field": "id_number", "proposed": proposed}]}
        ],
        "note": f"số {proposed}",
    }  # fmt: skip
    status, answer = api_post(client, "/api/v1/visits", token_for(officer), body)
    assert status == 422, answer
    for user in (officer, commander):
        status, listed = api_get(client, "/api/v1/visits/rejected", token_for(user))
        assert status == 200 and listed["items"], listed
        assert proposed not in str(listed) and "********0008" in str(listed)


def _reads() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "read"))


def test_a_reveal_showing_a_proposed_number_is_audited(
    client, world, make_user, make_household, token_for
):
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    household = make_household("20179-001", residents=[{"full_name": "Không Số"}])
    resident = household.residents[0]
    headers = token_for(officer)
    proposed = "046068000888"
    correction = {"field": "id_number", "proposed": proposed}
    body = correcting_visit(household.id, resident.id, correction)
    assert api_post(client, "/api/v1/visits", headers, body)[0] == 201
    for url in (f"/api/v1/residents/{resident.id}", f"/api/v1/households/{household.id}"):
        assert proposed not in client.get(url, headers=headers).get_data(as_text=True)
        before = _reads()
        shown = client.get(f"{url}?reveal=id_number", headers=headers).get_data(as_text=True)
        assert proposed in shown
        assert _reads() == before + 1, url
    # A household whose residents hold no number at all writes no entry.
    bare = make_household("20179-001", residents=[{"full_name": "Trống Trơn"}])
    before = _reads()
    answer = client.get(f"/api/v1/households/{bare.id}?reveal=id_number", headers=headers)
    assert answer.status_code == 200
    assert _reads() == before


@pytest.mark.sqlite_only
def test_database_errors_are_logged_without_their_values(
    client, world, make_user, token_for, caplog
):
    """A database failing mid-write answers 503; its log names the statement, not the
    resident's name or number it carried."""
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    headers = token_for(officer)

    def fail(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO RESIDENTS"):
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(db.engine, "before_cursor_execute", fail)
    try:
        with caplog.at_level(logging.WARNING):
            body = new_household("046068000555", name="Log Lộ")
            answer = client.post("/api/v1/households", json=body, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", fail)
    assert answer.status_code == 503
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "INSERT INTO residents" in logged
    assert "046068000555" not in logged and "Log Lộ" not in logged
