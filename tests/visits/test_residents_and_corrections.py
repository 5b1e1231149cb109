"""What a visit does to residents: statuses with history, regressions held for review,
corrections from the officer and from the server, new residents, follow-ups in the answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.people.models import Correction, Resident, StatusChange
from tests.factories import api_get, api_post


def post(client, headers, body, expect=201):
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == expect, answer
    return answer


def test_backward_status_is_held_as_a_correction(client, headers, household, visit_body):
    head = household.residents[0]
    head.eid = "level2_active"
    db.session.commit()
    seen = [{"resident_id": head.id, "eid": "none", "id_card": "collected"}]
    answer = post(client, headers, visit_body(residents=seen))
    db.session.refresh(head)
    assert (head.eid, head.id_card) == ("level2_active", "collected")
    [correction] = answer["corrections"]
    assert correction == {
        "id": correction["id"],
        "resident_id": head.id,
        "field": "other",
        "current": "eid=level2_active",
        "proposed": "eid=none",
        "source": "server",
        "rule": "status_regression",
    }
    history = db.session.scalars(
        select(StatusChange.field).where(StatusChange.resident_id == head.id)
    ).all()
    assert history == ["id_card"]
    # Seen again: the open correction is not doubled.
    assert post(client, headers, visit_body(residents=seen))["corrections"] == []
    assert db.session.query(Correction).count() == 1


def test_deceased_seen_present_is_a_regression(client, headers, household, visit_body):
    wife = household.residents[1]
    wife.presence = "deceased"
    db.session.commit()
    answer = post(
        client, headers, visit_body(residents=[{"resident_id": wife.id, "presence": "present"}])
    )
    assert answer["corrections"][0]["rule"] == "status_regression"
    db.session.refresh(wife)
    assert wife.presence == "deceased"


def test_a_late_visit_never_overrides_a_newer_one(client, headers, household, visit_body):
    head = household.residents[0]
    now = datetime.now(UTC)
    newer = [{"resident_id": head.id, "presence": "away_working", "eid": "level2_applied"}]
    post(
        client,
        headers,
        visit_body(visited_at=(now - timedelta(hours=1)).isoformat(), residents=newer),
    )
    older = [
        {"resident_id": head.id, "presence": "present", "eid": "level1", "id_card": "collected"}
    ]
    answer = post(
        client,
        headers,
        visit_body(visited_at=(now - timedelta(days=2)).isoformat(), residents=older),
    )
    assert answer["corrections"] == []
    db.session.refresh(head)
    assert (head.presence, head.eid, head.id_card) == (
        "away_working",
        "level2_applied",
        "collected",
    )
    db.session.refresh(household)
    assert household.last_visit_at > now - timedelta(hours=2)


def test_officer_correction_opened_once(client, headers, household, visit_body):
    head = household.residents[0]
    seen = [
        {
            "resident_id": head.id,
            "presence": "present",
            "corrections": [
                {"field": "date_of_birth", "proposed": "1987-03-02", "note": "theo giấy khai sinh"}
            ],
        }
    ]
    answer = post(client, headers, visit_body(residents=seen))
    [c] = answer["corrections"]
    assert (c["field"], c["current"], c["proposed"], c["source"], c["rule"]) == (
        "date_of_birth",
        "1968-03-02",
        "1987-03-02",
        "officer",
        None,
    )
    row = db.session.get(Correction, c["id"])
    assert (row.note, row.visit_id, row.status) == ("theo giấy khai sinh", answer["id"], "open")
    assert post(client, headers, visit_body(residents=seen))["corrections"] == []


def test_new_residents_are_created_and_checked(
    client, headers, household, visit_body, make_household
):
    # Someone with the same name and birth date already lives elsewhere in the commune.
    twin = make_household(
        "20179-002",
        residents=[{"full_name": "Hồ Thị Lan", "date_of_birth": "2011-05-09", "sex": "female"}],
    )
    new = [
        {
            "full_name": "  hồ  thị LAN ",
            "date_of_birth": "2011-05-09",
            "sex": "female",
            "id_number": "046 211 000 777",
            "birthplace": "Nghệ An",
            "relationship": "child",
        },
        {"full_name": "Hồ Văn Tí"},
    ]
    answer = post(client, headers, visit_body(new_residents=new))
    lan_id, ti_id = (r["id"] for r in answer["new_residents"])
    lan = db.session.get(Resident, lan_id)
    assert (lan.full_name, lan.name_folded, lan.id_number, lan.birthplace_code) == (
        "Hồ Thị Lan",
        "ho thi lan",
        "046211000777",
        "040",
    )
    assert lan.hamlet_id == household.hamlet_id and lan.household_id == household.id
    found = {(c["resident_id"], c["rule"]): c for c in answer["corrections"]}
    assert set(found) == {
        (lan_id, "id_sex"),
        (lan_id, "id_birthplace"),
        (lan_id, "probable_duplicate"),
        (ti_id, "missing_birth_date"),
    }
    assert (found[(lan_id, "id_sex")]["current"], found[(lan_id, "id_sex")]["proposed"]) == (
        "female",
        "male",
    )
    assert found[(lan_id, "id_birthplace")]["proposed"] == "Thừa Thiên Huế"
    assert found[(lan_id, "probable_duplicate")]["proposed"] == str(twin.residents[0].id)
    assert all(c["source"] == "server" for c in answer["corrections"])
    # The new names are searchable without diacritics.
    status, page = api_get(client, "/api/v1/households?q=ho van ti", headers)
    assert status == 200
    assert [h["id"] for h in page["items"]] == [household.id]


def test_new_resident_with_an_id_number_on_file_is_refused(
    client, headers, household, visit_body, make_household
):
    body = visit_body(new_residents=[{"full_name": "Hồ Văn Nhờ", "id_number": "046068000123"}])
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 409
    [message] = answer["errors"]["new_residents.0.id_number"]
    assert "HO-00812" in message
    elsewhere = make_household(
        "19777-001",
        code="HO-SECRET",
        residents=[{"full_name": "Ngô Văn Năm", "id_number": "046070000555"}],
    )
    body = visit_body(new_residents=[{"full_name": "Ngô Văn Năm", "id_number": "046070000555"}])
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 409
    [message] = answer["errors"]["new_residents.0.id_number"]
    assert "HO-SECRET" not in message and elsewhere.address not in message
    assert db.session.query(Resident).count() == 3


def test_followups_of_the_visit_are_in_the_answer(
    client, headers, household, visit_body, officer, monkeypatch, real_followups
):
    from app.followups import service
    from app.followups.models import Followup

    calls = []

    def on_visit(visit, seen, new_residents, corrections, actor):
        calls.append(
            (
                visit.id,
                [(r.id, row.resident_id) for r, row in seen],
                [r.full_name for r in new_residents],
                [c.field for c in corrections],
                actor.id,
            )
        )
        followup = Followup(
            kind="eid_support",
            due_date=datetime(2026, 12, 1).date(),
            household_id=visit.household_id,
            assignee_id=actor.id,
            hamlet_id=visit.hamlet_id,
            commune_id=visit.commune_id,
            province_id=visit.province_id,
            created_by_visit_id=visit.id,
        )
        db.session.add(followup)
        db.session.flush()
        return [followup], []

    monkeypatch.setattr(service, "on_visit", on_visit)  # what the visit_recorded receiver calls
    head = household.residents[0]
    body = visit_body(
        residents=[
            {
                "resident_id": head.id,
                "eid": "level1",
                "corrections": [{"field": "ethnicity", "proposed": "Cơ Tu"}],
            }
        ],
        new_residents=[{"full_name": "Hồ Văn Tèo", "date_of_birth": "2015"}],
    )
    answer = post(client, headers, body)
    teo = answer["new_residents"][0]["id"]
    assert calls == [
        (answer["id"], [(head.id, head.id), (teo, teo)], ["Hồ Văn Tèo"], ["ethnicity"], officer.id)
    ]
    assert answer["followups"]["closed"] == []
    [created] = answer["followups"]["created"]
    assert created == {
        "id": created["id"],
        "kind": "eid_support",
        "due_date": "2026-12-01",
        "assignee_id": officer.id,
        "status": "open",
    }


def test_real_followup_rules_answer_in_the_agreed_shape(
    client, headers, household, visit_body, real_followups, officer
):
    from app.followups.models import Followup

    head = household.residents[0]
    body = visit_body(
        residents=[
            {
                "resident_id": head.id,
                "presence": "present",
                "id_card": "not_collected",
                "eid": "none",
            }
        ],
        new_residents=[{"full_name": "Hồ Văn Tèo", "date_of_birth": "2001"}],
    )
    answer = post(client, headers, body)
    followups = answer["followups"]
    assert followups["closed"] == []
    # The head and Tèo, both present without an ID card: each needs ID capture.
    assert [item["kind"] for item in followups["created"]] == ["id_capture", "id_capture"]
    for item in followups["created"]:
        assert set(item) == {"id", "kind", "due_date", "assignee_id", "status"}
        assert (item["assignee_id"], item["status"]) == (officer.id, "open")
        row = db.session.get(Followup, item["id"])
        assert (row.kind, row.status) == (item["kind"], item["status"])
    people = {db.session.get(Followup, item["id"]).resident_id for item in followups["created"]}
    assert people == {head.id, answer["new_residents"][0]["id"]}
