"""Tokens end after TOKEN_IDLE_DAYS unused; their last use is written at most every few
minutes, and a reading request records it without becoming a writer itself."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import service
from app.auth.models import ApiToken
from app.common import utcnow
from app.extensions import db


def _token(user, **changes):
    raw, token = service.issue_token(user)
    for key, value in changes.items():
        setattr(token, key, value)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}, token.id


def _last_used(token_id: int):
    db.session.rollback()  # a fresh read: the use was written by another connection
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def test_a_token_unused_for_the_idle_period_is_refused(client, world, make_user):
    user = make_user("officer", "20179")
    long_ago = utcnow() - timedelta(days=31)
    idle, _ = _token(user, created_at=long_ago, last_used_at=long_ago)
    never_used, _ = _token(user, created_at=long_ago)
    recent, _ = _token(user, created_at=long_ago, last_used_at=utcnow() - timedelta(days=29))
    assert client.get("/api/v1/me", headers=idle).status_code == 401
    assert client.get("/api/v1/me", headers=never_used).status_code == 401
    assert client.get("/api/v1/me", headers=recent).status_code == 200


def test_the_idle_period_is_configurable(make_app, world, make_user):
    user = make_user("officer", "20179")
    headers, _ = _token(user, last_used_at=utcnow() - timedelta(days=3))
    strict = make_app(TOKEN_IDLE_DAYS=2)
    assert strict.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert make_app().test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_a_get_records_the_use_at_most_every_few_minutes(client, world, make_user):
    user = make_user("officer", "20179")
    headers, token_id = _token(user)
    assert _last_used(token_id) is None
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    first = _last_used(token_id)
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(token_id) == first  # not again within TOKEN_TOUCH_MINUTES
    stale = utcnow() - timedelta(minutes=6)
    db.session.get(ApiToken, token_id).last_used_at = stale
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(token_id) > stale


def test_a_writing_request_records_the_use_in_its_own_transaction(client, world, make_user):
    user = make_user("officer", "20179")
    headers, token_id = _token(user)
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert _last_used(token_id) is not None


@pytest.mark.sqlite_only
def test_a_get_is_not_held_up_by_a_writer_holding_the_lock(client, world, make_user, backend):
    user = make_user("officer", "20179")
    headers, token_id = _token(user)
    path = db.engine.url.database
    writer = sqlite3.connect(path, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _last_used(token_id) is None  # tried again on the next request
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(token_id) is not None
