"""POST/GET /api/v1/returnees: a village head's flags, in their own hamlet only."""

from __future__ import annotations

from datetime import timedelta

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup, Returnee
from app.people.models import Resident
from tests.factories import api_get, api_post
from tests.followups.conftest import HAMLET1, HAMLET2, open_followups

URL = "/api/v1/returnees"


def flag(**body) -> dict:
    return {"returned_on": str(today_in_vietnam()), **body}


def test_a_village_head_flags_only_in_their_own_hamlet(people, make_household, client, token_for):
    mine = make_household(HAMLET1, residents=[{"full_name": "Trong Thôn"}])
    theirs = make_household(HAMLET2, residents=[{"full_name": "Thôn Khác"}])
    headers = token_for(people.head)
    assert api_post(client, URL, headers, flag(resident_id=mine.residents[0].id))[0] == 201
    status, body = api_post(client, URL, headers, flag(resident_id=theirs.residents[0].id))
    assert status == 404 and "resident_id" in body["errors"]
    status, body = api_post(client, URL, headers, flag(full_name="Ai Đó", household_id=theirs.id))
    assert status == 404 and "household_id" in body["errors"]
    status, body = api_post(client, URL, headers, flag(full_name="Ai Đó", hamlet_code=HAMLET2))
    assert status == 404 and "hamlet_code" in body["errors"]
    assert Returnee.query.count() == 1
    assert len(open_followups()) == 1


def test_input_is_checked_by_field(people, make_household, client, token_for):
    household = make_household(HAMLET1)
    headers = token_for(people.head)
    resident_id = household.residents[0].id
    cases = [
        ({"returned_on": str(today_in_vietnam())}, "full_name"),
        (flag(resident_id=resident_id, full_name="Hai Cách"), "full_name"),
        ({"resident_id": resident_id}, "returned_on"),
        (
            flag(resident_id=resident_id, leaving_on=str(today_in_vietnam() - timedelta(days=1))),
            "leaving_on",
        ),
        (
            flag(
                resident_id=resident_id, returned_on=str(today_in_vietnam() + timedelta(days=400))
            ),
            "returned_on",
        ),
        (flag(resident_id=resident_id, phone="gọi tôi"), "phone"),
        (flag(resident_id=resident_id, surprise=1), "surprise"),
        (flag(full_name="Không Hộ"), None),  # a village head's own hamlet is implied
    ]
    for body, path in cases:
        status, answer = api_post(client, URL, headers, body)
        if path is None:
            assert status == 201, answer
        else:
            assert status == 422, (body, answer)
            assert path in answer["errors"], (body, answer)


def test_a_new_name_in_a_household_becomes_a_pending_resident_once(
    people, make_household, client, token_for
):
    household = make_household(HAMLET1, residents=[{"full_name": "Chủ Hộ"}])
    headers = token_for(people.head)
    body = flag(full_name="hồ  văn  mới", household_id=household.id, phone="0912345678")
    status, first = api_post(client, URL, headers, body)
    assert status == 201, first
    resident = db.session.get(Resident, first["resident_id"])
    assert (resident.full_name, resident.pending, resident.phone) == (
        "Hồ Văn Mới",
        True,
        "0912345678",
    )
    assert resident.household_id == household.id
    # The phone never heard the answer and sends the same flag again: the first one answers.
    status, again = api_post(client, URL, headers, body)
    assert status == 200 and again["id"] == first["id"]
    assert Resident.query.filter_by(household_id=household.id).count() == 2
    # Flagged again later with a leaving date: the open visit is kept, and made urgent.
    soon = flag(
        resident_id=resident.id,
        leaving_on=str(today_in_vietnam() + timedelta(days=1)),
        note="đi sớm",
    )
    status, later = api_post(client, URL, headers, soon)
    assert status == 201 and later["id"] != first["id"]
    assert later["followup"]["id"] == first["followup"]["id"]
    [visit] = open_followups(household_id=household.id)
    assert (visit.priority, visit.rule) == (0, "returnee_leaving")


def test_a_known_resident_keeps_presence_until_the_visit_and_records_the_return(
    people, make_household, client, token_for
):
    household = make_household(
        HAMLET1, residents=[{"full_name": "Đi Làm", "presence": "away_working"}]
    )
    person = household.residents[0]
    returned = today_in_vietnam() - timedelta(days=4)
    status, body = api_post(
        client, URL, token_for(people.head), flag(resident_id=person.id, returned_on=str(returned))
    )
    assert status == 201, body
    db.session.refresh(person)
    assert (person.presence, person.away_until) == ("away_working", returned)
    assert body["followup"]["due_date"] == str(today_in_vietnam())  # the return date is past: today


def test_a_name_alone_is_answered_by_a_visit_that_finds_that_person(
    people, make_household, client, token_for, visit
):
    status, body = api_post(client, URL, token_for(people.head), flag(full_name="Lê Thị Hoa"))
    assert status == 201, body
    assert (body["household_id"], body["resident_id"], body["hamlet_code"]) == (None, None, HAMLET1)
    followup = db.session.get(Followup, body["followup"]["id"])
    assert (followup.household_id, followup.lat, followup.hamlet_id) == (
        None,
        None,
        people.head.unit_id,
    )
    household = make_household(HAMLET1, residents=[{"full_name": "Chủ Hộ"}])
    answer = visit(
        people.officer,
        household,
        residents=[{"resident_id": household.residents[0].id, "presence": "present"}],
        new_residents=[{"full_name": "Le Thi Hoa", "date_of_birth": "1999"}],
    )
    assert followup.status == "done" and followup.closed_by_visit_id == answer["id"]
    status, listed = api_get(client, URL, token_for(people.head))
    [item] = listed["items"]
    assert item["visited"] is True and item["visit_id"] == answer["id"]
    assert item["household_id"] == household.id and item["resident_id"] is not None


def test_the_list_shows_whether_each_flags_visit_happened(
    people, make_household, client, token_for, visit, make_user
):
    household = make_household(HAMLET1, residents=[{"full_name": "A"}, {"full_name": "B"}])
    first, second = household.residents
    headers = token_for(people.head)
    api_post(client, URL, headers, flag(resident_id=first.id))
    api_post(client, URL, headers, flag(resident_id=second.id))
    answer = visit(
        people.officer, household, residents=[{"resident_id": first.id, "presence": "present"}]
    )
    status, body = api_get(client, f"{URL}?hamlet={HAMLET1}", headers)
    assert status == 200 and body["total"] == 2
    by_person = {i["resident_id"]: i for i in body["items"]}
    assert by_person[first.id]["visited"] is True
    assert by_person[first.id]["followup"]["closed_by_visit_id"] == answer["id"]
    assert by_person[first.id]["followup_status"] == "done"
    assert by_person[second.id]["visited"] is False
    assert by_person[second.id]["followup"]["status"] == "open"
    # Officers and commanders of the commune see them; another hamlet's head does not.
    assert api_get(client, URL, token_for(people.commander))[1]["total"] == 2
    other_head = make_user("village_head", HAMLET2)
    assert api_get(client, URL, token_for(other_head))[1]["total"] == 0
    assert api_get(client, f"{URL}?hamlet={HAMLET1}", token_for(other_head))[1]["total"] == 0


def test_an_officer_flags_a_name_alone_with_a_hamlet(people, client, token_for):
    headers = token_for(people.officer)
    status, body = api_post(client, URL, headers, flag(full_name="Phan Văn Tư"))
    assert status == 422 and "hamlet_code" in body["errors"]
    status, body = api_post(
        client, URL, headers, flag(full_name="Phan Văn Tư", hamlet_code=HAMLET2)
    )
    assert status == 201, body
    assert body["followup"]["assignee_id"] == people.other_hamlet_officer.id


def test_a_flag_names_where_a_worker_is_away(people, make_household, client, token_for):
    household = make_household(HAMLET1, residents=[{"full_name": "Đi Làm Xa"}])
    headers = token_for(people.head)
    body = flag(
        resident_id=household.residents[0].id,
        away_province_code="01",
        away_address="KCN Thăng Long, Hà Nội",
    )
    status, answer = api_post(client, URL, headers, body)
    assert status == 201, answer
    assert (answer["away_province_code"], answer["away_address"]) == (
        "01",
        "KCN Thăng Long, Hà Nội",
    )
    status, page = api_get(client, URL, headers)
    assert page["items"][0]["away_province_code"] == "01"
    for code in ("99", "1", "ab"):
        status, answer = api_post(client, URL, headers, {**body, "away_province_code": code})
        assert status == 422 and "away_province_code" in answer["errors"], answer
    status, answer = api_post(client, URL, headers, {**body, "away_address": "x" * 301})
    assert status == 422 and "away_address" in answer["errors"]
