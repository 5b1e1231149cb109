"""The card rules: unable to travel turns a capture follow-up to at home and back; a card
problem opens a reissue_card and its clearing closes it; the daily renewals job opens
renew_card once and closes it when the card is renewed. Through a visit, PATCH and the job."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.renewals import run_renewals
from app.followups.rules import HIGH, NORMAL
from app.people.models import Resident, StatusChange
from app.people.renewal import birthday
from app.visits.service import submit_visit
from tests.factories import api_get
from tests.followups.conftest import HAMLET1, open_followups, years_ago


def patch(client, headers, resident, body) -> tuple[int, dict]:
    db.session.refresh(resident)
    response = client.patch(
        f"/api/v1/residents/{resident.id}",
        headers={**headers, "If-Match": str(resident.version)},
        json=body,
    )
    return response.status_code, response.get_json()


def seen(resident, **fields) -> dict:
    return {"resident_id": resident.id, "presence": "present", **fields}


def test_unable_to_travel_on_a_visit_turns_the_capture_at_home_and_back(
    people, make_household, visit
):
    household = make_household(
        HAMLET1, residents=[{"full_name": "Lê Văn Tư", "date_of_birth": years_ago(45)}]
    )
    person = household.residents[0]
    visit(people.officer, household, residents=[seen(person)])
    [capture] = open_followups(resident_id=person.id)
    assert (capture.kind, capture.assignee_id) == ("id_capture", people.officer.id)

    answer = visit(people.officer, household, residents=[seen(person, unable_to_travel=True)])
    [at_home] = open_followups(resident_id=person.id)
    assert at_home.id == capture.id
    assert (at_home.kind, at_home.rule) == ("id_capture_at_home", "id_capture_at_home")
    assert at_home.assignee_id == people.mobile.id  # the mobile team's pool
    assert at_home.due_date == today_in_vietnam() + timedelta(days=14)
    assert [f["kind"] for f in answer["followups"]["created"]] == ["id_capture_at_home"]
    assert db.session.get(Resident, person.id).unable_to_travel is True

    visit(people.officer, household, residents=[seen(person, unable_to_travel=False)])
    [back] = open_followups(resident_id=person.id)
    assert (back.id, back.kind, back.assignee_id) == (capture.id, "id_capture", people.officer.id)


def test_clearing_unable_to_travel_keeps_a_person_of_70_at_home(people, make_household, visit):
    household = make_household(
        HAMLET1, residents=[{"full_name": "Lê Thị Năm", "date_of_birth": years_ago(75)}]
    )
    person = household.residents[0]
    visit(people.officer, household, residents=[seen(person, unable_to_travel=True)])
    visit(people.officer, household, residents=[seen(person, unable_to_travel=False)])
    assert [f.kind for f in open_followups(resident_id=person.id)] == ["id_capture_at_home"]


def test_patch_unable_to_travel_turns_the_capture_through_the_signal(
    people, make_household, visit, client, token_for
):
    household = make_household(
        HAMLET1, residents=[{"full_name": "Đặng Văn Sáu", "date_of_birth": years_ago(30)}]
    )
    person = household.residents[0]
    visit(people.officer, household, residents=[seen(person)])
    headers = token_for(people.officer)
    status, body = patch(client, headers, person, {"unable_to_travel": True})
    assert status == 200, body
    assert body["unable_to_travel"] is True
    [followup] = open_followups(resident_id=person.id)
    assert (followup.kind, followup.assignee_id) == ("id_capture_at_home", people.mobile.id)
    status, body = patch(client, headers, person, {"unable_to_travel": False})
    assert status == 200
    assert [f.kind for f in open_followups(resident_id=person.id)] == ["id_capture"]


def test_a_lost_card_on_a_visit_opens_reissue_and_patch_clearing_closes_it(
    people, make_household, visit, client, token_for
):
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Ngô Văn Bảy", "date_of_birth": "1980-02-02", "id_card": "issued"}
        ],
    )
    person = household.residents[0]
    answer = visit(people.officer, household, residents=[seen(person, card_issue="lost")])
    [reissue] = open_followups(resident_id=person.id)
    assert (reissue.kind, reissue.rule, reissue.priority) == (
        "reissue_card",
        "reissue_card",
        NORMAL,
    )
    assert reissue.assignee_id == people.officer.id
    assert reissue.due_date == today_in_vietnam() + timedelta(days=14)
    assert "mất thẻ" in reissue.reason
    assert [f["kind"] for f in answer["followups"]["created"]] == ["reissue_card"]
    # Seen again with the same problem: no second follow-up.
    visit(people.officer, household, residents=[seen(person, card_issue="lost")])
    assert len(open_followups(resident_id=person.id)) == 1

    headers = token_for(people.officer)
    status, body = api_get(client, f"/api/v1/residents/{person.id}", headers)
    assert body["card_issue"] == "lost"
    assert any(h["field"] == "card_issue" and h["new"] == "lost" for h in body["history"])
    status, body = patch(client, headers, person, {"card_issue": None})
    assert status == 200, body
    assert body["card_issue"] is None
    assert open_followups(resident_id=person.id) == []
    db.session.refresh(reissue)
    assert reissue.status == "done"


def test_a_new_card_recorded_after_the_problem_clears_it(
    people, make_household, visit, client, token_for
):
    household = make_household(
        HAMLET1, residents=[{"full_name": "Võ Thị Tám", "date_of_birth": "1992-07-07"}]
    )
    person = household.residents[0]
    person.id_card, person.card_issued_on = "issued", date(2021, 5, 5)
    db.session.commit()
    visit(people.officer, household, residents=[seen(person, card_issue="damaged")])
    assert [f.kind for f in open_followups(resident_id=person.id)] == ["reissue_card"]
    status, body = patch(
        client, token_for(people.officer), person, {"card_issued_on": "2021-05-05"}
    )
    assert status == 200 and body["card_issue"] == "damaged"  # the old card's date: no change
    person_row = db.session.get(Resident, person.id)
    # The problem was told two days ago (a visit cannot be dated ahead): move its history back.
    for row in db.session.query(StatusChange).filter_by(resident_id=person.id, field="card_issue"):
        row.at = row.at - timedelta(days=2)
    db.session.commit()
    new_card = today_in_vietnam()
    visit(
        people.officer, household, residents=[seen(person_row, card_issued_on=new_card.isoformat())]
    )
    db.session.expire_all()
    person_row = db.session.get(Resident, person.id)
    assert person_row.card_issue is None
    assert person_row.card_issued_on == new_card
    assert open_followups(resident_id=person.id) == []


def test_patch_card_issued_on_sets_the_renewal_date_and_the_job_opens_once(
    people, make_household, client, token_for, app
):
    today = today_in_vietnam()
    # 25 in 60 days: a card issued at 20 must be renewed then.
    born = birthday(today + timedelta(days=60), -25)
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Mai Văn Chín", "date_of_birth": born.isoformat(), "id_card": "issued"}
        ],
    )
    person = household.residents[0]
    issued = birthday(born, 20)
    status, body = patch(
        client, token_for(people.officer), person, {"card_issued_on": issued.isoformat()}
    )
    assert status == 200, body
    due = today + timedelta(days=60)
    assert body["card_renewal_due"] == due.isoformat()
    [renew] = open_followups(resident_id=person.id)  # the PATCH's signal opened it already
    assert (renew.kind, renew.rule, renew.priority) == ("renew_card", "renew_card", NORMAL)
    assert renew.due_date == today + timedelta(days=30)
    assert due.strftime("%d/%m/%Y") in renew.reason

    counts = run_renewals()
    db.session.commit()
    assert (counts.opened, counts.closed, counts.due) == (0, 0, 1)
    result = app.test_cli_runner().invoke(args=["followups", "renewals"])
    assert result.exit_code == 0, result.output
    assert "0 follow-ups opened" in result.output
    assert len(open_followups(resident_id=person.id)) == 1

    # Renewed: a new card at 25 minus a day lasts to 40; the job (or the PATCH) closes it.
    status, body = patch(
        client, token_for(people.officer), person, {"card_issued_on": today.isoformat()}
    )
    assert status == 200
    assert body["card_renewal_due"] == birthday(born, 40).isoformat()
    assert open_followups(resident_id=person.id) == []


def test_the_job_recomputes_stale_dates_opens_overdue_urgently_and_is_idempotent(
    people, make_household, app
):
    today = today_in_vietnam()
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Quá Hạn", "date_of_birth": "1990-01-10", "id_card": "issued"},
            {"full_name": "Còn Lâu", "date_of_birth": "1990-01-10", "id_card": "issued"},
            {"full_name": "Đi Xa", "date_of_birth": "1990-01-10", "presence": "away_working"},
        ],
    )
    overdue, later, away = household.residents
    # Loaded around the usual paths: the stored date is missing (stale).
    overdue.card_issued_on = date(2010, 3, 3)  # at 20: renew at 25, in 2015
    later.card_issued_on = date(2016, 3, 3)  # at 26: renew at 40, in 2030
    away.card_issued_on = date(2010, 3, 3)
    db.session.commit()
    counts = run_renewals()
    db.session.commit()
    assert counts.recomputed == 3
    assert (counts.opened, counts.due) == (1, 1)
    [renew] = open_followups(resident_id=overdue.id)
    assert (renew.rule, renew.priority) == ("renew_card_overdue", HIGH)
    assert renew.due_date == today + timedelta(days=7)
    assert db.session.get(Resident, later.id).card_renewal_due == date(2030, 1, 10)
    assert open_followups(resident_id=later.id) == open_followups(resident_id=away.id) == []

    again = run_renewals()
    db.session.commit()
    assert (again.recomputed, again.opened, again.closed) == (0, 0, 0)

    # Renewed behind the rules' back (a bulk load): the job closes the follow-up as done.
    db.session.get(Resident, overdue.id).card_issued_on = today
    db.session.commit()
    third = run_renewals()
    db.session.commit()
    assert (third.recomputed, third.closed) == (1, 1)
    db.session.refresh(renew)
    assert renew.status == "done"


def test_bad_card_values_are_refused_with_their_paths(people, make_household, client, token_for):
    household = make_household(HAMLET1, residents=[{"full_name": "Lý Văn Mười"}])
    person = household.residents[0]
    tomorrow = (today_in_vietnam() + timedelta(days=1)).isoformat()
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "location": None,
        "location_missing_reason": "denied",
        "outcome": "met",
        "residents": [
            {
                "resident_id": person.id,
                "card_issue": "stolen",
                "card_issued_on": tomorrow,
                "unable_to_travel": "yes",
            }
        ],
    }
    result = submit_visit(body, people.officer)
    assert result.status == "rejected" and result.code == 422
    errors = result.answer["errors"]
    for name in ("card_issue", "card_issued_on", "unable_to_travel"):
        assert f"residents.0.{name}" in errors, errors
    status, answer = patch(
        client,
        token_for(people.officer),
        person,
        {"card_issue": "stolen", "card_issued_on": "1980-01-01"},
    )
    assert status == 422
    assert set(answer["errors"]) == {"card_issue", "card_issued_on"}
    assert answer["message"]  # a Vietnamese message, never a 500
