"""GET /api/v1/corrections and PATCH /api/v1/corrections/<id>: review with history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.people.models import Correction, Resident, StatusChange
from tests.factories import api_get, api_post


def visit(client, headers, household, residents, new_residents=()):
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 10},
        "outcome": "met",
        "residents": residents,
        "new_residents": list(new_residents),
    }
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer
    return answer


def version_of(correction_id):
    db.session.expire_all()
    row = db.session.get(Correction, correction_id)
    return str(row.version) if row is not None else "1"


def patch(client, headers, correction_id, body):
    if body.get("status") == "fixed" and "fixed_on" not in body:
        body = {**body, "fixed_on": today_in_vietnam().isoformat()}
    response = client.patch(
        f"/api/v1/corrections/{correction_id}",
        headers={**headers, "If-Match": version_of(correction_id)},
        json=body,
    )
    return response.status_code, response.get_json()


@pytest.fixture
def reported(client, headers, household):
    """The officer reports a wrong date of birth and a wrong name for the head."""
    head = household.residents[0]
    answer = visit(
        client,
        headers,
        household,
        [
            {
                "resident_id": head.id,
                "corrections": [
                    {
                        "field": "date_of_birth",
                        "proposed": "1967-03-02",
                        "note": "theo giấy khai sinh",
                    },
                    {"field": "full_name", "proposed": "Hồ Văn Nhơ"},
                ],
            }
        ],
    )
    return {c["field"]: c["id"] for c in answer["corrections"]}


def test_list_and_filters(client, headers, household, neighbour, reported):
    status, page = api_get(client, "/api/v1/corrections", headers)
    assert status == 200 and page["total"] == 2
    item = page["items"][0]
    assert item["resident_name"] == "Hồ Văn Nhờ"
    assert item["hamlet_code"] == "20179-001"
    assert item["status"] == "open" and item["source"] == "officer"
    assert api_get(client, "/api/v1/corrections?unit=20179-002", headers)[1]["total"] == 0
    assert api_get(client, "/api/v1/corrections?unit=20179-001", headers)[1]["total"] == 2
    assert api_get(client, "/api/v1/corrections?unit=20179", headers)[1]["total"] == 2
    assert api_get(client, "/api/v1/corrections?unit=19777", headers)[1]["total"] == 0
    head = household.residents[0].id
    assert api_get(client, f"/api/v1/corrections?resident={head}", headers)[1]["total"] == 2
    assert api_get(client, "/api/v1/corrections?status=fixed", headers)[1]["total"] == 0
    assert api_get(client, "/api/v1/corrections?field=full_name", headers)[1]["total"] == 1
    assert api_get(client, "/api/v1/corrections?status=wrong", headers)[0] == 422


def test_fixed_applies_the_value_with_history(client, headers, household, reported, officer):
    head = household.residents[0]
    status, body = patch(
        client,
        headers,
        reported["date_of_birth"],
        {"status": "verified", "reason": "đã xem giấy khai sinh"},
    )
    assert (status, body["status"]) == (200, "verified")
    status, body = patch(client, headers, reported["date_of_birth"], {"status": "fixed"})
    assert (status, body["status"]) == (200, "fixed")
    assert body["resolved_at"] is not None
    status, body = patch(client, headers, reported["full_name"], {"status": "fixed"})
    assert status == 200
    resident = db.session.get(Resident, head.id)
    assert (resident.birth_date.isoformat(), resident.full_name, resident.name_folded) == (
        "1967-03-02",
        "Hồ Văn Nhơ",
        "ho van nho",
    )
    history = db.session.execute(
        select(
            StatusChange.field, StatusChange.old_value, StatusChange.new_value, StatusChange.user_id
        )
        .where(StatusChange.resident_id == head.id)
        .order_by(StatusChange.id)
    ).all()
    assert [tuple(h) for h in history] == [
        ("date_of_birth", "1968-03-02", "1967-03-02", officer.id),
        ("full_name", "Hồ Văn Nhờ", "Hồ Văn Nhơ", officer.id),
    ]
    row = db.session.get(Correction, reported["date_of_birth"])
    assert row.resolved_by_id == officer.id
    # Done is done.
    assert (
        patch(client, headers, reported["date_of_birth"], {"status": "dismissed", "reason": "x"})[0]
        == 409
    )


def test_dismissed_needs_a_reason(client, headers, reported):
    status, body = patch(client, headers, reported["full_name"], {"status": "dismissed"})
    assert (status, list(body["errors"])) == (422, ["reason"])
    status, body = patch(
        client, headers, reported["full_name"], {"status": "dismissed", "reason": "   "}
    )
    assert status == 422
    status, body = patch(
        client,
        headers,
        reported["full_name"],
        {"status": "dismissed", "reason": "tên đúng theo CCCD"},
    )
    assert (status, body["status"], body["reason"]) == (200, "dismissed", "tên đúng theo CCCD")
    assert patch(client, headers, reported["full_name"], {"status": "open"})[0] == 422


def test_fix_with_a_reviewed_value_and_bad_values(client, headers, household):
    head = household.residents[0]
    answer = visit(
        client,
        headers,
        household,
        [
            {
                "resident_id": head.id,
                "corrections": [
                    {"field": "sex", "proposed": "nữ"},
                    {"field": "id_number", "proposed": "046068000999"},
                    {"field": "relationship", "proposed": None},
                ],
            }
        ],
    )
    ids = {c["field"]: c["id"] for c in answer["corrections"]}
    status, body = patch(client, headers, ids["sex"], {"status": "fixed"})
    assert (status, list(body["errors"])) == (422, ["proposed"])
    status, body = patch(client, headers, ids["sex"], {"status": "fixed", "proposed": "female"})
    assert status == 200 and body["proposed"] == "female"
    assert db.session.get(Resident, head.id).sex == "female"
    status, body = patch(client, headers, ids["relationship"], {"status": "fixed"})
    assert (status, list(body["errors"])) == (422, ["proposed"])
    wife = household.residents[1]
    wife.id_number = "046068000999"
    db.session.commit()
    status, body = patch(client, headers, ids["id_number"], {"status": "fixed"})
    assert status == 409 and "HO-00812" in body["errors"]["id_number"][0]


def test_status_regression_fixed_applies_the_step_back(client, headers, household):
    head = household.residents[0]  # eid level1
    answer = visit(client, headers, household, [{"resident_id": head.id, "eid": "none"}])
    [correction] = answer["corrections"]
    assert db.session.get(Resident, head.id).eid == "level1"
    status, _ = patch(
        client, headers, correction["id"], {"status": "fixed", "reason": "tài khoản bị khoá"}
    )
    assert status == 200
    assert db.session.get(Resident, head.id).eid == "none"
    change = db.session.scalars(
        select(StatusChange).where(StatusChange.resident_id == head.id)
    ).one()
    assert (change.field, change.old_value, change.new_value, change.visit_id) == (
        "eid",
        "level1",
        "none",
        answer["id"],
    )


def test_dismissed_server_finding_is_not_reopened(client, headers, household):
    head = household.residents[0]
    head.birthplace, head.birthplace_code = "Nghệ An", "040"
    db.session.commit()
    answer = visit(client, headers, household, [{"resident_id": head.id}])
    [finding] = answer["corrections"]
    assert finding["rule"] == "id_birthplace"
    assert (
        patch(
            client,
            headers,
            finding["id"],
            {"status": "dismissed", "reason": "đăng ký khai sinh ở Huế"},
        )[0]
        == 200
    )
    assert visit(client, headers, household, [{"resident_id": head.id}])["corrections"] == []


def test_review_roles_and_scope(client, headers, reported, make_user, token_for):
    cid = reported["full_name"]
    head = token_for(make_user("village_head", "20179-001"))
    assert api_get(client, "/api/v1/corrections", head)[0] == 403
    assert patch(client, head, cid, {"status": "verified"})[0] == 403
    far = token_for(make_user("commander", "19777"))
    assert api_get(client, "/api/v1/corrections", far)[1]["total"] == 0
    assert patch(client, far, cid, {"status": "verified"})[0] == 404
    commander = token_for(make_user("commander", "46"))
    assert patch(client, commander, cid, {"status": "verified"})[0] == 200
    assert patch(client, headers, 999999, {"status": "verified"})[0] == 404


def test_duplicate_candidates_read_by_arrays_are_those_read_by_a_list(make_household, monkeypatch):
    """A batch's candidates, read on PostgreSQL with one array per key column (from
    `KEYS_AS_ARRAYS` keys on), are the rows the plain IN list reads: same name, year and
    commune (or the same ID number, read by an array too); none of another year."""
    from app.people import corrections

    twins = [
        make_household("20179-001", residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02"},
            {"full_name": "Lê Thị Lan", "date_of_birth": "1990", "id_number": "046190000321"},
        ]),
        make_household("20179-002", residents=[
            {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-07-07"},
            {"full_name": "Lê Thị Lan", "date_of_birth": "1991"},
            {"full_name": "Lê Thị Lành", "date_of_birth": "1985", "id_number": "046185000777"},
        ]),
    ]  # fmt: skip
    db.session.commit()
    residents = list(twins[0].residents)

    def read(threshold: int) -> dict:
        monkeypatch.setattr(corrections, "KEYS_AS_ARRAYS", threshold)
        found = corrections._Candidates()
        found.cover(residents)
        return {r.full_name: sorted(c.id for c in found.of([r])) for r in residents}

    by_list, by_arrays = read(1000), read(1)
    assert by_list == by_arrays
    assert len(by_list["Hồ Văn Nhờ"]) == 2  # himself and his namesake of the same year
    assert len(by_list["Lê Thị Lan"]) == 1  # her namesake was born a year later
