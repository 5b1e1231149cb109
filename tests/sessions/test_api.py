"""Capture sessions API: proposals, planning, scope, results like a visit, idempotency."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Resident, StatusChange
from app.sessions.models import RejectedResult, SessionResult
from tests.factories import api_get, api_post
from tests.followups.conftest import open_followups


def result(resident, **fields) -> dict:
    return {"client_id": str(uuid.uuid4()), "resident_id": resident.id, "attended": True, **fields}


def post_results(client, headers, session_id, items):
    return api_post(client, f"/api/v1/sessions/{session_id}/results", headers, {"results": items})


def test_proposals_put_people_who_cannot_travel_first(client, people, invited, token_for):
    status, body = api_get(
        client, "/api/v1/sessions/proposals?unit=20179&kind=at_home", token_for(people.commander)
    )
    assert status == 200, body
    names = [item["full_name"] for item in body["items"]]
    assert set(names[:2]) == {"Lê Văn Nằm", "Hồ Thị Già"}
    assert set(names[2:]) == {"Hồ Văn Trẻ", "Hồ Thị Mạng"}
    first = body["items"][0]
    assert set(first) >= {"resident_id", "full_name", "household_id", "reason"}
    assert all(item["reason"] for item in body["items"])
    kinds = {item["full_name"]: item["kind"] for item in body["items"]}
    assert kinds["Hồ Thị Mạng"] == "eid_support"
    assert kinds["Hồ Thị Già"] == "id_capture_at_home"


def test_proposals_only_in_scope(client, people, invited, make_user, token_for):
    outsider = token_for(make_user("officer", "19777"))
    status, body = api_get(client, "/api/v1/sessions/proposals?unit=20179", outsider)
    assert status == 404
    status, body = api_get(client, "/api/v1/sessions/proposals", outsider)
    assert status == 200 and body["items"] == []


def test_plan_read_list_and_change(client, people, invited, plan, token_for):
    ids = [invited["far"].id, invited["old"].id]
    made = plan(ids, place="Nhà văn hóa thôn 1")
    assert made["kind"] == "at_home" and made["status"] == "planned"
    assert made["commune_code"] == "20179" and made["place"] == "Nhà văn hóa thôn 1"
    assert [m["id"] for m in made["team"]] == [people.mobile.id, people.officer.id]
    assert [r["resident_id"] for r in made["residents"]] == ids
    assert made["residents"][0]["reason"].startswith("Chưa thu nhận")
    headers = token_for(people.officer)
    status, got = api_get(client, f"/api/v1/sessions/{made['id']}", headers)
    assert status == 200 and got["id"] == made["id"]
    tomorrow = (today_in_vietnam() + timedelta(days=1)).isoformat()
    status, page = api_get(client, f"/api/v1/sessions?unit=20179&from={tomorrow}", headers)
    assert status == 200 and page["total"] == 1 and page["items"][0]["id"] == made["id"]
    status, page = api_get(client, f"/api/v1/sessions?to={today_in_vietnam()}", headers)
    assert page["total"] == 0
    response = client.patch(
        f"/api/v1/sessions/{made['id']}",
        json={"resident_ids": [invited["old"].id], "ends_at": "12:00", "status": "done"},
        headers=token_for(people.commander),
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert [r["resident_id"] for r in changed["residents"]] == [invited["old"].id]
    assert (changed["ends_at"], changed["status"]) == ("12:00:00", "done")


def test_bad_plans_answer_422_in_vietnamese(client, people, invited, plan, make_user, token_for):
    headers = token_for(people.commander)
    stranger = make_user("officer", "19777")
    bodies = [
        {"kind": "by_boat", "date": "2026-12-10"},
        {"kind": "point", "date": "not a day"},
        {"kind": "point", "date": "2026-12-10", "starts_at": "10:00", "ends_at": "09:00"},
        {"kind": "point", "date": "2026-12-10", "team_ids": [stranger.id]},
        {"kind": "point", "date": "2026-12-10", "resident_ids": [2**31 + 5]},
        {"kind": "point", "date": "2026-12-10", "location": {"lat": 0, "lon": 0}},
        {"kind": "at_site", "date": "2026-12-10", "household_id": invited["old"].household_id},
    ]
    for body in bodies:
        status, answer = api_post(client, "/api/v1/sessions", headers, body)
        assert status == 422, (body, answer)
        assert answer["message"] and answer["errors"], answer
    outside = {"kind": "point", "date": "2026-12-10", "hamlet_code": "19777-001"}
    status, answer = api_post(client, "/api/v1/sessions", headers, outside)
    assert status == 404 and answer["errors"] == {
        "hamlet_code": ["Đơn vị không có hoặc ngoài phạm vi của bạn."]
    }
    other = make_user("officer", "19777")
    far = api_post(
        client,
        "/api/v1/sessions",
        token_for(other),
        {"kind": "point", "date": "2026-12-10", "resident_ids": [invited["old"].id]},
    )
    assert far[0] == 404, far


def test_outsiders_see_no_session(client, people, invited, plan, make_user, token_for):
    made = plan([invited["old"].id])
    outsider = token_for(make_user("commander", "19777"))
    assert api_get(client, f"/api/v1/sessions/{made['id']}", outsider)[0] == 404
    assert api_get(client, "/api/v1/sessions", outsider)[1]["total"] == 0
    status, _ = post_results(client, outsider, made["id"], [result(invited["old"])])
    assert status == 404
    response = client.patch(f"/api/v1/sessions/{made['id']}", json={"note": "x"}, headers=outsider)
    assert response.status_code == 404


def test_only_the_team_and_commanders_record(client, people, invited, plan, token_for):
    made = plan([invited["old"].id], team_ids=[people.mobile.id])
    status, body = post_results(
        client, token_for(people.colleague), made["id"], [result(invited["old"])]
    )
    assert status == 403 and body["message"]
    status, body = post_results(
        client, token_for(people.mobile), made["id"], [result(invited["old"])]
    )
    assert status == 200 and body["results"][0]["status"] == "created"


def test_results_update_residents_and_follow_ups_like_a_visit(
    client, people, invited, plan, token_for
):
    old, young, phone = invited["old"], invited["young"], invited["phone"]
    made = plan([old.id, young.id, phone.id])
    [capture_old] = open_followups(resident_id=old.id)
    [capture_young] = open_followups(resident_id=young.id)
    [support] = open_followups(resident_id=phone.id)
    items = [
        result(old, id_card="collected", note="Thu nhận tại giường"),
        result(young, attended=False),
        result(phone, eid="level2_active", card_issue="damaged"),
    ]
    status, body = post_results(client, token_for(people.mobile), made["id"], items)
    assert status == 200, body
    assert [r["status"] for r in body["results"]] == ["created"] * 3
    assert [f["id"] for f in body["results"][0]["followups"]["closed"]] == [capture_old.id]
    db.session.expire_all()
    assert db.session.get(Followup, capture_old.id).status == "done"
    assert db.session.get(Followup, capture_young.id).status == "open"  # did not come
    assert db.session.get(Followup, support.id).status == "done"
    assert db.session.get(Resident, old.id).id_card == "collected"
    assert db.session.get(Resident, young.id).id_card == "not_collected"
    phone_now = db.session.get(Resident, phone.id)
    assert (phone_now.eid, phone_now.card_issue) == ("level2_active", "damaged")
    changes = db.session.scalars(
        select(StatusChange).where(StatusChange.resident_id.in_([old.id, phone.id]))
        .where(StatusChange.session_result_id.is_not(None))
    ).all()  # fmt: skip
    assert {(c.field, c.new_value) for c in changes} == {
        ("id_card", "collected"),
        ("eid", "level2_active"),
        ("card_issue", "damaged"),
    }
    assert all(c.visit_id is None and c.user_id == people.mobile.id for c in changes)
    status, shown = api_get(client, f"/api/v1/sessions/{made['id']}", token_for(people.officer))
    assert (shown["results_total"], shown["attended_total"]) == (3, 2)
    assert shown["residents"][0]["result"]["note"] == "Thu nhận tại giường"


def test_a_step_back_opens_a_correction_not_an_overwrite(client, people, invited, plan, token_for):
    phone = invited["phone"]  # id_card issued
    made = plan([phone.id])
    status, body = post_results(
        client, token_for(people.mobile), made["id"], [result(phone, id_card="collected")]
    )
    assert status == 200 and body["results"][0]["status"] == "created", body
    db.session.expire_all()
    assert db.session.get(Resident, phone.id).id_card == "issued"
    correction = db.session.scalar(select(Correction).where(Correction.resident_id == phone.id))
    assert correction.rule == "status_regression"


def test_the_same_client_id_counts_once(client, people, invited, plan, token_for):
    old = invited["old"]
    made = plan([old.id])
    headers = token_for(people.mobile)
    item = result(old, id_card="collected")
    first = post_results(client, headers, made["id"], [item])[1]["results"][0]
    again = post_results(client, headers, made["id"], [item, item])[1]["results"]
    assert [a["status"] for a in again] == ["duplicate", "duplicate"]
    assert {a["id"] for a in again} == {first["id"]}
    changed = {**item, "id_card": "issued"}
    status, body = post_results(client, headers, made["id"], [changed])
    assert status == 200
    assert (body["results"][0]["status"], body["results"][0]["code"]) == ("rejected", 409)
    assert "id_card" in body["results"][0]["errors"]
    other = plan([old.id])
    status, body = post_results(client, headers, other["id"], [item])
    assert (body["results"][0]["code"], body["results"][0]["errors"]) == (
        409,
        {"client_id": ["Đã được dùng."]},
    )
    assert db.session.scalar(select(db.func.count(SessionResult.id))) == 1
    rows = db.session.scalars(
        select(StatusChange).where(
            StatusChange.resident_id == old.id, StatusChange.field == "id_card"
        )
    ).all()
    assert len(rows) == 1


def test_a_bad_item_does_not_stop_the_others(client, people, invited, plan, token_for):
    old, young = invited["old"], invited["young"]
    made = plan([old.id, young.id])
    items = [
        {"client_id": "a1", "resident_id": old.id, "attended": "yes"},
        result(young, id_card="collected"),
        {"client_id": "a3", "resident_id": 2**31 - 1, "attended": True},
        "not an object",
        result(invited["far"], id_card="teleported"),
    ]
    status, body = post_results(client, token_for(people.mobile, "vi"), made["id"], items)
    assert status == 200, body
    answers = body["results"]
    assert [a["status"] for a in answers] == [
        "rejected", "created", "rejected", "rejected", "rejected"
    ]  # fmt: skip
    assert [a["code"] for a in answers] == [422, 201, 404, 422, 422]
    assert "attended" in answers[0]["errors"]
    assert answers[0]["message"] == "Kết quả có dữ liệu không hợp lệ."
    kept = db.session.scalars(select(RejectedResult).order_by(RejectedResult.id)).all()
    assert [k.client_id for k in kept][:1] == ["a1"] and kept[0].body["attended"] == "yes"
    db.session.expire_all()
    assert db.session.get(Resident, young.id).id_card == "collected"


def test_a_walk_in_is_added_to_the_invited(client, people, invited, plan, token_for):
    made = plan([invited["old"].id])
    _status, body = post_results(
        client, token_for(people.commander), made["id"], [result(invited["young"])]
    )
    assert body["results"][0]["status"] == "created", body
    shown = api_get(client, f"/api/v1/sessions/{made['id']}", token_for(people.commander))[1]
    assert [r["resident_id"] for r in shown["residents"]] == [
        invited["old"].id,
        invited["young"].id,
    ]


def test_coverage_and_campaign_progress_count_session_results_once(
    client, people, invited, plan, token_for
):
    headers = token_for(people.commander)
    campaign = {
        "name": "Cao điểm thu nhận",
        "starts_on": (today_in_vietnam() - timedelta(days=3)).isoformat(),
        "ends_on": (today_in_vietnam() + timedelta(days=20)).isoformat(),
        "unit": "20179",
        "metrics": ["id_collected", "eid_level2_active"],
    }
    status, made_campaign = api_post(client, "/api/v1/campaigns", headers, campaign)
    assert status == 201, made_campaign

    def counts():
        coverage = api_get(client, "/api/v1/coverage?unit=20179", headers)[1]["totals"]
        progress = api_get(client, f"/api/v1/campaigns/{made_campaign['id']}/progress", headers)[1]
        metrics = {m["metric"]: m["count"] for m in progress["metrics"]}
        return coverage["id_collected"], coverage["eid_level2_active"], metrics

    before = counts()
    made = plan([invited["old"].id, invited["phone"].id])
    items = [
        result(invited["old"], id_card="collected"),
        result(invited["phone"], eid="level2_active"),
    ]
    for _ in range(2):  # the outbox sends its items again: nothing counts twice
        status, body = post_results(client, token_for(people.mobile), made["id"], items)
        assert status == 200, body
    after = counts()
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1
    assert after[2]["id_collected"] == before[2]["id_collected"] + 1
    assert after[2]["eid_level2_active"] == before[2]["eid_level2_active"] + 1
