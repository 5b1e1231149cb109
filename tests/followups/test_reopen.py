"""Reopening a follow-up by hand (PATCH status back to open) never makes a duplicate: another
open one of the same kind for the same person or household answers 409, naming it."""

from __future__ import annotations

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from tests.factories import api_post
from tests.followups.conftest import HAMLET1


def patch(client, headers, followup_id, body):
    response = client.patch(f"/api/v1/followups/{followup_id}", headers=headers, json=body)
    return response.status_code, response.get_json()


def status_of(followup_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Followup, followup_id).status


def test_reopening_next_to_an_open_one_for_the_same_person_is_a_409(
    people, make_household, place_followup, client, token_for
):
    household = make_household(HAMLET1, residents=[{"full_name": "Hồ Thị Lan"}, {"full_name": "B"}])
    lan, other = household.residents
    first = place_followup(household, people.officer, kind="id_capture")
    first.resident_id = lan.id
    db.session.commit()
    headers = token_for(people.officer)
    assert patch(client, headers, first.id, {"status": "done"})[0] == 200
    # Another capture for Lan opened since (at home counts as the same).
    second = place_followup(household, people.officer, kind="id_capture_at_home")
    second.resident_id = lan.id
    db.session.commit()
    status, body = patch(client, headers, first.id, {"status": "open"})
    assert status == 409, body
    due = second.due_date.strftime("%d/%m/%Y")
    assert body["message"] == (
        f"Không mở lại được: việc “Thu nhận căn cước tại nhà” số {second.id} đang mở "
        f"cho Hồ Thị Lan, hạn {due}."
    )
    assert body["errors"] == {"status": [f"Trùng với việc số {second.id} đang mở."]}
    assert status_of(first.id) == "done"
    # A commander is refused the same way.
    assert patch(client, token_for(people.commander), first.id, {"status": "open"})[0] == 409
    # Once the other is closed, reopening is fine; the open one of another person is no twin.
    assert patch(client, headers, second.id, {"status": "cancelled"})[0] == 200
    third = place_followup(household, people.officer, kind="id_capture")
    third.resident_id = other.id
    db.session.commit()
    status, body = patch(client, headers, first.id, {"status": "open"})
    assert status == 200 and body["status"] == "open"


def test_reopening_a_household_revisit_next_to_an_open_one_is_a_409(
    people, make_household, place_followup, client, token_for
):
    household = make_household(HAMLET1)
    old = place_followup(household, people.officer, kind="revisit")
    headers = token_for(people.commander)
    assert patch(client, headers, old.id, {"status": "done"})[0] == 200
    current = place_followup(household, people.colleague, kind="revisit")
    status, body = patch(client, headers, old.id, {"status": "open"})
    assert status == 409
    assert f"“Quay lại gõ cửa” số {current.id}" in body["message"]
    assert f"hộ {household.code}" in body["message"]
    # Another kind for the household is no twin; nor is a revisit of another household.
    eid = place_followup(household, people.officer, kind="eid_support")
    assert patch(client, headers, eid.id, {"status": "done"})[0] == 200
    assert patch(client, headers, eid.id, {"status": "open"})[0] == 200
    assert patch(client, headers, current.id, {"status": "done"})[0] == 200
    place_followup(make_household(HAMLET1), people.officer, kind="revisit")
    assert patch(client, headers, old.id, {"status": "open"})[0] == 200
    # An open follow-up "reopened" is no change and no conflict.
    assert patch(client, headers, old.id, {"status": "open"})[0] == 200


def test_name_only_flags_are_twins_only_under_the_same_name(people, client, token_for):
    headers = token_for(people.head)
    _s, first = api_post(client, "/api/v1/returnees", headers, flag("Hồ Văn Sơn"))
    commander = token_for(people.commander)
    first_id = first["followup"]["id"]
    assert patch(client, commander, first_id, {"status": "done"})[0] == 200
    _s, other = api_post(client, "/api/v1/returnees", headers, flag("Lê Thị Mai"))
    assert patch(client, commander, first_id, {"status": "open"})[0] == 200
    assert patch(client, commander, first_id, {"status": "done"})[0] == 200
    _s, again = api_post(client, "/api/v1/returnees", headers, flag("Ho Van Son", days=1))
    status, body = patch(client, commander, first_id, {"status": "open"})
    assert status == 409 and str(again["followup"]["id"]) in body["message"]
    assert other["followup"]["id"] != again["followup"]["id"]


def flag(name: str, days: int = 0) -> dict:
    from datetime import timedelta

    return {"full_name": name, "returned_on": str(today_in_vietnam() - timedelta(days=days))}
