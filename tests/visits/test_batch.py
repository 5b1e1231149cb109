"""POST /api/v1/visits/batch and GET /api/v1/visits/rejected."""

from __future__ import annotations

from sqlalchemy import func, select

from app.errors import InvalidError
from app.extensions import db
from app.people.models import Resident, StatusChange
from app.visits.models import RejectedSubmission, Visit
from tests.factories import api_get, api_post


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_each_item_stands_alone_and_results_keep_order(client, headers, visit_body):
    good = visit_body()
    bad = visit_body(outcome="asleep")
    status, answer = api_post(
        client, "/api/v1/visits/batch", headers, {"visits": [good, bad, good, "junk"]}
    )
    assert status == 200
    results = answer["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "duplicate", "rejected"]
    assert [r["code"] for r in results] == [201, 422, 200, 422]
    assert results[2]["id"] == results[0]["id"]
    assert results[1]["errors"] == {"outcome": [results[1]["errors"]["outcome"][0]]}
    assert results[1]["client_id"] == bad["client_id"]
    assert count(Visit) == 1
    kept = db.session.get(RejectedSubmission, results[1]["rejected_id"])
    assert kept.body == bad
    assert db.session.get(RejectedSubmission, results[3]["rejected_id"]).body == "junk"


def test_an_item_with_a_control_character_in_its_client_id_is_refused_alone(
    client, headers, visit_body
):
    """A NUL in one item's client_id (PostgreSQL refuses it in any query) refuses that item,
    kept with a client_id it can hold; the batch and its other items go on."""
    good, odd = visit_body(), visit_body(client_id="a\x00b")
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": [odd, good]})
    assert status == 200, answer
    results = answer["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert "client_id" in results[0]["errors"]
    assert count(Visit) == 1
    kept = db.session.get(RejectedSubmission, results[0]["rejected_id"])
    assert kept is not None and "\x00" not in (kept.client_id or "")


def test_a_failing_item_rolls_back_alone(
    client, headers, household, visit_body, monkeypatch, real_followups
):
    """An item refused after its visit row was written leaves no trace but the rejection."""
    from app.followups import service

    head = household.residents[0]
    items = [
        visit_body(residents=[{"resident_id": head.id, "eid": "level1"}]),
        visit_body(residents=[{"resident_id": head.id, "eid": "level2_applied"}]),
        visit_body(residents=[{"resident_id": head.id, "id_card": "collected"}]),
    ]

    def flaky(visit, **_details):
        # The second item is refused by its rules, however often the batch is tried.
        if visit.client_id == items[1]["client_id"]:
            raise InvalidError("Quy tắc hẹn thăm lại từ chối.")
        return [], []

    monkeypatch.setattr(service, "on_visit", flaky)  # what the visit_recorded receiver calls
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": items})
    assert status == 200
    assert [r["status"] for r in answer["results"]] == ["created", "rejected", "created"]
    assert count(Visit) == 2
    resident = db.session.get(Resident, head.id)
    assert (resident.eid, resident.id_card) == ("level1", "collected")
    fields = db.session.scalars(
        select(StatusChange.new_value).where(StatusChange.resident_id == head.id)
    ).all()
    assert sorted(fields) == ["collected", "level1"]


def test_batch_limits(client, headers, visit_body):
    status, answer = api_post(
        client, "/api/v1/visits/batch", headers, {"visits": [visit_body()] * 501}
    )
    assert status == 422
    assert list(answer["errors"]) == ["visits"]
    for body in ({"visits": []}, {"visits": {"a": 1}}, {}, {"visits": [], "extra": 1}):
        assert api_post(client, "/api/v1/visits/batch", headers, body)[0] == 422
    assert count(Visit) == 0


def test_five_hundred_visits_in_one_batch(client, headers, household, visit_body):
    items = [visit_body() for _ in range(500)]
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": items})
    assert status == 200
    assert [r["status"] for r in answer["results"]] == ["created"] * 500
    assert [r["client_id"] for r in answer["results"]] == [i["client_id"] for i in items]
    assert count(Visit) == 500


def test_item_outside_scope_is_rejected_with_404(client, headers, visit_body, make_household):
    far = make_household("19777-001")
    status, answer = api_post(
        client,
        "/api/v1/visits/batch",
        headers,
        {"visits": [visit_body(household_id=far.id, residents=[])]},
    )
    assert status == 200
    result = answer["results"][0]
    assert (result["status"], result["code"], list(result["errors"])) == (
        "rejected",
        404,
        ["household_id"],
    )


def test_rejected_list_scope_and_resolution(
    client, headers, officer, visit_body, make_user, token_for
):
    bad = visit_body(outcome="asleep")
    status, answer = api_post(client, "/api/v1/visits", headers, bad)
    assert status == 422
    rejected_id = answer["rejected_id"]

    status, page = api_get(client, "/api/v1/visits/rejected", headers)
    assert status == 200 and page["total"] == 1
    item = page["items"][0]
    assert item["id"] == rejected_id
    assert item["body"] == bad
    assert "outcome" in item["errors"]
    assert item["resolved_at"] is None

    colleague = token_for(make_user("officer", "20179"))
    assert api_get(client, "/api/v1/visits/rejected", colleague)[1]["total"] == 0
    commander = token_for(make_user("commander", "20179"))
    assert api_get(client, "/api/v1/visits/rejected", commander)[1]["total"] == 1
    province = token_for(make_user("commander", "46"))
    assert api_get(client, "/api/v1/visits/rejected", province)[1]["total"] == 1
    elsewhere = token_for(make_user("commander", "19777"))
    assert api_get(client, "/api/v1/visits/rejected", elsewhere)[1]["total"] == 0
    head = token_for(make_user("village_head", "20179-001"))
    assert api_get(client, "/api/v1/visits/rejected", head)[0] == 403

    # The officer fixes it: new client_id, same household and moment.
    fixed = dict(bad, outcome="met", client_id=bad["client_id"] + "-2")
    status, created = api_post(client, "/api/v1/visits", headers, fixed)
    assert status == 201
    row = db.session.get(RejectedSubmission, rejected_id)
    assert row.resolved_by_visit_id == created["id"]
    assert row.resolved_at is not None
    status, page = api_get(client, "/api/v1/visits/rejected?resolved=0", headers)
    assert page["total"] == 0
    status, page = api_get(client, "/api/v1/visits/rejected?resolved=1", headers)
    assert page["items"][0]["resolved_by_visit_id"] == created["id"]


def test_visit_list_filters(client, headers, household, visit_body, make_household):
    other = make_household("20179-002", residents=[])
    first = api_post(client, "/api/v1/visits", headers, visit_body())[1]
    api_post(client, "/api/v1/visits", headers, visit_body(household_id=other.id, residents=[]))
    status, page = api_get(client, f"/api/v1/visits?household={household.id}", headers)
    assert status == 200
    assert [v["id"] for v in page["items"]] == [first["id"]]
    seen = page["items"][0]["residents"][0]
    assert seen == {
        "resident_id": household.residents[0].id,
        "presence": "present",
        "id_card": "issued",
        "eid": "level1",
        "has_smartphone": True,
        "is_new": False,
    }
    status, page = api_get(client, "/api/v1/visits?since=2099-01-01T00:00:00Z", headers)
    assert (status, page["total"]) == (200, 0)
    for wrong in ("0001-01-01T00:00:00", "9999-12-31T23:00:00Z"):
        status, page = api_get(client, f"/api/v1/visits?since={wrong}", headers)
        assert status == 422 and "since" in page["errors"], wrong
    status, page = api_get(client, "/api/v1/visits?per_page=1&page=2", headers)
    assert (page["total"], len(page["items"])) == (2, 1)
    assert api_get(client, "/api/v1/visits?per_page=201", headers)[0] == 422
    assert api_get(client, "/api/v1/visits?household=abc", headers)[0] == 422
