"""Sites and residence status: kinds, rooms, residence fields, the idempotent create, warnings."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.people.models import Correction, Household, Resident, StatusChange
from tests.factories import api_get, api_post

BOARDING_HOUSE = {
    "hamlet_code": "20179-003",
    "address": "Số 12 đường Trần Phú, Thôn 3",
    "location": {"lat": 16.151, "lon": 107.69},
    "kind": "boarding_house",
    "site_name": "Nhà trọ Hoa Sữa",
    "contact_name": "Lê Thị Hoa",
    "contact_phone": "0905 123 456",
    "rooms": ["P101", "P102", "P201"],
    "residents": [
        {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "2001",
            "sex": "male",
            "residence": "temporary",
            "home_address": "Xã Quảng Phú, Thanh Hóa",
            "home_province_code": "01",
            "residence_until": "2027-06-30",
            "room": "p101",
        },
        {"full_name": "Trần Thị Bình", "date_of_birth": "2003-04-05", "sex": "female"},
    ],
}


def _site(**changes) -> dict:
    return {**BOARDING_HOUSE, "client_id": str(uuid.uuid4()), **changes}


def test_a_boarding_house_with_rooms_and_residence(client, headers, officer):
    status, answer = api_post(client, "/api/v1/households", headers, _site())
    assert status == 201, answer
    assert (answer["kind"], answer["site_name"], answer["contact_name"]) == (
        "boarding_house",
        "Nhà trọ Hoa Sữa",
        "Lê Thị Hoa",
    )
    assert (answer["contact_phone"], answer["rooms"]) == ("0905123456", ["P101", "P102", "P201"])
    assert answer["client_id"] and answer["warnings"] == []
    first, second = answer["residents"]
    assert (first["residence"], first["home_province_code"], first["room"]) == (
        "temporary",
        "01",
        "P101",  # stored as the site lists it
    )
    assert (first["home_address"], first["residence_until"]) == (
        "Xã Quảng Phú, Thanh Hóa",
        "2027-06-30",
    )
    assert (second["residence"], second["room"], second["residence_until"]) == (
        "permanent",
        None,
        None,
    )
    status, page = api_get(client, "/api/v1/households?kind=boarding_house", headers)
    assert (status, [h["id"] for h in page["items"]]) == (200, [answer["id"]])
    status, page = api_get(client, "/api/v1/households?kind=family", headers)
    assert (status, page["total"]) == (200, 0)
    status, page = api_get(client, "/api/v1/households?kind=castle", headers)
    assert status == 422 and "kind" in page["errors"]


def test_a_family_household_is_as_before(client, headers, household):
    status, one = api_get(client, f"/api/v1/households/{household.id}", headers)
    assert status == 200
    assert (one["kind"], one["site_name"], one["rooms"], one["client_id"]) == (
        "family",
        None,
        None,
        None,
    )
    assert one["residents"][0]["residence"] == "permanent"


def test_village_head_sees_no_site_contact_nor_client_id(client, headers, make_user, token_for):
    status, answer = api_post(client, "/api/v1/households", headers, _site())
    assert status == 201
    head = token_for(make_user("village_head", "20179-003"))
    status, one = api_get(client, f"/api/v1/households/{answer['id']}", head)
    assert status == 200
    assert set(one) == {"id", "code", "address", "hamlet_code", "residents"}
    assert all(set(r) == {"id", "household_id", "full_name"} for r in one["residents"])


def test_site_refusals_in_vietnamese(client, headers):
    resident = BOARDING_HOUSE["residents"][0]

    def person(**changes) -> list[dict]:
        return [{**resident, **changes}]

    cases = [
        (_site(kind="castle"), "kind"),
        (_site(site_name=None), "site_name"),
        (_site(site_name=" "), "site_name"),
        (_site(rooms=["A1", "a1"]), "rooms.1"),
        (_site(rooms=["x" * 33]), "rooms.0"),
        (_site(rooms=[f"P{i}" for i in range(501)]), "rooms"),
        (_site(residents=person(room="P999")), "residents.0.room"),
        (_site(residents=person(residence="tourist")), "residents.0.residence"),
        (_site(residents=person(home_province_code="1")), "residents.0.home_province_code"),
        (_site(residents=person(home_province_code="99")), "residents.0.home_province_code"),
        (_site(residents=person(residence_until="1900-01-01")), "residents.0.residence_until"),
        (_site(residents=person(residence_until="soon")), "residents.0.residence_until"),
        (_site(contact_phone="call me"), "contact_phone"),
        (_site(client_id="short"), "client_id"),
        (_site(client_id=12345678), "client_id"),
    ]  # fmt: skip
    for body, field in cases:
        status, answer = api_post(client, "/api/v1/households", headers, body)
        assert status == 422, (body, answer)
        assert field in answer["errors"], (field, answer)
    [message] = api_post(client, "/api/v1/households", headers, _site(site_name=None))[1]["errors"][
        "site_name"
    ]
    assert "tên" in message
    assert db.session.query(Household).count() == 0


def test_a_past_residence_end_is_history_not_an_error(client, headers):
    resident = {**BOARDING_HOUSE["residents"][0], "residence_until": "2020-01-31"}
    status, answer = api_post(client, "/api/v1/households", headers, _site(residents=[resident]))
    assert status == 201, answer
    assert answer["residents"][0]["residence_until"] == "2020-01-31"


def test_the_same_client_id_answers_the_same_household(client, headers):
    body = _site()
    status, first = api_post(client, "/api/v1/households", headers, body)
    assert status == 201
    status, again = api_post(client, "/api/v1/households", headers, body)
    assert status == 200, again
    assert again["id"] == first["id"]
    assert [r["id"] for r in again["residents"]] == [r["id"] for r in first["residents"]]
    status, other = api_post(
        client, "/api/v1/households", headers, {**body, "site_name": "Nhà trọ khác"}
    )
    assert status == 409
    assert other["current"]["id"] == first["id"] and "client_id" in other["errors"]
    assert db.session.query(Household).count() == 1
    assert db.session.query(Resident).count() == 2


def test_a_client_id_of_another_commune_is_not_revealed(client, headers, make_user, token_for):
    body = _site()
    assert api_post(client, "/api/v1/households", headers, body)[0] == 201
    stranger = token_for(make_user("officer", "19777", username="khac"))
    status, answer = api_post(client, "/api/v1/households", stranger, body)
    assert status in (404, 409)
    assert "current" not in answer


def test_a_similar_household_is_recorded_with_a_warning(client, headers, household):
    body = _site(
        address="Thôn 1 - xã Nam Đông",
        hamlet_code="20179-001",
        residents=[{"full_name": "Hồ Thị Mai", "date_of_birth": "1990", "room": "P102"}],
    )
    status, answer = api_post(client, "/api/v1/households", headers, body)
    assert status == 201, answer
    rules = sorted((w["rule"], w["household_id"]) for w in answer["warnings"])
    assert rules == [("probable_duplicate", household.id), ("same_address", household.id)]
    assert all("HO-00812" in w["message"] for w in answer["warnings"])
    opened = db.session.scalars(
        select(Correction).where(Correction.household_id == answer["id"])
    ).all()
    same = [c for c in opened if c.rule == "same_address"]
    assert len(same) == 1 and same[0].field == "duplicate_record" and same[0].source == "server"
    assert same[0].details == {"household_id": household.id, "new_household_id": answer["id"]}
    status, again = api_post(client, "/api/v1/households", headers, body)
    assert status == 200
    assert sorted(w["rule"] for w in again["warnings"]) == ["probable_duplicate", "same_address"]
    assert db.session.query(Correction).filter_by(rule="same_address").count() == 1


def test_patch_residence_fields_with_history(client, headers):
    _status, answer = api_post(client, "/api/v1/households", headers, _site())
    resident = answer["residents"][1]
    response = client.patch(
        f"/api/v1/residents/{resident['id']}",
        json={"residence": "staying", "room": "p201", "home_province_code": "46",
              "residence_until": "2026-12-31"},
        headers={**headers, "If-Match": str(resident["version"])},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["residence"], body["room"], body["home_province_code"]) == (
        "staying",
        "P201",
        "46",
    )
    fields = {c.field for c in db.session.scalars(select(StatusChange))}
    assert {"residence", "room", "home_province_code", "residence_until"} <= fields
    version = body["version"]
    for change, field in (
        ({"room": "Z9"}, "room"),
        ({"home_province_code": "77"}, "home_province_code"),
        ({"residence": None}, "residence"),
    ):
        response = client.patch(
            f"/api/v1/residents/{resident['id']}",
            json=change,
            headers={**headers, "If-Match": str(version)},
        )
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["errors"]


@pytest.fixture
def server(app):
    """The app served by werkzeug on 127.0.0.1 (threaded), for the length of a test."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    thread.join(timeout=10)


def test_concurrent_retries_make_one_household_each(backend, server, headers):
    """Ten phones' retries of five households, all at once: five households, never more."""
    bodies = [
        _site(
            address=f"Khu trọ số {n}, Thôn 3",
            residents=[{"full_name": f"Công Nhân {n}", "date_of_birth": "2000", "room": "P101"}],
        )
        for n in range(5)
    ]
    results: list[tuple[str, int, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(10)

    def phone(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
        start.wait()
        for i in range(5):
            body = bodies[(offset + i) % 5]
            conn.request(
                "POST",
                "/api/v1/households",
                body=json.dumps(body),
                headers={**headers, "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            answer = json.loads(response.read())
            with lock:
                results.append((body["client_id"], response.status, answer.get("id")))
        conn.close()

    threads = [threading.Thread(target=phone, args=(t,)) for t in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(status for _, status, _ in results) == {201: 5, 200: 45}, results[:5]
    ids = {cid: {hid for c, _, hid in results if c == cid} for cid, _, _ in results}
    assert all(len(found) == 1 for found in ids.values())
    db.session.rollback()  # a fresh snapshot: the server wrote after this session's reads
    assert db.session.scalar(select(func.count(Household.id))) == 5
    assert db.session.scalar(select(func.count(Resident.id))) == 5
