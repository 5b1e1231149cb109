"""How many SQL statements recording a visit costs: a budget that stops the write path from
growing a query per resident, per rule or per flush again.

What is counted: every statement the app's engine sends through a cursor while the request
runs (`before_cursor_execute`), whatever it is: SELECTs, INSERTs, UPDATEs, SQLite's
`BEGIN IMMEDIATE`, SAVEPOINT and RELEASE; an `executemany` is one statement (one call); plus
every COMMIT and ROLLBACK of the engine (they are connection calls, not cursor statements,
and would otherwise go unseen). Rows written by database triggers are not statements the app
sends and are not counted. The authentication (the token with its user and unit) is counted.

The measured request is the steady state of a phone: its token was used a moment ago, so its
use is not written again (at most every TOKEN_TOUCH_MINUTES); a first use costs TOUCH more,
checked below. The commune's hamlet index is built by a first visit, as it is once per process.

Why SQLite's budget is higher: psycopg begins PostgreSQL's transaction by itself, unseen by
the engine, where SQLite's `BEGIN IMMEDIATE` is a statement; and SQLAlchemy writes ORM rows
that need their ids back one INSERT ... RETURNING per row on SQLite (no sentinel column keeps
a multi-row RETURNING in order there), where PostgreSQL gets one INSERT per table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, update

from app.auth.models import ApiToken, AuditEntry
from app.common import utcnow
from app.errors import InvalidError
from app.extensions import db
from app.people.models import Correction, Resident, StatusChange
from app.visits.models import RejectedSubmission, Visit
from tests.factories import api_post
from tests.visits.conftest import an_hour_ago

# One POST /api/v1/visits: a household of 3, each resident's statuses changed, one correction.
SINGLE_BUDGET = {"postgresql": 15, "sqlite": 23}
# Writing the token's use (the token, the user's last sighting).
TOUCH = 2
# A batch: statements(n visits) <= BATCH_BASE + n * PER_VISIT. On PostgreSQL a batch tried
# at once costs about the same for 1 visit as for 20: what its rules read is read once, its
# writes go in one flush with one statement per table. SQLite flushes each visit row to learn
# its id (no sequence to draw ids from ahead).
BATCH_BASE = {"postgresql": 27, "sqlite": 10}
PER_VISIT = {"postgresql": 1, "sqlite": 20}


@contextmanager
def counted() -> Iterator[list[str]]:
    """Collect every statement, commit and rollback the app's engine sends."""
    sent: list[str] = []

    def statement(_conn, _cursor, text, _params, _context, _many) -> None:
        sent.append(" ".join(text.split()))

    def commit(_conn) -> None:
        sent.append("COMMIT")

    def rollback(_conn) -> None:
        sent.append("ROLLBACK")

    hooks = (("before_cursor_execute", statement), ("commit", commit), ("rollback", rollback))
    for name, hook in hooks:
        event.listen(db.engine, name, hook)
    try:
        yield sent
    finally:
        for name, hook in hooks:
            event.remove(db.engine, name, hook)


@pytest.fixture
def three(make_household):
    """Households of three residents (the head with an ID number on file)."""

    def make(number: int):
        return make_household(
            "20179-001",
            residents=[
                {
                    "full_name": "Hồ Văn Nhờ",
                    "date_of_birth": "1968-03-02",
                    "id_number": f"04606800{number:04d}",
                },
                {"full_name": "Hồ Thị Mai", "date_of_birth": "1990-01-01", "sex": "female"},
                {"full_name": "Hồ Văn Tư", "date_of_birth": "2005-05-05"},
            ],
        )

    return make


def body(household) -> dict:
    """A met visit: every resident's statuses change, the head has one correction."""
    head, wife, son = household.residents
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": an_hour_ago(),
        "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 12},
        "outcome": "met",
        "residents": [
            {
                "resident_id": head.id,
                "presence": "present",
                "id_card": "issued",
                "eid": "level1",
                "has_smartphone": True,
                "corrections": [{"field": "ethnicity", "proposed": "Cơ Tu"}],
            },
            {"resident_id": wife.id, "presence": "present", "id_card": "collected"},
            {"resident_id": son.id, "presence": "away_working"},
        ],
        "new_residents": [],
        "note": "",
    }


def recent_use(headers) -> None:
    """Mark the token as used a moment ago, as a phone's token is between two syncs."""
    db.session.execute(update(ApiToken).values(last_used_at=utcnow()))
    db.session.commit()


def listed(sent: list[str]) -> str:
    """The statements, one line each, cut short for a failure message."""
    return "\n".join(s[:120] for s in sent)


def post_counted(client, headers, payload, path="/api/v1/visits") -> tuple[int, dict, list]:
    """POST as a phone does: the test's session (which a test client's request shares) is
    closed first, so the request begins its own transaction and loads what it needs."""
    db.session.close()
    with counted() as sent:
        status, answer = api_post(client, path, headers, payload)
    return status, answer, sent


def test_one_visit_stays_within_its_budget(client, headers, three, backend, real_followups) -> None:
    warm, measured = three(1), three(2)
    status, _answer = api_post(client, "/api/v1/visits", headers, body(warm))
    assert status == 201
    recent_use(headers)
    status, answer, sent = post_counted(client, headers, body(measured))
    assert status == 201, answer
    # The visit did all its work: statuses, the correction, follow-ups.
    assert [c["field"] for c in answer["corrections"]] == ["ethnicity"]
    assert {f["kind"] for f in answer["followups"]["created"]} >= {"eid_support"}
    listing = listed(sent)
    assert len(sent) <= SINGLE_BUDGET[backend], f"{len(sent)} statements:\n{listing}"
    # Authentication is one query: the token, its user and the user's unit.
    assert sum(s.startswith("SELECT api_tokens") for s in sent) == 1
    assert not any(s.startswith("SELECT users.id, users.username") for s in sent), listing
    # The household and its residents are one query.
    assert sum(" FROM households" in s for s in sent) == 1, listing
    # The three residents' changes are one UPDATE (each row checked against its version).
    assert sum(s.startswith("UPDATE residents") for s in sent) == 1, listing
    # The visit row's flush keeps its entry for the second flush: one audit insert.
    assert sum(s.startswith("INSERT INTO audit_entries") for s in sent) == 1, listing


def test_a_first_use_of_the_token_costs_touch_more(
    client, headers, three, backend, real_followups
) -> None:
    warm, measured = three(1), three(2)
    assert api_post(client, "/api/v1/visits", headers, body(warm))[0] == 201
    db.session.execute(update(ApiToken).values(last_used_at=None))
    db.session.commit()
    status, _answer, sent = post_counted(client, headers, body(measured))
    assert status == 201
    assert len(sent) <= SINGLE_BUDGET[backend] + TOUCH, listed(sent)
    assert sum(s.startswith("UPDATE api_tokens") for s in sent) == 1


def test_a_replay_costs_three_statements_at_most(client, headers, three, real_followups) -> None:
    household = three(1)
    payload = body(household)
    assert api_post(client, "/api/v1/visits", headers, payload)[0] == 201
    recent_use(headers)
    status, answer, sent = post_counted(client, headers, payload)
    assert (status, answer["status"]) == (200, "duplicate")
    # The token, the visit by client_id, the commit (and SQLite's BEGIN IMMEDIATE).
    assert len(sent) <= 4, listed(sent)


def test_a_batch_grows_by_a_constant_per_visit(
    client, headers, three, backend, real_followups
) -> None:
    homes = [three(n) for n in range(1, 23)]
    status, _answer = api_post(client, "/api/v1/visits", headers, body(homes[0]))
    assert status == 201
    recent_use(headers)
    first, items = body(homes[1]), [body(h) for h in homes[2:]]
    status, one, sent_one = post_counted(
        client, headers, {"visits": [first]}, "/api/v1/visits/batch"
    )
    assert status == 200 and one["results"][0]["status"] == "created", one
    status, many, sent_many = post_counted(
        client, headers, {"visits": items}, "/api/v1/visits/batch"
    )
    assert status == 200
    assert [r["status"] for r in many["results"]] == ["created"] * 20
    per_visit = (len(sent_many) - len(sent_one)) / 19
    assert per_visit <= PER_VISIT[backend], f"{per_visit:.1f} per visit"
    assert len(sent_many) <= BATCH_BASE[backend] + 20 * PER_VISIT[backend], len(sent_many)


def test_a_single_visit_refused_after_its_row_was_written_leaves_only_the_rejection(
    client, headers, three, monkeypatch, real_followups
) -> None:
    """Without a savepoint, a single visit refused late rolls back the whole request's
    transaction: no visit, status, correction or audit entry of it stays; the body is kept."""
    from app.followups import service

    def refuse(*_args, **_details):
        raise InvalidError("Quy tắc hẹn thăm lại từ chối.")

    household = three(1)
    payload = body(household)
    monkeypatch.setattr(service, "on_visit", refuse)  # what the visit_recorded receiver calls
    db.session.close()
    with counted() as sent:
        status, answer = api_post(client, "/api/v1/visits", headers, payload)
    assert status == 422, answer
    assert "ROLLBACK" in sent
    assert rows(Visit) == rows(StatusChange) == rows(Correction) == 0
    assert db.session.scalar(select(func.count()).where(AuditEntry.object_type == "visits")) == 0
    [kept] = db.session.scalars(select(RejectedSubmission)).all()
    assert kept.client_id == payload["client_id"] and kept.body == payload
    heads = db.session.scalars(select(Resident.id_card).where(Resident.id_number.is_not(None)))
    assert heads.all() == ["not_collected"]
    # Sent again once the rule allows it, the same body is recorded and resolves the refusal.
    monkeypatch.undo()
    status, answer = api_post(client, "/api/v1/visits", headers, payload)
    assert status == 201, answer
    assert db.session.get(RejectedSubmission, kept.id).resolved_by_visit_id == answer["id"]


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
