"""POST /api/v1/residents/<id>/card-scan: the card's QR code compared with the record."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from app.people.cardqr import QR_PARTS
from app.people.cards import resident_renewal_due
from app.people.models import CardScan, Correction, Resident, StatusChange
from app.people.signals import resident_changed
from tests.factories import api_post

ADDRESS = "Thôn 1, Xã Nam Đông, Huyện Nam Đông, Thừa Thiên Huế"
HEAD_CARD = f"046068000123|183456789|Hồ Văn Nhơn|02031968|Nam|{ADDRESS}|15042021"
WIFE_CARD = f"046190000456||Hồ Thị Mai|15061990|Nữ|{ADDRESS}|10052022"


def scan(client, headers, resident_id, qr, client_id="scan-0001"):
    body = {"client_id": client_id, "qr": qr}
    return api_post(client, f"/api/v1/residents/{resident_id}/card-scan", headers, body)


def card_corrections(resident_id):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Correction).where(
                Correction.resident_id == resident_id, Correction.source == "card_scan"
            )
        )
    )


def test_a_different_name_opens_one_correction_and_keeps_the_record(client, headers, household):
    head = household.residents[0]
    status, answer = scan(client, headers, head.id, HEAD_CARD)
    assert status == 201, answer
    assert answer["fields"] == {
        "id_number": "********0123",
        "old_id_number": "*********",
        "full_name": "Hồ Văn Nhơn",
        "date_of_birth": "1968-03-02",
        "sex": "male",
        "address": ADDRESS,
        "card_issued_on": "2021-04-15",
    }
    assert [d for d in answer["differences"] if d["field"] == "full_name"] == [
        {
            "field": "full_name",
            "on_file": "Hồ Văn Nhờ",
            "on_card": "Hồ Văn Nhơn",
            "outcome": "correction",
        }
    ]
    [opened] = answer["corrections"]
    assert opened["field"] == "full_name" and opened["source"] == "card_scan"
    assert opened["proposed"] == "Hồ Văn Nhơn"
    assert "046068000123" not in json.dumps(answer) and "183456789" not in json.dumps(answer)
    [row] = card_corrections(head.id)
    assert row.rule == "card_full_name" and row.details["card"]["id_number"] == "********0123"
    resident = db.session.get(Resident, head.id)
    assert resident.full_name == "Hồ Văn Nhờ"  # never overwritten
    assert resident.card_issued_on.isoformat() == "2021-04-15"  # empty on file: filled
    read = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.object_id == str(head.id))
    ).one()
    assert read.changes["field"] == "card_scan" and read.changes["id_number"] == "********0123"


def test_the_same_client_id_answers_the_same_and_another_body_conflicts(client, headers, household):
    head = household.residents[0]
    first = scan(client, headers, head.id, HEAD_CARD)
    again = scan(client, headers, head.id, HEAD_CARD)
    assert first[0] == 201 and again[0] == 200
    assert again[1] == first[1]
    status, answer = scan(client, headers, head.id, HEAD_CARD.replace("Nhơn", "Nhớn"))
    assert status == 409 and "client_id" in answer["errors"]
    assert db.session.scalar(select(db.func.count()).select_from(CardScan)) == 1


def test_a_rescan_does_not_open_the_same_correction_twice(client, headers, household):
    head = household.residents[0]
    scan(client, headers, head.id, HEAD_CARD, "scan-0001")
    status, answer = scan(client, headers, head.id, HEAD_CARD, "scan-0002")
    assert status == 201
    assert [c["field"] for c in answer["corrections"]] == ["full_name"]
    assert len(card_corrections(head.id)) == 1


def test_what_the_record_lacks_is_filled_with_history(client, headers, household):
    wife = household.residents[1]  # year 1990 only, no ID number
    status, answer = scan(client, headers, wife.id, WIFE_CARD)
    assert status == 201, answer
    outcomes = {d["field"]: d["outcome"] for d in answer["differences"]}
    assert outcomes == {"id_number": "filled", "card_issued_on": "filled"}
    assert answer["corrections"] == []
    resident = db.session.get(Resident, wife.id)
    assert resident.id_number == "046190000456"
    assert resident.birth_year == 1990 and resident.birth_date is None  # the year agrees
    changes = db.session.scalars(
        select(StatusChange.field).where(StatusChange.resident_id == wife.id)
    ).all()
    assert set(changes) == {"id_number", "card_issued_on"}


def test_a_year_on_file_that_differs_is_a_correction(client, headers, household):
    wife = household.residents[1]
    status, answer = scan(client, headers, wife.id, WIFE_CARD.replace("15061990", "15061991"))
    assert status == 201
    [difference] = [d for d in answer["differences"] if d["field"] == "date_of_birth"]
    assert difference["on_file"] == "1990" and difference["on_card"] == "1991-06-15"
    assert [c.field for c in card_corrections(wife.id)] == ["date_of_birth"]


def test_a_number_another_resident_holds_is_flagged_never_filled(client, headers, household):
    head, wife = household.residents
    card = WIFE_CARD.replace("046190000456", "046068000123")
    status, answer = scan(client, headers, wife.id, card)
    assert status == 201, answer
    [opened] = answer["corrections"]
    assert opened["field"] == "duplicate_record"
    assert db.session.get(Resident, wife.id).id_number is None
    [row] = card_corrections(wife.id)
    assert row.related_resident_id == head.id and row.problem == "duplicate"
    assert [d["outcome"] for d in answer["differences"] if d["field"] == "id_number"] == [
        "duplicate"
    ]


def test_a_different_number_and_sex_on_file_are_corrections(client, headers, household):
    head = household.residents[0]
    card = HEAD_CARD.replace("046068000123", "046068000999").replace("|Nam|", "|Nữ|")
    status, answer = scan(client, headers, head.id, card)
    assert status == 201
    fields = sorted(d["field"] for d in answer["differences"])
    assert fields == ["card_issued_on", "full_name", "id_number", "sex"]
    [number] = [d for d in answer["differences"] if d["field"] == "id_number"]
    assert number["on_file"] == "********0123" and number["on_card"] == "********0999"
    assert db.session.get(Resident, head.id).id_number == "046068000123"


def test_unreadable_texts_answer_422_with_the_reason(client, headers, household):
    head = household.residents[0]
    cases = {
        "046068000123,183456789,Hồ Văn Nhờ": ("dấu |", "qr"),
        "04606800012|183456789|Hồ Văn Nhờ|02031968|Nam|x|15042021": ("12 chữ số", "id_number"),
        "046068000123||Hồ Văn Nhờ|31022000|Nam|x|15042021": ("31022000", "date_of_birth"),
        "046068000123||Hồ Văn Nhờ": ("ngày sinh", "date_of_birth"),
        "046068000123||Hồ Văn Nhờ|02031968|Nam": ("nơi thường trú", "address"),
    }
    for index, (text, (words, part)) in enumerate(cases.items()):
        status, answer = scan(client, headers, head.id, text, f"bad-scan-{index:04d}")
        assert status == 422, answer
        assert words in answer["message"] and answer["errors"]["qr"]
        assert answer["part"] == part  # documented: CardScanRefusedOut, one of QR_PARTS
        assert part in QR_PARTS
    for body in ({"client_id": "bad-scan-0009", "qr": "\x00\x01PNG"}, {"qr": "x|y"}, {}):
        response = client.post(f"/api/v1/residents/{head.id}/card-scan", headers=headers, json=body)
        assert response.status_code == 422, body
    assert db.session.scalar(select(db.func.count()).select_from(CardScan)) == 0


def test_outside_scope_is_not_found(client, make_user, token_for, household):
    outsider = make_user("officer", "19777", username="canbo_khac")
    status, _ = scan(client, token_for(outsider), household.residents[0].id, HEAD_CARD)
    assert status == 404
    village_head = make_user("village_head", "20179-001", username="truongthon")
    status, _ = scan(client, token_for(village_head), household.residents[0].id, HEAD_CARD)
    assert status == 403
    status, _ = scan(client, token_for(outsider), 999999, HEAD_CARD)
    assert status == 404
    assert card_corrections(household.residents[0].id) == []


def test_the_correction_page_shows_the_card_as_evidence(client, headers, household):
    head = household.residents[0]
    _status, answer = scan(client, headers, head.id, HEAD_CARD)
    [opened] = answer["corrections"]
    response = client.post("/login", data={"username": "canbo", "password": "secret-pass"})
    assert response.status_code in (302, 303)
    page = client.get(f"/corrections/{opened['id']}").get_data(as_text=True)
    evidence = page.split('id="card-evidence">', 1)[1].split("</dd>", 1)[0]
    assert "Hồ Văn Nhơn" in evidence and "1968-03-02" in evidence and "Nam" in evidence
    assert "********0123" in evidence and "2021-04-15" in evidence
    assert "046068000123" not in page


def test_a_scan_that_fills_the_issue_date_keeps_the_renewal_date_and_tells_the_rules(
    client, headers, household
):
    heard = []

    def receiver(resident, **kw):
        heard.append((resident.id, sorted(kw["fields"]), kw["actor"].username))

    resident_changed.connect(receiver)
    try:
        wife = household.residents[1]
        scan(client, headers, wife.id, WIFE_CARD)
    finally:
        resident_changed.disconnect(receiver)
    assert heard == [(wife.id, ["card_issued_on"], "canbo")]
    db.session.refresh(wife)
    assert wife.card_issued_on is not None
    assert wife.card_renewal_due == resident_renewal_due(wife)
