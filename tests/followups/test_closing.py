"""A later visit that settles the reason closes the follow-up; never two open of one kind."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups import service as followups_service
from app.followups.models import Followup
from app.people.models import Resident
from tests.factories import api_post
from tests.followups.conftest import HAMLET1, at, open_followups, years_ago


def present(resident, **seen) -> dict:
    return {"resident_id": resident.id, "presence": "present", **seen}


def test_id_capture_closes_when_the_application_is_collected(people, make_household, visit):
    household = make_household(HAMLET1, residents=[{"full_name": "A", "date_of_birth": "1990"}])
    person = household.residents[0]
    visit(people.officer, household, residents=[present(person)])
    [capture] = open_followups(resident_id=person.id)
    answer = visit(people.colleague, household, residents=[present(person, id_card="collected")])
    assert (capture.status, capture.closed_by_visit_id) == ("done", answer["id"])
    assert capture.closed_at is not None
    assert [f["id"] for f in answer["followups"]["closed"]] == [capture.id]
    assert open_followups(household_id=household.id) == []


def test_eid_support_closes_when_level_2_is_active(people, make_household, visit):
    household = make_household(
        HAMLET1, residents=[{"full_name": "B", "id_card": "issued", "eid": "level1"}]
    )
    person = household.residents[0]
    visit(people.officer, household, residents=[present(person, has_smartphone=True)])
    [support] = open_followups(resident_id=person.id)
    visit(people.officer, household, residents=[present(person, eid="level2_applied")])
    assert support.status == "open"  # applied is not yet active
    answer = visit(people.officer, household, residents=[present(person, eid="level2_active")])
    assert (support.status, support.closed_by_visit_id) == ("done", answer["id"])


def test_revisit_closes_when_someone_is_met(people, make_household, visit):
    household = make_household(HAMLET1)
    visit(people.officer, household, outcome="nobody_home", when=at(2, 9))
    [revisit] = open_followups(household_id=household.id)
    met = visit(people.officer, household, outcome="met", when=at(0, 0))
    assert (revisit.status, revisit.closed_by_visit_id) == ("done", met["id"])


def test_a_late_synced_failed_try_older_than_a_meeting_opens_no_revisit(
    people, make_household, visit
):
    household = make_household(HAMLET1)
    visit(people.officer, household, outcome="met", when=at(1, 9))
    visit(people.officer, household, outcome="nobody_home", when=at(3, 9))  # synced late
    assert open_followups(household_id=household.id) == []


def test_returnee_visit_closes_when_the_person_is_seen_and_confirms_a_pending_name(
    people, make_household, visit, client, token_for
):
    household = make_household(HAMLET1, residents=[{"full_name": "Chủ Hộ"}])
    status, flag = api_post(
        client,
        "/api/v1/returnees",
        token_for(people.head),
        {
            "full_name": "Hồ Văn Mới",
            "household_id": household.id,
            "returned_on": str(today_in_vietnam()),
        },
    )
    assert status == 201, flag
    newcomer = db.session.get(Resident, flag["resident_id"])
    assert newcomer.pending is True and flag["pending"] is True
    [returnee_visit] = open_followups(household_id=household.id)
    answer = visit(people.officer, household, residents=[present(newcomer)])
    assert (returnee_visit.status, returnee_visit.closed_by_visit_id) == ("done", answer["id"])
    assert newcomer.pending is False
    # Once confirmed, the usual rules apply to the newcomer: no birth data counts as eligible,
    # and the server's finding of the missing data asks for papers.
    kinds = {f.kind for f in open_followups(resident_id=newcomer.id)}
    assert kinds == {"id_capture", "verify_documents"}


def test_moving_away_cancels_what_needs_the_person_at_home(people, make_household, visit):
    household = make_household(HAMLET1, residents=[{"full_name": "C", "date_of_birth": "1980"}])
    person = household.residents[0]
    visit(people.officer, household, residents=[present(person)])
    [capture] = open_followups(resident_id=person.id)
    answer = visit(people.officer, household, residents=[present(person, presence="moved")])
    assert (capture.status, capture.closed_by_visit_id) == ("cancelled", answer["id"])


def test_a_household_that_moved_cancels_its_visits(people, make_household, visit):
    household = make_household(HAMLET1, residents=[{"full_name": "D", "date_of_birth": "1980"}])
    visit(people.officer, household, residents=[present(household.residents[0])])
    visit(people.officer, household, outcome="nobody_home")
    assert {f.kind for f in open_followups(household_id=household.id)} == {"id_capture", "revisit"}
    visit(people.officer, household, outcome="household_moved")
    assert open_followups(household_id=household.id) == []
    statuses = {f.status for f in Followup.query.filter_by(household_id=household.id)}
    assert statuses == {"cancelled"}


def test_no_duplicate_open_follow_up_of_one_kind_for_one_person_or_household(
    people, make_household, visit
):
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "E", "date_of_birth": years_ago(30)},
            {"full_name": "F", "id_card": "issued", "eid": "none", "has_smartphone": True},
        ],
    )
    seen = [present(r) for r in household.residents]
    for _ in range(3):
        visit(people.officer, household, residents=seen)
        visit(people.colleague, household, outcome="nobody_home")
    kinds = sorted(f.kind for f in open_followups(household_id=household.id))
    assert kinds == ["eid_support", "id_capture", "revisit"]
    # The at-home variant of id_capture counts as the same: no second one when the person
    # can no longer travel; the open one is turned into the at-home kind instead.
    person = household.residents[0]
    [before] = open_followups(resident_id=person.id)
    person.unable_to_travel = True
    db.session.commit()
    visit(people.officer, household, residents=[present(person)])
    [after] = open_followups(resident_id=person.id)
    assert (after.id, after.kind) == (before.id, "id_capture_at_home")


def test_a_visit_costs_a_handful_of_queries_not_one_per_resident(
    people, make_household, visit, monkeypatch
):
    residents = [{"full_name": f"Người {i}", "date_of_birth": years_ago(20 + i)} for i in range(12)]
    household = make_household(HAMLET1, residents=residents)
    statements: list[str] = []
    real = followups_service.on_visit

    def count(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    def counted(*args, **details):
        db.session.flush()  # the visit's own writes are not the rules' cost
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            return real(*args, **details)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    monkeypatch.setattr(followups_service, "on_visit", counted)  # what the receiver calls
    seen = [present(r) for r in household.residents]
    answer = visit(people.officer, household, residents=seen)
    assert len(answer["followups"]["created"]) == 12
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4, selects
    # The writes are the new rows themselves (batched on PostgreSQL) and their audit entries.
    writes = {s.split("(")[0].strip() for s in statements if s not in selects}
    assert writes <= {"INSERT INTO followups", "INSERT INTO audit_entries"}, writes
    due = {f.due_date for f in open_followups(household_id=household.id)}
    assert due == {today_in_vietnam() + timedelta(days=7)}
