"""Overdue counts by hamlet and officer; follow-ups seeded from current statuses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.lists import followup_counts_by_hamlet
from app.followups.models import Followup
from app.followups.seed import seed_from_statuses
from app.people.models import Correction
from tests.factories import api_get
from tests.followups.conftest import HAMLET1, HAMLET2, open_followups, years_ago

URL = "/api/v1/followups/overdue-summary"


def test_commanders_see_overdue_by_hamlet_and_officer(
    people, make_household, place_followup, client, token_for, world
):
    late = today_in_vietnam() - timedelta(days=3)
    one, two = make_household(HAMLET1), make_household(HAMLET2)
    place_followup(one, people.officer, due=late)
    place_followup(one, people.officer, due=today_in_vietnam() - timedelta(days=1))
    place_followup(one, people.officer)  # open, not overdue
    place_followup(one, people.colleague)  # nothing overdue: not listed
    place_followup(two, people.other_hamlet_officer, due=late)
    done = place_followup(two, people.other_hamlet_officer, due=late)
    done.status = "done"
    db.session.commit()
    status, body = api_get(client, f"{URL}?unit=20179", token_for(people.commander))
    assert status == 200, body
    assert body["overdue"] == 3 and body["unit"]["code"] == "20179"
    rows = [(r["hamlet_code"], r["assignee_id"], r["open"], r["overdue"]) for r in body["items"]]
    assert rows == [
        (HAMLET1, people.officer.id, 3, 2),
        (HAMLET2, people.other_hamlet_officer.id, 1, 1),
    ]
    assert body["items"][0]["oldest_due_date"] == str(late)
    assert body["items"][0]["assignee_name"] == people.officer.full_name
    by_hamlet = api_get(client, f"{URL}?unit={HAMLET2}", token_for(people.commander))[1]
    assert [r["hamlet_code"] for r in by_hamlet["items"]] == [HAMLET2]
    assert api_get(client, f"{URL}?unit=19777", token_for(people.commander))[0] == 404
    assert api_get(client, URL, token_for(people.head))[0] == 403
    counts = followup_counts_by_hamlet(commune_ids=[world["20179"].id])
    assert counts == {world[HAMLET1].id: (4, 2), world[HAMLET2].id: (1, 1)}
    assert followup_counts_by_hamlet([world[HAMLET2].id]) == {world[HAMLET2].id: (1, 1)}


def test_seeding_opens_what_statuses_call_for_once(people, make_household, world):
    household = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Chưa Nộp", "date_of_birth": years_ago(30)},
            {"full_name": "Cụ Bà", "date_of_birth": years_ago(82)},
            {"full_name": "Có Máy", "id_card": "issued", "eid": "none", "has_smartphone": True},
            {"full_name": "Đi Xa", "date_of_birth": years_ago(30), "presence": "away_working"},
            {"full_name": "Trẻ Em", "date_of_birth": years_ago(8)},
        ],
    )
    adult, elder, phone, _away, _child = household.residents
    db.session.add(
        Correction(
            household_id=household.id,
            resident_id=phone.id,
            field="sex",
            status="open",
            hamlet_id=household.hamlet_id,
            commune_id=household.commune_id,
            province_id=household.province_id,
        )
    )
    db.session.commit()
    assert seed_from_statuses(world["20179"]) == 4
    db.session.commit()
    made = {(f.resident_id, f.kind): f for f in open_followups()}
    assert set(made) == {
        (adult.id, "id_capture"),
        (elder.id, "id_capture_at_home"),
        (phone.id, "eid_support"),
        (phone.id, "verify_documents"),
    }
    assert made[(adult.id, "id_capture")].assignee_id == people.officer.id
    assert made[(elder.id, "id_capture_at_home")].assignee_id == people.mobile.id
    assert made[(adult.id, "id_capture")].due_date == today_in_vietnam() + timedelta(days=7)
    assert made[(adult.id, "id_capture")].lat == household.lat
    assert made[(phone.id, "verify_documents")].correction_id is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "seed"))
    assert entry.changes["commune"] == "20179" and entry.changes["id_capture"] == 1
    assert seed_from_statuses(world["20179"]) == 0  # again: nothing new


def test_seeding_spreads_households_over_the_hamlets_officers(people, make_household, world):
    for _ in range(4):
        make_household(HAMLET1, residents=[{"full_name": "X", "date_of_birth": "1980"}])
    seed_from_statuses(world["20179"])
    db.session.commit()
    load = dict(
        db.session.execute(
            select(Followup.assignee_id, func.count()).group_by(Followup.assignee_id)
        ).all()
    )
    assert load == {people.officer.id: 2, people.colleague.id: 2}


def test_the_recompute_command(app, people, make_household):
    make_household(HAMLET1, residents=[{"full_name": "Y", "date_of_birth": "1980"}])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["followups", "recompute", "--commune", "20179"])
    assert result.exit_code == 0, result.output
    assert "1 follow-ups opened" in result.output
    assert len(open_followups()) == 1
    missing = runner.invoke(args=["followups", "recompute", "--commune", "99999"])
    assert missing.exit_code != 0 and "99999" in missing.output
