"""A visit naming `household_client_id`: the household a phone created offline, sent first."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.extensions import db
from app.people.models import Resident, StatusChange
from app.visits.models import RejectedSubmission, Visit
from tests.factories import api_post
from tests.visits.conftest import an_hour_ago

SITE_CLIENT_ID = "phone-1:household:0001"


def _site(**changes) -> dict:
    return {
        "client_id": SITE_CLIENT_ID,
        "hamlet_code": "20179-001",
        "address": "Khu trọ số 5, Thôn 1",
        "location": {"lat": 16.151, "lon": 107.69},
        "kind": "boarding_house",
        "site_name": "Khu trọ Bình An",
        "rooms": ["A1", "A2", "B1"],
        "residents": [
            {
                "full_name": "Lò Văn Sáng",
                "date_of_birth": "2000",
                "sex": "male",
                "room": "A1",
                "residence": "temporary",
                "home_province_code": "01",
            },
        ],
        **changes,
    }


def _visit(**changes) -> dict:
    body = {
        "client_id": str(uuid.uuid4()),
        "household_client_id": SITE_CLIENT_ID,
        "visited_at": an_hour_ago(),
        "location": {"lat": 16.151, "lon": 107.69, "accuracy_m": 10},
        "outcome": "met",
        "new_residents": [
            {
                "full_name": "Vàng Thị Mỷ",
                "date_of_birth": "2004",
                "sex": "female",
                "residence": "staying",
                "residence_until": "2027-01-15",
                "room": "b1",
                "home_address": "Bản Pắc Ngà, Sơn La",
                "home_province_code": "46",
            },
        ],
        **changes,
    }
    return body


def test_visit_names_the_household_by_client_id(client, headers, officer):
    status, site = api_post(client, "/api/v1/households", headers, _site())
    assert status == 201, site
    sang = site["residents"][0]
    body = _visit(
        residents=[{"resident_id": sang["id"], "presence": "present", "room": "a2",
                    "residence_until": "2026-12-31"}]
    )  # fmt: skip
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer
    assert answer["household_id"] == site["id"]
    visit = db.session.get(Visit, answer["id"])
    assert visit.household_id == site["id"]
    new = db.session.get(Resident, answer["new_residents"][0]["id"])
    assert (new.residence, new.room, new.residence_until.isoformat()) == (
        "staying",
        "B1",
        "2027-01-15",
    )
    assert (new.home_address, new.home_province_code) == ("Bản Pắc Ngà, Sơn La", "46")
    seen = db.session.get(Resident, sang["id"])
    assert (seen.room, seen.residence_until.isoformat()) == ("A2", "2026-12-31")
    changed = {
        c.field
        for c in db.session.scalars(select(StatusChange).where(StatusChange.visit_id == visit.id))
    }
    assert {"room", "residence_until"} <= changed
    status, again = api_post(client, "/api/v1/visits", headers, body)
    assert (status, again["status"], again["id"]) == (200, "duplicate", answer["id"])


def test_unknown_client_id_is_refused_kept_and_resolved_later(client, headers, officer):
    body = _visit()
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 404, answer
    assert "household_client_id" in answer["errors"] and answer["retry"] is True
    kept = db.session.scalar(select(RejectedSubmission))
    assert kept.client_id == body["client_id"] and kept.household_id is None
    assert api_post(client, "/api/v1/households", headers, _site())[0] == 201
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer
    db.session.refresh(kept)
    assert kept.resolved_by_visit_id == answer["id"]


def test_a_batch_mixes_household_id_and_client_id(client, headers, visit_body):
    assert api_post(client, "/api/v1/households", headers, _site())[0] == 201
    items = [visit_body(), _visit(), _visit(household_client_id="phone-1:household:9999")]
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": items})
    assert status == 200
    assert [r["status"] for r in answer["results"]] == ["created", "created", "rejected"]
    assert answer["results"][2]["retry"] is True
    assert "household_client_id" in answer["results"][2]["errors"]


def test_exactly_one_household_reference(client, headers, visit_body):
    assert api_post(client, "/api/v1/households", headers, _site())[0] == 201
    both = visit_body(household_client_id=SITE_CLIENT_ID)
    neither = _visit(household_client_id=None)
    bad = _visit(household_client_id="x")
    for body, field in (
        (both, "household_client_id"),
        (neither, "household_id"),
        (bad, "household_client_id"),
    ):
        status, answer = api_post(client, "/api/v1/visits", headers, body)
        assert status == 422, answer
        assert field in answer["errors"], answer


def test_a_household_outside_the_officer_scope_is_unknown(client, headers, make_user, token_for):
    assert api_post(client, "/api/v1/households", headers, _site())[0] == 201
    elsewhere = token_for(make_user("officer", "19777", username="khac"))
    status, answer = api_post(client, "/api/v1/visits", elsewhere, _visit())
    assert status == 404, answer
    assert "household_client_id" in answer["errors"]
    # It is on file: sending again would not change that (a moved officer's visit), so the
    # phone is not told to retry it for ever; it is refused, to fix or give up.
    assert "retry" not in answer


def test_rooms_and_provinces_are_checked_in_a_visit(client, headers):
    assert api_post(client, "/api/v1/households", headers, _site())[0] == 201
    person = _visit()["new_residents"][0]
    for changes, field in (
        ({"room": "Z1"}, "new_residents.0.room"),
        ({"home_province_code": "99"}, "new_residents.0.home_province_code"),
        ({"residence": "tourist"}, "new_residents.0.residence"),
    ):
        status, answer = api_post(
            client, "/api/v1/visits", headers, _visit(new_residents=[{**person, **changes}])
        )
        assert status == 422, answer
        assert field in answer["errors"], answer
