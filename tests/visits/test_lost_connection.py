"""The database connection lost in the middle of a visit or a batch: the answer is a JSON 503
with Retry-After (the phone keeps the visits and sends them again), nothing is half written,
and the visits sent again are recorded once.

The connection is cut by PostgreSQL itself (`pg_terminate_backend` from another connection),
at the moment a batch is tried at once, or after the first item of a batch that goes item by
item, or while a single visit's rules run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.visits.models import Visit
from app.visits.signals import batch_starting, visit_recorded
from tests.factories import api_post

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def cut(database_url) -> Callable[[], None]:
    """Cut the request's database connection, as a restart or a network fault does."""
    engine = create_engine(database_url)

    def cut_now() -> None:
        pid = db.session.scalar(select(func.pg_backend_pid()))
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    yield cut_now
    engine.dispose()


def _once(signal, action: Callable[[], None]):
    """Connect a receiver that runs `action` the first time the signal is sent."""
    state = {"done": False}

    def receiver(_sender, **_kw):
        if not state["done"]:
            state["done"] = True
            action()
        return [], []

    signal.connect(receiver)
    return receiver


def _assert_503(status: int, answer: dict, response_headers) -> None:
    assert status == 503, answer
    assert answer["code"] == 503 and answer["message"]
    assert response_headers.get("Retry-After")


def _post(client, path, headers, body):
    response = client.post(path, json=body, headers=headers)
    return response.status_code, response.get_json(), response.headers


def _visits() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Visit))


def test_a_batch_tried_at_once_answers_503_and_is_recorded_when_sent_again(
    client, headers, visit_body, cut
):
    items = [visit_body() for _ in range(3)]
    receiver = _once(batch_starting, cut)
    try:
        _assert_503(*_post(client, "/api/v1/visits/batch", headers, {"visits": items}))
    finally:
        batch_starting.disconnect(receiver)
    assert _visits() == 0
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": items})
    assert status == 200
    assert [r["status"] for r in answer["results"]] == ["created"] * 3
    assert _visits() == 3


def test_a_batch_item_by_item_answers_503_and_leaves_nothing_half_written(
    client, headers, visit_body, cut, monkeypatch, real_followups
):
    from app.visits import service

    monkeypatch.setattr(service, "_at_once", _refuse_at_once)
    items = [visit_body() for _ in range(3)]
    receiver = _once(visit_recorded, cut)
    try:
        _assert_503(*_post(client, "/api/v1/visits/batch", headers, {"visits": items}))
    finally:
        visit_recorded.disconnect(receiver)
    assert _visits() == 0
    status, answer = api_post(client, "/api/v1/visits/batch", headers, {"visits": items})
    assert status == 200
    assert [r["status"] for r in answer["results"]] == ["created"] * 3
    assert _visits() == 3


def test_a_single_visit_answers_503_and_is_recorded_when_sent_again(
    client, headers, visit_body, cut, real_followups
):
    body = visit_body()
    receiver = _once(visit_recorded, cut)
    try:
        _assert_503(*_post(client, "/api/v1/visits", headers, body))
    finally:
        visit_recorded.disconnect(receiver)
    assert _visits() == 0
    status, _answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201
    assert _visits() == 1


def _refuse_at_once(*_args, **_kwargs):
    from app.visits.service import _Abandon

    raise _Abandon
