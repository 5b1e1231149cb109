"""Time rules and bad input: each a clear 4xx naming the field, the body kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.visits.models import RejectedSubmission, Visit
from tests.factories import api_get, api_post


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def test_future_and_old_visits_are_refused(client, headers, visit_body):
    status, answer = api_post(
        client, "/api/v1/visits", headers, visit_body(visited_at=iso(timedelta(minutes=20)))
    )
    assert status == 422
    assert answer["errors"]["visited_at"] == [
        "Thời điểm thăm ở tương lai (kiểm tra giờ trên điện thoại)."
    ]
    status, answer = api_post(
        client, "/api/v1/visits", headers, visit_body(visited_at=iso(-timedelta(days=31)))
    )
    assert status == 422
    assert answer["errors"]["visited_at"] == ["Thời điểm thăm cũ hơn 30 ngày, không nhận."]
    # A phone clock a few minutes fast, and a visit 29 days old, are fine.
    for delta in (timedelta(minutes=8), -timedelta(days=29)):
        status, _ = api_post(client, "/api/v1/visits", headers, visit_body(visited_at=iso(delta)))
        assert status == 201


def test_a_visit_recorded_then_sent_again_past_30_days_is_a_replay(
    client, headers, visit_body, monkeypatch
):
    """Its answer was lost; the phone sends it again much later: the same body is the same
    visit (200), another body under its client_id is a 409, not a 422 to fix for ever."""
    body = visit_body(visited_at=iso(-timedelta(days=29)))
    status, first = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201
    old = "Thời điểm thăm cũ hơn 30 ngày, không nhận."
    monkeypatch.setattr("app.visits.schemas.visited_at_problem", lambda _when: old)
    status, again = api_post(client, "/api/v1/visits", headers, body)
    assert status == 200 and again["status"] == "duplicate" and again["id"] == first["id"]
    status, changed = api_post(client, "/api/v1/visits", headers, {**body, "note": "khác"})
    assert status == 409, changed
    status, answer = api_post(
        client, "/api/v1/visits", headers, visit_body(visited_at=body["visited_at"])
    )
    assert status == 422 and answer["errors"]["visited_at"] == [old]  # a new one: refused
    assert db.session.query(Visit).count() == 1


def test_a_time_without_offset_is_vietnam_time(client, headers, visit_body):
    local = (datetime.now(UTC) + timedelta(hours=7) - timedelta(hours=2)).replace(microsecond=0)
    naive = local.replace(tzinfo=None, microsecond=0).isoformat()
    status, answer = api_post(client, "/api/v1/visits", headers, visit_body(visited_at=naive))
    assert status == 201
    visit = db.session.get(Visit, answer["id"])
    assert visit.visited_at == (local - timedelta(hours=7)).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": {"lat": 200, "lon": 107.7, "accuracy_m": 5}}, "location.lat"),
        ({"location": {"lat": "16.1", "lon": 107.7, "accuracy_m": 5}}, "location.lat"),
        ({"location": {"lat": 16.1, "lon": 107.7, "accuracy_m": True}}, "location.accuracy_m"),
        ({"location": {"lat": 16.1, "lon": 107.7}}, "location.accuracy_m"),
        ({"location": None}, "location"),
        ({"location_missing_reason": "denied"}, "location_missing_reason"),
        ({"outcome": "asleep"}, "outcome"),
        ({"household_id": "812"}, "household_id"),
        ({"household_id": 1.5}, "household_id"),
        ({"household_id": 2**40}, "household_id"),
        ({"visited_at": "yesterday"}, "visited_at"),
        ({"client_id": "x"}, "client_id"),
        ({"note": "a" * 2001}, "note"),
        ({"note": "bell\x07"}, "note"),
        ({"colour": "red"}, "colour"),
        ({"residents": [{"resident_id": 1, "eid": "level3"}]}, "residents.0.eid"),
        (
            {"residents": [{"resident_id": 1, "has_smartphone": "yes"}]},
            "residents.0.has_smartphone",
        ),
        ({"residents": [{"resident_id": 1, "has_smartphone": 1}]}, "residents.0.has_smartphone"),
        (
            {"residents": [{"resident_id": 1, "corrections": [{"field": "shoe_size"}]}]},
            "residents.0.corrections.0.field",
        ),
        ({"new_residents": [{"full_name": "  "}]}, "new_residents.0.full_name"),
        (
            {"new_residents": [{"full_name": "Lan", "date_of_birth": "2099"}]},
            "new_residents.0.date_of_birth",
        ),
        (
            {"new_residents": [{"full_name": "Lan", "date_of_birth": "09/05/2011"}]},
            "new_residents.0.date_of_birth",
        ),
        (
            {"new_residents": [{"full_name": "Lan", "id_number": "12345"}]},
            "new_residents.0.id_number",
        ),
    ],
)
def test_bad_field_is_named(client, headers, visit_body, change, field):
    body = visit_body(**change)
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 422, answer
    assert field in answer["errors"], answer
    kept = db.session.get(RejectedSubmission, answer["rejected_id"])
    assert kept.errors == answer["errors"]
    assert db.session.query(Visit).count() == 0


def test_nan_and_infinity_are_refused(client, headers, visit_body):
    body = json.dumps(visit_body()).replace('"accuracy_m": 12', '"accuracy_m": NaN')
    response = client.post(
        "/api/v1/visits", data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "location.accuracy_m": ["Không chấp nhận NaN hoặc vô cực."]
    }
    body = json.dumps(visit_body()).replace('"accuracy_m": 12', '"accuracy_m": Infinity')
    response = client.post(
        "/api/v1/visits", data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code == 422
    kept = db.session.get(RejectedSubmission, response.get_json()["rejected_id"])
    assert kept.body["location"]["accuracy_m"] == "inf"


def test_not_an_object(client, headers):
    for body in ([1, 2], "visit", None, 5):
        response = client.post(
            "/api/v1/visits",
            data=json.dumps(body),
            headers=headers,
            content_type="application/json",
        )
        assert response.status_code == 422, body
        assert response.get_json()["errors"] == {"_schema": ["Kiểu dữ liệu không hợp lệ."]}
    assert db.session.query(RejectedSubmission).count() == 4
    status, answer = api_post(client, "/api/v1/visits", headers, {})
    assert status == 422
    assert set(answer["errors"]) == {
        "client_id",
        "household_id",
        "visited_at",
        "outcome",
        "location",
    }


def test_resident_of_another_household_is_named(
    client, headers, household, visit_body, make_household
):
    other = make_household("20179-001", residents=[{"full_name": "Trần Văn Ba"}])
    body = visit_body(residents=[{"resident_id": other.residents[0].id, "presence": "present"}])
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 422
    assert list(answer["errors"]) == ["residents.0.resident_id"]
    body = visit_body(residents=[{"resident_id": 999999, "presence": "present"}])
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert (status, list(answer["errors"])) == (422, ["residents.0.resident_id"])


def test_household_outside_the_officers_commune_is_404(client, headers, visit_body, make_household):
    far = make_household("19777-001")
    status, answer = api_post(
        client, "/api/v1/visits", headers, visit_body(household_id=far.id, residents=[])
    )
    assert status == 404
    assert list(answer["errors"]) == ["household_id"]
    status, answer = api_post(
        client, "/api/v1/visits", headers, visit_body(household_id=123456, residents=[])
    )
    assert status == 404


def test_only_officers_submit(client, make_user, token_for, visit_body):
    for role, unit in (("commander", "20179"), ("village_head", "20179-001")):
        status, _ = api_post(
            client, "/api/v1/visits", token_for(make_user(role, unit)), visit_body()
        )
        assert status == 403
    assert api_post(client, "/api/v1/visits", {}, visit_body())[0] == 401


def test_same_resident_twice_is_refused(client, headers, household, visit_body):
    rid = household.residents[0].id
    body = visit_body(residents=[{"resident_id": rid}, {"resident_id": rid}])
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert (status, list(answer["errors"])) == (422, ["residents.1.resident_id"])


def test_openapi_documents_the_visit_body(client):
    status, spec = api_get(client, "/api/v1/openapi.json", {})
    assert status == 200
    body = spec["paths"]["/api/v1/visits"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/VisitIn")
    assert "client_id" in spec["components"]["schemas"]["VisitIn"]["properties"]
