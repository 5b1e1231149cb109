"""Work that lost its assignee goes on with someone who can do it (an officer deactivated,
moved or given another role; a household moved by an import), and work a newer visit opened is
not undone by an older one synced late; one person flagged by name twice is one visit."""

from __future__ import annotations

from datetime import timedelta

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.imports import run_import
from app.people.models import Household
from tests.factories import api_post
from tests.followups.conftest import HAMLET1, HAMLET2, at, open_followups, years_ago


def _seen(resident, **kw) -> dict:
    return {"resident_id": resident.id, "presence": "present", "id_card": "not_collected",
            "eid": "none", **kw}  # fmt: skip


def _patch_user(client, token_for, admin, user, body) -> None:
    answer = client.patch(f"/api/v1/users/{user.id}", json=body, headers=token_for(admin))
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()


def test_a_deactivated_officers_open_work_goes_to_a_colleague(
    people, make_user, make_household, visit, client, token_for
):
    admin = make_user("admin", "46")
    household = make_household(HAMLET1, residents=[{"full_name": "Hồ Văn A"}])
    visit(people.officer, household, outcome="nobody_home", when=at(2, 8))
    [revisit] = open_followups(household_id=household.id)
    holder, other = sorted((people.officer, people.colleague),
                           key=lambda u: u.id != revisit.assignee_id)  # fmt: skip
    _patch_user(client, token_for, admin, holder, {"active": False})
    [revisit] = open_followups(household_id=household.id)
    assert revisit.assignee_id == other.id
    handed = [e for e in db.session.query(AuditEntry).filter_by(object_type="followups")
              if e.action == "update" and "assignee_id" in (e.changes or {})]  # fmt: skip
    assert len(handed) == 1  # the hand-over is in the trail
    # The next try reschedules the revisit with the colleague, not the deactivated officer.
    answer = visit(other, household, outcome="nobody_home", when=at(1, 18))
    assert {f["assignee_id"] for f in answer["followups"]["created"]} == {other.id}


def test_an_officer_moved_to_another_commune_leaves_its_work_behind(
    people, make_user, make_household, visit, client, token_for
):
    admin = make_user("admin", "46")
    household = make_household(HAMLET1, residents=[{"full_name": "Hồ Văn A"}])
    visit(people.officer, household, residents=[_seen(household.residents[0])])
    _patch_user(client, token_for, admin, people.colleague, {"active": False})
    _patch_user(client, token_for, admin, people.officer, {"unit_code": "19777"})
    [capture] = open_followups(household_id=household.id)
    # Thôn 1 has no officer left: the commune's officers take it (Thôn 2's here).
    assert capture.assignee_id == people.other_hamlet_officer.id


def test_an_officer_made_commander_hands_on_officer_work_only(
    people, make_user, make_household, visit, client, token_for
):
    admin = make_user("admin", "46")
    household = make_household(HAMLET1, residents=[{"full_name": "Hồ Văn A"}])
    visit(people.officer, household, residents=[_seen(household.residents[0])])
    _patch_user(client, token_for, admin, people.officer, {"role": "commander"})
    [capture] = open_followups(household_id=household.id)
    assert capture.assignee_id == people.colleague.id


def test_a_household_moved_by_an_import_takes_its_work_to_the_new_hamlets_officer(
    people, make_household, visit, world
):
    born = years_ago(30)
    resident = {"full_name": "Hồ Văn A", "date_of_birth": born}
    household = make_household(HAMLET1, code="ND-MOVE", residents=[resident])
    visit(people.officer, household, residents=[_seen(household.residents[0])])
    csv = f"Mã hộ,Họ và tên,Ngày sinh,Thôn\nND-MOVE,Hồ Văn A,{born},{HAMLET2}\n"
    result = run_import(csv.encode("utf-8"), "move.csv", world["20179"])
    assert result.summary.written
    db.session.commit()
    db.session.expire_all()
    home = db.session.get(Household, household.id)
    assert home.hamlet_id == world[HAMLET2].id
    [capture] = open_followups(household_id=household.id)
    assert (capture.hamlet_id, capture.assignee_id) == (home.hamlet_id,
                                                        people.other_hamlet_officer.id)  # fmt: skip
    assert (capture.lat, capture.lon) == (home.lat, home.lon)


def test_a_household_moved_visit_synced_late_cancels_nothing_newer(people, make_household, visit):
    household = make_household(HAMLET1, residents=[{"full_name": "Hồ Văn A"}])
    visit(people.officer, household, residents=[_seen(household.residents[0])], when=at(0, 9))
    before = [(f.kind, f.status) for f in open_followups(household_id=household.id)]
    assert ("id_capture", "open") in before
    answer = visit(people.colleague, household, outcome="household_moved", when=at(3, 9))
    assert answer["followups"]["closed"] == []
    assert [(f.kind, f.status) for f in open_followups(household_id=household.id)] == before
    # The latest visit saying so does cancel.
    answer = visit(people.colleague, household, outcome="household_moved", when=at(0, 10))
    assert [f["status"] for f in answer["followups"]["closed"]] == ["cancelled"]


def test_one_person_flagged_by_name_twice_is_one_returnee_visit(
    people, make_user, client, token_for
):
    other_head = make_user("village_head", HAMLET1, username="truongthon1b")
    today = today_in_vietnam()
    answers = [
        api_post(client, "/api/v1/returnees", token_for(head), {"full_name": name,
                                                                  "returned_on": str(day)})[1]
        for head, name, day in (
            (people.head, "Hồ Văn Sơn", today),
            (other_head, "Ho Van Son", today),
            (people.head, "Hồ Văn Sơn", today - timedelta(days=1)),
        )
    ]  # fmt: skip
    assert len({a["followup"]["id"] for a in answers}) == 1
    assert len(open_followups(kind="returnee_visit")) == 1
    api_post(client, "/api/v1/returnees", token_for(people.head),
             {"full_name": "Hồ Văn Khác", "returned_on": str(today)})  # fmt: skip
    assert len(open_followups(kind="returnee_visit")) == 2  # another name: another person
