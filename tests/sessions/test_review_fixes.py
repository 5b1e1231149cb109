"""A cancelled session takes no new result; a resident with a result stays on the session's
list; people whose card or e-ID is settled are not proposed; a card problem told of someone who
did not come opens its reissue follow-up."""

from __future__ import annotations

import uuid

from app.extensions import db
from app.people.models import Resident
from tests.factories import api_get, api_post
from tests.followups.conftest import open_followups, people, visit  # noqa: F401


def result(resident, **fields) -> dict:
    return {"client_id": str(uuid.uuid4()), "resident_id": resident.id, "attended": True, **fields}


def post(client, headers, session_id: int, items: list[dict]) -> dict:
    status, body = api_post(
        client, f"/api/v1/sessions/{session_id}/results", headers, {"results": items}
    )
    assert status == 200, body
    return body


def test_a_cancelled_session_takes_no_new_result(client, people, invited, plan, token_for):  # noqa: F811
    old = invited["old"]
    made = plan([old.id, invited["young"].id])
    team = token_for(people.mobile)
    first = result(old, id_card="collected")
    assert post(client, team, made["id"], [first])["results"][0]["status"] == "created"
    commander = token_for(people.commander)
    answer = client.patch(
        f"/api/v1/sessions/{made['id']}", headers=commander, json={"status": "cancelled"}
    )
    assert answer.status_code == 200
    late = post(client, team, made["id"], [result(invited["young"], id_card="collected")])
    [refused] = late["results"]
    assert (refused["status"], refused["code"]) == ("rejected", 409)
    db.session.expire_all()
    assert db.session.get(Resident, invited["young"].id).id_card == "not_collected"
    # A result sent before the cancelling answers as before.
    assert post(client, team, made["id"], [first])["results"][0]["status"] == "duplicate"


def test_a_resident_with_a_result_stays_on_the_list(client, people, invited, plan, token_for):  # noqa: F811
    old, young = invited["old"], invited["young"]
    made = plan([old.id, young.id])
    post(client, token_for(people.mobile), made["id"], [result(old, id_card="collected")])
    commander = token_for(people.commander)
    answer = client.patch(
        f"/api/v1/sessions/{made['id']}", headers=commander, json={"resident_ids": [young.id]}
    )
    assert answer.status_code == 422
    assert f"#{old.id}" in str(answer.get_json()["errors"])
    shown = api_get(client, f"/api/v1/sessions/{made['id']}", commander)[1]
    assert shown["results_total"] == 1


def test_people_whose_card_or_e_id_is_settled_are_not_proposed(
    client,
    people,  # noqa: F811
    invited,
    token_for,
):
    young, phone = invited["young"], invited["phone"]
    headers = token_for(people.commander)

    def proposed() -> set[int]:
        status, body = api_get(
            client, "/api/v1/sessions/proposals?unit=20179&kind=at_home", headers
        )
        assert status == 200, body
        return {item["resident_id"] for item in body["items"]}

    assert {young.id, phone.id} <= proposed()
    for resident, change in ((young, {"id_card": "issued"}), (phone, {"eid": "level2_active"})):
        db.session.refresh(resident)
        answer = client.patch(
            f"/api/v1/residents/{resident.id}",
            json=change,
            headers={**headers, "If-Match": str(resident.version)},
        )
        assert answer.status_code == 200, answer.get_json()
    assert not {young.id, phone.id} & proposed()


def test_a_card_problem_of_someone_who_did_not_come_opens_its_reissue(
    client,
    people,  # noqa: F811
    invited,
    plan,
    token_for,
):
    phone = invited["phone"]  # holds a card: a lost one is to be re-issued
    made = plan([phone.id])
    answer = post(
        client, token_for(people.mobile), made["id"],
        [result(phone, attended=False, card_issue="lost")],
    )  # fmt: skip
    created = answer["results"][0]["followups"]["created"]
    assert [f["kind"] for f in created] == ["reissue_card"]
    assert "reissue_card" in [f.kind for f in open_followups(resident_id=phone.id)]


def test_a_result_whose_client_id_holds_a_nul_is_refused_and_kept(
    client,
    people,  # noqa: F811
    invited,
    plan,
    token_for,
):
    """Kept among the refused results with a client_id PostgreSQL can hold (it was a 500)."""
    made = plan([invited["old"].id])
    body = {**result(invited["old"], id_card="collected"), "client_id": "a\x00b"}
    [refused] = post(client, token_for(people.mobile), made["id"], [body])["results"]
    assert refused["status"] == "rejected" and "\x00" not in (refused["client_id"] or "")
