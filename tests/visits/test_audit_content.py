"""The audit trail of a recorded visit: the same entries, with the same content, whichever
way its rows are written (the visit's status history and rows of residents seen are written
with one Core insert each, their entries built by hand beside the session's own)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, inspect, select

from app.auth.audit import NOISE_COLUMNS
from app.auth.models import AuditEntry
from app.extensions import db
from app.people.models import StatusChange
from app.visits.models import VisitResident
from tests.factories import api_post
from tests.visits.test_statement_budget import body
from tests.visits.test_statement_budget import three as three

# What main wrote for the statement-budget visit before the rows were written with Core:
# (action, table, the columns of the entry's detail), counted.
VISIT = (
    "accuracy_m",
    "body",
    "body_hash",
    "client_id",
    "commune_id",
    "distance_m",
    "flagged",
    "flags",
    "geo_hamlet_id",
    "hamlet_id",
    "household_id",
    "id",
    "lat",
    "lon",
    "note",
    "officer_id",
    "outcome",
    "province_id",
    "received_at",
    "visited_at",
)
FOLLOWUP = (
    "assignee_id",
    "attempts",
    "commune_id",
    "created_at",
    "created_by_visit_id",
    "due_date",
    "hamlet_id",
    "household_id",
    "id",
    "kind",
    "lat",
    "lon",
    "needs_village_head",
    "priority",
    "province_id",
    "reason",
    "resident_id",
    "rule",
    "status",
)
CORRECTION = (
    "commune_id",
    "created_at",
    "created_by_id",
    "field",
    "hamlet_id",
    "household_id",
    "id",
    "problem",
    "proposed_value",
    "province_id",
    "resident_id",
    "source",
    "status",
    "visit_id",
)
CHANGE = ("at", "field", "id", "new_value", "old_value", "resident_id", "user_id", "visit_id")
SEEN = ("id", "is_new", "presence", "resident_id", "visit_id")
CARDS = ("eid", "has_smartphone", "id_card")
EXPECTED = Counter(
    {
        ("create", "visits", VISIT): 1,
        ("create", "corrections", CORRECTION): 1,
        ("create", "followups", tuple(sorted((*FOLLOWUP, "correction_id")))): 1,
        ("create", "followups", FOLLOWUP): 1,
        ("create", "status_changes", CHANGE): 4,
        ("create", "status_changes", tuple(c for c in CHANGE if c != "old_value")): 1,
        ("create", "visit_residents", tuple(sorted((*SEEN, *CARDS)))): 1,
        ("create", "visit_residents", tuple(sorted((*SEEN, "id_card")))): 1,
        ("create", "visit_residents", SEEN): 1,
        ("update", "households", ("last_visit_at",)): 1,
        ("update", "residents", ("eid", "has_smartphone", "id_card")): 1,
        ("update", "residents", ("id_card",)): 1,
        ("update", "residents", ("presence",)): 1,
    }
)  # fmt: skip


def _entries(after: int) -> list[AuditEntry]:
    """The entries written after the one numbered `after`."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.id > after)))


def _last() -> int:
    return db.session.scalar(select(func.max(AuditEntry.id))) or 0


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _as_created(row: Any) -> dict[str, Any]:
    """The detail the session's listener writes for a created row: its non-empty columns."""
    mapper = inspect(row).mapper
    changes = {}
    for attr in mapper.column_attrs:
        value = getattr(row, attr.key)
        if attr.key not in NOISE_COLUMNS and value is not None:
            changes[attr.columns[0].name] = _plain(value)
    return changes


def summary(entries: list[AuditEntry]) -> Counter:
    return Counter((e.action, e.object_type, tuple(sorted(e.changes or {}))) for e in entries)


def test_a_visit_writes_the_same_audit_entries(
    client,
    headers,
    three,
    real_followups,
) -> None:
    household = three(1)
    before = _last()
    status, answer = api_post(client, "/api/v1/visits", headers, body(household))
    assert status == 201, answer
    entries = _entries(before)
    assert summary(entries) == EXPECTED
    assert {(e.user_id, e.remote_addr) for e in entries} == {(entries[0].user_id, "127.0.0.1")}
    assert entries[0].user_id is not None
    # The rows written with Core: each entry names its row and holds its non-empty columns.
    for model in (StatusChange, VisitResident):
        made = {e.object_id: e.changes for e in entries if e.object_type == model.__tablename__}
        rows = db.session.scalars(select(model).where(model.visit_id == answer["id"])).all()
        assert made == {str(row.id): _as_created(row) for row in rows}
