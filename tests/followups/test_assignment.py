"""Assignment to the least loaded officer of the hamlet, and reassignment by a commander."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from tests.followups.conftest import HAMLET1, HAMLET3, open_followups, years_ago


def patch(client, headers, followup_id, body):
    response = client.patch(f"/api/v1/followups/{followup_id}", headers=headers, json=body)
    return response.status_code, response.get_json()


def adult(name: str = "Người Lớn") -> dict:
    return {"full_name": name, "date_of_birth": years_ago(30)}


def seen_present(household) -> list[dict]:
    return [{"resident_id": r.id, "presence": "present"} for r in household.residents]


def test_the_hamlet_officer_with_fewest_open_follow_ups_gets_the_new_one(
    people, make_household, visit, place_followup
):
    busy = make_household(HAMLET1)
    place_followup(busy, people.officer)
    place_followup(busy, people.officer, kind="eid_support")
    place_followup(busy, people.colleague)
    household = make_household(HAMLET1, residents=[adult(), adult("Vợ")])
    visit(people.other_hamlet_officer, household, residents=seen_present(household))
    made = open_followups(household_id=household.id)
    assert len(made) == 2
    # One officer takes the whole household: the colleague, with one open against two.
    assert {f.assignee_id for f in made} == {people.colleague.id}


def test_a_hamlet_without_officers_falls_back_to_the_communes_least_loaded(
    people, make_household, visit, place_followup
):
    place_followup(make_household(HAMLET1), people.officer)
    place_followup(make_household(HAMLET1), people.colleague)
    place_followup(make_household(HAMLET1), people.other_hamlet_officer)
    household = make_household(HAMLET3, residents=[adult()])
    visit(people.officer, household, residents=seen_present(household))
    [made] = open_followups(household_id=household.id)
    assert made.assignee_id == people.mobile.id  # the only commune officer with none open


def test_at_home_capture_without_a_mobile_team_goes_to_the_hamlet_officer(
    make_user, make_household, visit
):
    officer = make_user("officer", "20179", hamlets=[HAMLET1])
    household = make_household(
        HAMLET1, residents=[{"full_name": "Cụ", "date_of_birth": years_ago(80)}]
    )
    visit(officer, household, residents=seen_present(household))
    [made] = open_followups(household_id=household.id)
    assert (made.kind, made.assignee_id) == ("id_capture_at_home", officer.id)


def test_a_commander_reassigns_and_moves_the_due_date_audited(
    people, make_household, place_followup, client, token_for
):
    followup = place_followup(make_household(HAMLET1), people.officer)
    due = today_in_vietnam() + timedelta(days=5)
    status, body = patch(
        client,
        token_for(people.commander),
        followup.id,
        {"assignee_id": people.other_hamlet_officer.id, "due_date": due.isoformat()},
    )
    assert status == 200, body
    assert (body["assignee_id"], body["due_date"]) == (people.other_hamlet_officer.id, str(due))
    assert body["assignee_name"] == people.other_hamlet_officer.full_name
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.object_type == "followups",
            AuditEntry.object_id == str(followup.id),
            AuditEntry.action == "update",
        )
    )
    assert entry is not None and entry.user_id == people.commander.id
    assert entry.changes["assignee_id"] == [people.officer.id, people.other_hamlet_officer.id]


def test_the_assignee_must_be_an_officer_of_the_followups_commune(
    people, make_household, place_followup, client, token_for, make_user
):
    followup = place_followup(make_household(HAMLET1), people.officer)
    stranger = make_user("officer", "19777")
    headers = token_for(people.commander)
    for assignee in (stranger, people.head):
        status, body = patch(client, headers, followup.id, {"assignee_id": assignee.id})
        assert status == 422, body
        assert "assignee_id" in body["errors"]
    status, body = patch(client, headers, followup.id, {"assignee_id": None})
    assert status == 200 and body["assignee_id"] is None


def test_an_officer_closes_and_reopens_only_their_own(
    people, make_household, place_followup, client, token_for
):
    household = make_household(HAMLET1)
    mine = place_followup(household, people.officer)
    theirs = place_followup(household, people.colleague, kind="eid_support")
    headers = token_for(people.officer)
    status, body = patch(client, headers, mine.id, {"status": "done"})
    assert status == 200 and body["status"] == "done" and body["closed_at"]
    status, body = patch(client, headers, mine.id, {"status": "open"})
    assert status == 200 and body["status"] == "open" and body["closed_at"] is None
    assert patch(client, headers, theirs.id, {"status": "done"})[0] == 403
    status, body = patch(client, headers, mine.id, {"assignee_id": people.colleague.id})
    assert status == 403 and "assignee_id" in body["errors"]
    assert patch(client, headers, mine.id, {})[0] == 422
    assert patch(client, token_for(people.head), mine.id, {"status": "done"})[0] == 403


def test_outside_scope_a_follow_up_does_not_exist(
    people, make_household, place_followup, client, token_for, make_user
):
    followup = place_followup(make_household(HAMLET1), people.officer)
    other_commander = make_user("commander", "19777")
    headers = token_for(other_commander)
    assert patch(client, headers, followup.id, {"status": "done"})[0] == 404
    assert client.get(f"/api/v1/followups/{followup.id}", headers=headers).status_code == 404
    assert (
        client.get(
            f"/api/v1/followups/{followup.id}", headers=token_for(people.officer)
        ).status_code
        == 200
    )


def test_one_query_loads_every_pool_as_reading_them_one_by_one(world, make_user):
    """A pick loads the hamlet's and the commune's pools in one query: the same members and
    open counts as reading each pool on its own (inactive users left out, a hamlet officer of
    the commune, one of its mobile team, a commander)."""
    from app.followups.assignment import Assigner

    make_user("officer", "20179", hamlets=[HAMLET1])
    make_user("officer", "20179", hamlets=[HAMLET1, HAMLET3], mobile_team=True)
    make_user("officer", "20179")
    make_user("commander", "20179")
    gone = make_user("officer", "20179", hamlets=[HAMLET1])
    gone.active = False
    db.session.commit()
    hamlet_id = world[HAMLET1].id
    commune_id = world["20179"].id
    keys = [("hamlet", hamlet_id), ("mobile", commune_id), ("commander", commune_id),
            ("commune", commune_id)]  # fmt: skip

    one_by_one = Assigner()
    pools = {key: one_by_one._members(key) for key in keys}
    at_once = Assigner()
    at_once.preload(hamlet_id, commune_id)
    assert at_once._pools == pools
    assert at_once.load == one_by_one.load
    assert all(pools.values()) and gone.id not in at_once.load
