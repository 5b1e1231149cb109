"""Least privilege for ID numbers: masked in every answer, in full only when asked and audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from tests.factories import api_get
from tests.people.test_corrections import patch as patch_correction
from tests.people.test_corrections import visit

FULL = "046068000123"
MASKED = "********0123"
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 13; SM-A145F) Chrome/126.0 Mobile Safari/537.36"


def reads() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read")))


def full_numbers_in(body) -> bool:
    """Tell whether an answer carries any 12-digit number of the test household in full."""
    text = json.dumps(body)
    return FULL in text or "046068000999" in text or "046068000555" in text


@pytest.fixture
def changed(client, headers, household):
    """The head's ID number was changed once (history) and a visit proposed another."""
    head = household.residents[0]
    response = client.patch(
        f"/api/v1/residents/{head.id}",
        headers={**headers, "If-Match": "1"},
        json={"id_number": "046068000555"},
    )
    assert response.status_code == 200
    assert response.get_json()["id_number"] == "********0555"
    answer = visit(
        client,
        headers,
        household,
        [{"resident_id": head.id, "corrections": [{"field": "id_number", "proposed": FULL}]}],
    )
    [opened] = answer["corrections"]
    assert opened["field"] == "id_number" and opened["proposed"] == MASKED
    assert not full_numbers_in(answer)
    return head


def test_every_answer_masks_without_reveal(client, headers, household, changed):
    head = changed
    answers = [
        api_get(client, f"/api/v1/residents/{head.id}", headers)[1],
        api_get(client, f"/api/v1/households/{household.id}", headers)[1],
        api_get(client, "/api/v1/households?hamlet=20179-001", headers)[1],
        api_get(client, "/api/v1/corrections", headers)[1],
        api_get(client, "/api/v1/visits", headers)[1],
    ]
    for body in answers:
        assert not full_numbers_in(body), body
    detail = answers[0]
    assert detail["id_number"] == "********0555"
    assert detail["history"][0]["old"] == MASKED and detail["history"][0]["new"] == "********0555"
    assert detail["corrections"][0]["proposed"] == MASKED
    assert reads() == []


def test_stale_patch_answers_the_current_record_masked(client, headers, household):
    head = household.residents[0]
    url = f"/api/v1/residents/{head.id}"
    response = client.patch(url, headers={**headers, "If-Match": "7"}, json={"eid": "none"})
    assert response.status_code == 409
    assert response.get_json()["current"]["id_number"] == MASKED


def test_reveal_shows_the_full_number_and_writes_one_read(client, headers, household, changed):
    head = changed
    response = client.get(
        f"/api/v1/residents/{head.id}?reveal=id_number&client=phone:visit-form",
        headers={**headers, "User-Agent": PHONE_AGENT},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["id_number"] == "046068000555"
    assert body["history"][0]["old"] == FULL
    assert body["corrections"][0]["proposed"] == FULL
    [entry] = reads()
    assert (entry.object_type, entry.object_id) == ("residents", str(head.id))
    assert entry.user_id is not None and entry.at is not None
    assert entry.changes["client"] == "phone:visit-form"
    assert entry.changes["field"] == "id_number"
    assert "Android 13" in entry.changes["user_agent"]
    # The next answer, not asking, is masked again.
    assert (
        api_get(client, f"/api/v1/residents/{head.id}", headers)[1]["id_number"]
        != body["id_number"]
    )
    assert len(reads()) == 1


def test_reveal_takes_the_client_from_the_header(client, headers, household):
    head = household.residents[0]
    response = client.get(
        f"/api/v1/residents/{head.id}?reveal=id_number",
        headers={**headers, "X-Client": "web:resident-page"},
    )
    assert response.status_code == 200 and response.get_json()["id_number"] == FULL
    [entry] = reads()
    assert entry.changes["client"] == "web:resident-page"


def test_household_reveal_names_each_resident_with_a_number(
    client, headers, household, make_user, token_for
):
    commander = token_for(make_user("commander", "46"))
    status, body = api_get(client, f"/api/v1/households/{household.id}?reveal=id_number", commander)
    assert status == 200
    numbers = [r["id_number"] for r in body["residents"]]
    assert FULL in numbers
    entries = reads()
    with_number = [r for r in household.residents if r.id_number]
    assert sorted(e.object_id for e in entries) == sorted(str(r.id) for r in with_number)
    assert all(e.changes["household_id"] == household.id for e in entries)
    assert all(e.object_type == "residents" for e in entries)


@pytest.mark.parametrize(
    "query",
    [
        "reveal=phone",
        "reveal=",
        "reveal=id_number&client=" + "x" * 80,
        "reveal=id_number&client=<b>",
    ],
)
def test_bad_reveal_or_client_is_422(client, headers, household, query):
    head = household.residents[0]
    for url in (f"/api/v1/residents/{head.id}", f"/api/v1/households/{household.id}"):
        response = client.get(f"{url}?{query}", headers=headers)
        assert response.status_code == 422
        assert response.is_json and response.get_json()["errors"]
    assert reads() == []


def test_village_head_never_gets_numbers(client, household, make_user, token_for):
    head = token_for(make_user("village_head", "20179-001"))
    resident = household.residents[0]
    status, body = api_get(client, f"/api/v1/households/{household.id}", head)
    assert status == 200 and "id_number" not in body["residents"][0]
    status, body = api_get(client, f"/api/v1/households/{household.id}?reveal=id_number", head)
    assert status == 403 and body["message"] and not full_numbers_in(body)
    status, body = api_get(client, f"/api/v1/residents/{resident.id}?reveal=id_number", head)
    assert status == 403 and not full_numbers_in(body)
    assert reads() == []


def test_reveal_outside_scope_is_404_and_unrecorded(client, neighbour, make_user, token_for):
    elsewhere = token_for(make_user("commander", "00004"))
    resident = neighbour.residents[0]
    url = f"/api/v1/residents/{resident.id}?reveal=id_number"
    status, _body = api_get(client, url, elsewhere)
    assert status == 404
    assert reads() == []


def test_commander_reviews_a_proposed_number_in_full_by_revealing(
    client, headers, household, changed, make_user, token_for
):
    commander = token_for(make_user("commander", "46"))
    listed = api_get(client, "/api/v1/corrections?status=open", commander)[1]["items"]
    [proposed] = [c for c in listed if c["field"] == "id_number"]
    assert proposed["proposed"] == MASKED
    detail = api_get(client, f"/api/v1/residents/{changed.id}?reveal=id_number", commander)[1]
    assert detail["corrections"][0]["proposed"] == FULL
    status, body = patch_correction(client, commander, proposed["id"], {"status": "fixed"})
    assert status == 200 and body["proposed"] == MASKED


def test_refused_submission_answers_its_numbers_masked(client, headers, household):
    head = household.residents[0]
    body = {
        "client_id": "phone-0001-refused",
        "household_id": household.id,
        "visited_at": "2020-01-01T00:00:00+07:00",
        "outcome": "met",
        "location_missing_reason": "denied",
        "residents": [
            {
                "resident_id": head.id,
                "corrections": [{"field": "id_number", "proposed": "046068000999"}],
            }
        ],
        "new_residents": [{"full_name": "Hồ Thị Mới", "id_number": "046068000555"}],
    }
    response = client.post("/api/v1/visits", headers=headers, json=body)
    assert response.status_code == 422, response.get_json()
    status, page = api_get(client, "/api/v1/visits/rejected", headers)
    assert status == 200 and page["total"] == 1
    kept = page["items"][0]["body"]
    assert kept["new_residents"][0]["id_number"] == "********0555"
    assert kept["residents"][0]["corrections"][0]["proposed"] == "********0999"
    assert not full_numbers_in(page)
