"""POST /api/v1/visits: one visit recorded once, with resident updates and history."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.people.models import Resident, StatusChange
from app.visits.models import RejectedSubmission, Visit
from tests.factories import api_post


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_created_answer_and_resident_history(client, headers, household, visit_body, officer):
    body = visit_body()
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer
    assert answer["status"] == "created"
    assert answer["client_id"] == body["client_id"]
    assert answer["geotag"] == {"distance_m": 0.0, "hamlet_code": "20179-001", "flags": []}
    assert answer["flagged"] is False
    assert answer["followups"] == {"created": [], "closed": []}
    assert answer["corrections"] == []
    visit = db.session.get(Visit, answer["id"])
    assert visit.officer_id == officer.id
    assert visit.received_at is not None and visit.received_at > visit.visited_at
    head = db.session.get(Resident, household.residents[0].id)
    assert (head.id_card, head.eid, head.has_smartphone) == ("issued", "level1", True)
    changes = db.session.execute(
        select(
            StatusChange.field,
            StatusChange.old_value,
            StatusChange.new_value,
            StatusChange.visit_id,
            StatusChange.user_id,
        )
        .where(StatusChange.resident_id == head.id)
        .order_by(StatusChange.field)
    ).all()
    assert [tuple(c) for c in changes] == [
        ("eid", "none", "level1", visit.id, officer.id),
        ("has_smartphone", None, "true", visit.id, officer.id),
        ("id_card", "not_collected", "issued", visit.id, officer.id),
    ]
    assert household.last_visit_at == visit.visited_at


def test_same_client_id_same_body_is_a_duplicate(client, headers, visit_body):
    body = visit_body()
    first = api_post(client, "/api/v1/visits", headers, body)
    second = api_post(client, "/api/v1/visits", headers, body)
    assert first[0] == 201 and second[0] == 200
    assert second[1]["status"] == "duplicate"
    assert second[1]["id"] == first[1]["id"]
    assert count(Visit) == 1


def test_same_body_written_differently_is_a_duplicate(client, headers, visit_body):
    from datetime import datetime

    body = visit_body()
    api_post(client, "/api/v1/visits", headers, body)
    again = dict(body)
    again["location"] = {**body["location"], "accuracy_m": 12.0}
    # The same moment written in UTC.
    again["visited_at"] = (
        datetime.fromisoformat(body["visited_at"])
        .astimezone(__import__("datetime").UTC)
        .isoformat()
    )
    status, answer = api_post(client, "/api/v1/visits", headers, again)
    assert (status, answer["status"]) == (200, "duplicate")


def test_same_client_id_other_body_is_409_naming_what_differs(client, headers, visit_body):
    body = visit_body()
    api_post(client, "/api/v1/visits", headers, body)
    changed = dict(body, outcome="refused")
    changed["residents"] = [dict(body["residents"][0], eid="level2_applied")]
    status, answer = api_post(client, "/api/v1/visits", headers, changed)
    assert status == 409
    assert set(answer["errors"]) == {"outcome", "residents.0.eid"}
    assert answer["client_id"] == body["client_id"]
    assert count(Visit) == 1
    kept = db.session.get(RejectedSubmission, answer["rejected_id"])
    assert kept.body == changed


def test_concurrent_twin_caught_at_insert_answers_duplicate(
    client, headers, visit_body, monkeypatch
):
    """The unique constraint decides a race: the loser answers the winner's id."""
    from app.visits import service

    body = visit_body()
    first = api_post(client, "/api/v1/visits", headers, body)[1]
    # As if the first request had not committed when the second looked.
    monkeypatch.setattr(service, "_visit_by_client_id", lambda client_id, batch: None)
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert (status, answer["status"], answer["id"]) == (200, "duplicate", first["id"])
    status, answer = api_post(client, "/api/v1/visits", headers, dict(body, outcome="refused"))
    assert status == 409 and "outcome" in answer["errors"]
    assert count(Visit) == 1


def test_collision_on_the_same_residents_is_retried(client, headers, visit_body, monkeypatch):
    """A concurrent writer changed the residents (version check): the item is tried again."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.visits import service

    real, calls = service._record, []

    def collide_once(*args):
        calls.append(1)
        if len(calls) == 1:
            real(*args)
            raise StaleDataError("row changed under us")
        return real(*args)

    monkeypatch.setattr(service, "_record", collide_once)
    status, answer = api_post(client, "/api/v1/visits", headers, visit_body())
    assert (status, len(calls)) == (201, 2)
    assert count(Visit) == 1
    monkeypatch.setattr(service, "_record", lambda *a: (_ for _ in ()).throw(StaleDataError()))
    status, answer = api_post(client, "/api/v1/visits", headers, visit_body())
    assert status == 409
    assert answer["message"] == "Hộ này đang được cập nhật cùng lúc; hãy gửi lại sau."
    assert answer["retry"] is True  # the phone keeps it pending and sends it again
    assert count(Visit) == 1
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": [visit_body()]})
    [result] = answer["results"]
    assert (status, result["status"], result["retry"]) == (200, "rejected", True)
