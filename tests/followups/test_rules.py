"""One test per row of the rules table: a visit (or a flag) in, the follow-ups out."""

from __future__ import annotations

from datetime import timedelta

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.rules import HIGH, NORMAL, URGENT
from app.followups.service import on_correction_resolved
from app.people.models import Correction
from app.people.review import resolve_correction
from tests.factories import api_get, api_post
from tests.followups.conftest import HAMLET1, HAMLET2, at, open_followups, years_ago


def test_nobody_home_opens_a_revisit_in_two_days_at_another_time_of_day(
    people, make_household, visit
):
    household = make_household(HAMLET1)
    answer = visit(people.officer, household, outcome="nobody_home", when=at(1, 9))
    [revisit] = open_followups(household_id=household.id)
    assert (revisit.kind, revisit.rule, revisit.resident_id) == ("revisit", "nobody_home", None)
    assert revisit.due_date == today_in_vietnam() - timedelta(days=1) + timedelta(days=2)
    assert revisit.preferred_time == "evening"  # the try was in the morning
    assert (revisit.attempts, revisit.needs_village_head, revisit.priority) == (1, False, NORMAL)
    assert revisit.assignee_id == people.officer.id  # Thôn 1's officers tie: the first one
    assert revisit.created_by_visit_id == answer["id"]
    assert (revisit.lat, revisit.lon) == (household.lat, household.lon)
    assert revisit.hamlet_id == household.hamlet_id
    assert revisit.commune_id == household.commune_id
    assert revisit.reason.startswith("Không có ai ở nhà (lần 1)")
    assert [f["id"] for f in answer["followups"]["created"]] == [revisit.id]


def test_three_failed_tries_ask_the_village_head_and_raise_the_priority(
    people, make_household, visit, client, token_for, make_user
):
    household = make_household(HAMLET1)
    visit(people.officer, household, outcome="nobody_home", when=at(5, 18))  # evening
    visit(people.officer, household, outcome="nobody_home", when=at(3, 8))  # morning
    third = visit(people.officer, household, outcome="nobody_home", when=at(1, 12))  # midday
    [revisit] = open_followups(household_id=household.id)
    assert revisit.rule == "nobody_home_3"
    assert (revisit.attempts, revisit.needs_village_head, revisit.priority) == (3, True, HIGH)
    assert revisit.preferred_time == "afternoon"  # the one time of day not tried
    assert revisit.due_date == today_in_vietnam() + timedelta(days=1)
    assert [f["id"] for f in third["followups"]["created"]] == [revisit.id]  # rescheduled
    assert "nhờ trưởng thôn" in revisit.reason

    status, body = api_get(client, "/api/v1/followups", token_for(people.head))
    assert status == 200
    assert [i["id"] for i in body["items"]] == [revisit.id]
    assert body["items"][0]["needs_village_head"] is True
    other_head = make_user("village_head", HAMLET2)
    assert api_get(client, "/api/v1/followups", token_for(other_head))[1]["total"] == 0


def test_away_working_opens_no_visit_and_lists_the_person_for_the_village_head(
    people, make_household, visit, client, token_for
):
    household = make_household(
        HAMLET1, residents=[{"full_name": "Hồ Văn Tâm", "date_of_birth": years_ago(25)}]
    )
    son = household.residents[0]
    visit(people.officer, household, residents=[{"resident_id": son.id, "presence": "present"}])
    [capture] = open_followups(resident_id=son.id)
    answer = visit(
        people.officer, household, residents=[{"resident_id": son.id, "presence": "away_working"}]
    )
    assert open_followups(household_id=household.id) == []
    assert answer["followups"]["created"] == []
    assert [f["id"] for f in answer["followups"]["closed"]] == [capture.id]
    assert answer["followups"]["closed"][0]["status"] == "cancelled"

    status, body = api_get(client, "/api/v1/followups/away", token_for(people.head))
    assert status == 200
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["resident_id"], item["full_name"], item["presence"]) == (
        son.id,
        "Hồ Văn Tâm",
        "away_working",
    )
    assert item["hamlet_code"] == HAMLET1


def test_returnee_flag_opens_a_visit_on_the_return_date_urgent_when_leaving_soon(
    people, make_household, client, token_for
):
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Hồ Văn Về", "presence": "away_working"},
            {"full_name": "Hồ Thị Đi", "presence": "away_working"},
        ],
    )
    back, leaving = household.residents
    headers = token_for(people.head)
    status, past = api_post(
        client,
        "/api/v1/returnees",
        headers,
        {
            "resident_id": back.id,
            "returned_on": (today_in_vietnam() - timedelta(days=3)).isoformat(),
            "leaving_on": (today_in_vietnam() + timedelta(days=10)).isoformat(),
            "phone": "0912 345 678",
        },
    )
    assert status == 201, past
    status, soon = api_post(
        client,
        "/api/v1/returnees",
        headers,
        {
            "resident_id": leaving.id,
            "returned_on": (today_in_vietnam() + timedelta(days=2)).isoformat(),
            "leaving_on": (today_in_vietnam() + timedelta(days=4)).isoformat(),
        },
    )
    assert status == 201, soon
    [first] = open_followups(resident_id=back.id)
    [second] = open_followups(resident_id=leaving.id)
    assert (first.kind, first.due_date, first.priority) == (
        "returnee_visit",
        today_in_vietnam(),
        NORMAL,
    )
    assert (second.due_date, second.priority) == (today_in_vietnam() + timedelta(days=2), URGENT)
    assert second.rule == "returnee_leaving"
    assert first.assignee_id == people.officer.id
    assert second.assignee_id == people.colleague.id  # the officer already has one open
    assert first.returnee_id == past["id"] and past["followup"]["id"] == first.id
    assert past["phone"] == "0912345678"
    assert "Hồ Văn Về" in first.reason


def test_present_eligible_without_an_application_needs_id_capture_or_the_mobile_team(
    people, make_household, visit
):
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Người Lớn", "date_of_birth": years_ago(30)},
            {"full_name": "Cụ Già", "date_of_birth": years_ago(75)},
            {"full_name": "Người Bệnh", "date_of_birth": years_ago(40), "unable_to_travel": True},
            {"full_name": "Vừa Mười Bốn", "date_of_birth": years_ago(14)},
            {"full_name": "Chưa Đủ Tuổi", "date_of_birth": years_ago(14, days=1)},
            {"full_name": "Đã Nộp", "date_of_birth": years_ago(30), "id_card": "collected"},
        ],
    )
    members = household.residents
    visit(
        people.officer,
        household,
        residents=[{"resident_id": r.id, "presence": "present"} for r in members],
    )
    made = {f.resident_id: f for f in open_followups(household_id=household.id)}
    adult, elder, sick, fourteen, _child, _applied = members
    assert set(made) == {adult.id, elder.id, sick.id, fourteen.id}
    week, fortnight = (
        today_in_vietnam() + timedelta(days=7),
        today_in_vietnam() + timedelta(days=14),
    )
    assert (made[adult.id].kind, made[adult.id].due_date) == ("id_capture", week)
    assert made[adult.id].assignee_id == people.officer.id
    for at_home in (made[elder.id], made[sick.id]):
        assert (at_home.kind, at_home.due_date) == ("id_capture_at_home", fortnight)
        assert at_home.assignee_id == people.mobile.id
    assert made[fourteen.id].kind == "id_capture"


def test_eligible_age_comes_from_the_configuration(app, people, make_household, visit):
    app.config["ELIGIBLE_AGE"] = 16
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Mười Lăm", "date_of_birth": years_ago(15)},
            {
                "full_name": "Mười Sáu",
                "date_of_birth": str(today_in_vietnam().year - 16),
            },  # year only
        ],
    )
    _fifteen, sixteen = household.residents
    visit(
        people.officer,
        household,
        residents=[{"resident_id": r.id, "presence": "present"} for r in household.residents],
    )
    assert [f.resident_id for f in open_followups(household_id=household.id)] == [sixteen.id]


def test_issued_card_with_a_smartphone_but_no_level_2_needs_eid_support(
    people, make_household, visit
):
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Có Máy", "id_card": "issued", "eid": "level1"},
            {"full_name": "Không Máy", "id_card": "issued", "eid": "none"},
            {"full_name": "Đang Chờ", "id_card": "issued", "eid": "level2_applied"},
        ],
    )
    phone, no_phone, applied = household.residents
    visit(
        people.officer,
        household,
        residents=[
            {"resident_id": phone.id, "presence": "present", "has_smartphone": True},
            {"resident_id": no_phone.id, "presence": "present", "has_smartphone": False},
            {"resident_id": applied.id, "presence": "present", "has_smartphone": True},
        ],
    )
    [support] = open_followups(household_id=household.id)
    assert (support.kind, support.resident_id) == ("eid_support", phone.id)
    assert support.due_date == today_in_vietnam() + timedelta(days=7)
    assert support.assignee_id == people.officer.id


def test_a_correction_opened_needs_verify_documents_closed_when_all_are_resolved(
    people, make_household, visit
):
    household = make_household(
        HAMLET1,
        residents=[{"full_name": "Hồ Văn Sai", "id_card": "issued", "eid": "level2_active"}],
    )
    person = household.residents[0]
    answer = visit(
        people.officer,
        household,
        residents=[
            {
                "resident_id": person.id,
                "presence": "present",
                "corrections": [
                    {"field": "date_of_birth", "proposed": "1968-03-05"},
                    {"field": "ethnicity", "proposed": "Cơ Tu"},
                ],
            }
        ],
    )
    [verify] = open_followups(household_id=household.id)
    assert (verify.kind, verify.resident_id) == ("verify_documents", person.id)
    assert verify.due_date == today_in_vietnam() + timedelta(days=7)
    assert verify.assignee_id == people.officer.id
    assert "ngày sinh" in verify.reason and "dân tộc" in verify.reason
    opened = [c["id"] for c in answer["corrections"]]
    assert verify.correction_id == opened[0]

    first, second = (db.session.get(Correction, i) for i in opened)
    resolve_correction(people.commander, first.id, status="verified")
    assert verify.status == "open"  # the other is still open
    assert on_correction_resolved(first, people.commander) == []
    resolve_correction(people.commander, second.id, status="dismissed", reason="đúng rồi")
    assert (verify.status, verify.closed_by_visit_id) == ("done", None)


def test_a_visit_without_location_needs_a_location_check_by_the_commander(
    people, make_household, visit, make_user
):
    household = make_household(HAMLET1)
    visit(people.officer, household, location=None)
    [check] = open_followups(household_id=household.id)
    assert (check.kind, check.assignee_id) == ("location_check", people.commander.id)
    assert check.due_date == today_in_vietnam() + timedelta(days=3)
    assert "không có vị trí" in check.reason
    later = visit(people.officer, household)  # at the door, no flags
    assert check.status == "done" and check.closed_by_visit_id == later["id"]

    elsewhere = make_household("19777-001")
    stranger = make_user("officer", "19777", hamlets=["19777-001"])
    visit(stranger, elsewhere, location=(16.4779 + 0.02, 107.611))  # far from the household
    [unowned] = open_followups(household_id=elsewhere.id)
    assert unowned.kind == "location_check" and unowned.assignee_id is None  # no commander
    assert "xa vị trí của hộ" in unowned.reason


def test_a_visit_outside_the_households_hamlet_needs_a_location_check_by_the_commander(
    people, make_household, visit, world
):
    household = make_household(HAMLET1, location=None)  # no known location: no distance
    answer = visit(people.officer, household, location=world.hamlet_point(HAMLET2))
    assert answer["geotag"]["flags"] == ["outside_hamlet"]
    assert answer["geotag"]["hamlet_code"] == HAMLET2
    [check] = open_followups(household_id=household.id)
    assert (check.kind, check.rule) == ("location_check", "location_check")
    assert check.assignee_id == people.commander.id
    assert check.due_date == today_in_vietnam() + timedelta(days=3)
    assert "ngoài địa bàn thôn" in check.reason
    assert [f["id"] for f in answer["followups"]["created"]] == [check.id]
