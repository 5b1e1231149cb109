"""A batch tried at once (its writes gathered for one flush, what its rules read loaded once)
answers and writes what the item-by-item path answers and writes, item for item.

The same batch is recorded twice on the same data, each time in a savepoint rolled back
after: once at once, once item by item (the try at once turned off). Ids may differ between
the two (PostgreSQL's sequences do not roll back), so they are compared by the order in which
they first appear; times of writing are left out.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import g
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Household, Resident, StatusChange
from app.visits import service
from app.visits.models import RejectedSubmission, Visit, VisitResident
from tests.visits.conftest import an_hour_ago

# Columns that say when a row was written, not what.
WRITTEN_AT = {"received_at", "created_at", "updated_at", "at", "closed_at", "resolved_at"}


class Ids:
    """Name ids by the order in which they first appear, per kind of row; residents added by
    the batch (ids above `last_resident`) too, wherever they are named."""

    def __init__(self, last_resident: int) -> None:
        self.seen: dict[tuple[str, Any], str] = {}
        self.last_resident = last_resident

    def resident(self, value: Any) -> Any:
        if isinstance(value, str) and value.isdigit():
            return str(self.resident(int(value)))
        if isinstance(value, int) and value > self.last_resident:
            return self("resident", value)
        return value

    def text(self, value: str | None) -> str | None:
        """A note naming residents (`công dân #12`)."""
        if value is None:
            return None
        return re.sub(r"công dân #(\d+)", lambda m: f"công dân {self.resident(m[1])}", value)

    def __call__(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        key = (kind, value)
        if key not in self.seen:
            self.seen[key] = f"{kind}#{sum(k == kind for k, _v in self.seen)}"
        return self.seen[key]


def plain(value: Any, ids: Ids, kind: str = "") -> Any:
    """An answer with its new rows' ids named by order and its times of writing left out."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in WRITTEN_AT:
                continue
            if key == "id" and kind:
                out[key] = ids(kind, item)
            elif key in ("rejected_id",):
                out[key] = ids("rejected", item)
            elif key == "resident_id" or (
                value.get("field") == "duplicate_record" and key in ("current", "proposed")
            ):
                out[key] = ids.resident(item)
            elif key == "followups":
                out[key] = {k: plain(v, ids, "followup") for k, v in item.items()}
            elif key == "corrections":
                out[key] = plain(item, ids, "correction")
            elif key == "new_residents":
                out[key] = plain(item, ids, "resident")
            else:
                out[key] = plain(item, ids, kind)
        return out
    if isinstance(value, list):
        return [plain(item, ids, kind) for item in value]
    return value


def bag(rows: Any) -> list:
    """Rows in an order that does not depend on their ids or on None among values."""
    return sorted(rows, key=repr)


def snapshot(ids: Ids, since: dict[str, int]) -> dict[str, list]:
    """The rows the batch wrote or changed, described without ids of new rows or times."""
    rid = ids.resident

    residents = [
        (r.id, r.presence, r.id_card, r.eid, r.has_smartphone, r.pending, r.version)
        for r in db.session.scalars(
            select(Resident).where(Resident.id <= since["resident"]).order_by(Resident.id)
        )
    ]
    households = [
        (h.id, h.last_visit_at, h.lat, h.lon, h.location_source, h.search_text)
        for h in db.session.scalars(select(Household).order_by(Household.id))
    ]
    visits = bag(
        (ids("visit", v.id), v.client_id, v.household_id, v.outcome, v.flags, v.distance_m)
        for v in db.session.scalars(select(Visit))
    )
    followups = bag(
        (
            f.kind, f.rule, f.status, f.reason, f.priority, str(f.due_date), rid(f.resident_id),
            f.household_id, f.assignee_id, f.attempts, f.preferred_time,
            ids("visit", f.created_by_visit_id), ids("visit", f.closed_by_visit_id),
            ids("correction", f.correction_id),
        )
        for f in db.session.scalars(select(Followup))
    )  # fmt: skip
    corrections = bag(
        (
            rid(c.resident_id), rid(c.related_resident_id), c.field, c.rule, c.source,
            rid(c.current_value), rid(c.proposed_value), ids.text(c.note),
            ids("visit", c.visit_id),
        )
        for c in db.session.scalars(select(Correction))
    )  # fmt: skip
    changes = bag(
        (rid(s.resident_id), ids("visit", s.visit_id), s.field, s.old_value, s.new_value)
        for s in db.session.scalars(select(StatusChange))
    )
    seen = bag(
        (ids("visit", s.visit_id), rid(s.resident_id), s.presence, s.id_card, s.eid, s.is_new)
        for s in db.session.scalars(select(VisitResident))
    )
    rejected = bag(
        (r.client_id, str(r.errors), r.resolved_by_visit_id is not None)
        for r in db.session.scalars(select(RejectedSubmission))
    )
    audit = bag(
        (e.action, e.object_type, sorted(k for k in (e.changes or {}) if k not in WRITTEN_AT))
        for e in db.session.scalars(select(AuditEntry).where(AuditEntry.id > since["audit"]))
    )
    return {
        "residents": residents, "households": households, "visits": visits,
        "followups": followups, "corrections": corrections, "changes": changes,
        "seen": seen, "rejected": rejected, "audit": audit,
    }  # fmt: skip


@pytest.fixture
def homes(make_household, make_user):
    """Households in two hamlets, two hamlet officers and a mobile team, open follow-ups."""
    make_user("officer", "20179", hamlets=["20179-002"], username="thon2")
    make_user("officer", "20179", mobile_team=True, username="luudong")
    make_user("commander", "20179", username="chihuy")
    people = [
        {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02", "id_number": "046068000123"},
        {"full_name": "Hồ Thị Mai", "date_of_birth": "1990-01-01", "sex": "female"},
        {"full_name": "Hồ Văn Tư", "date_of_birth": "2009-05-05"},
    ]
    made = [
        make_household("20179-001", residents=people),
        make_household("20179-001", residents=[{"full_name": "Lê Thị Lan", "sex": "female"}]),
        make_household(
            "20179-002",
            residents=[
                {"full_name": "Lê Thị Lan", "sex": "female"},  # a probable duplicate
                {"full_name": "A Lăng Nam", "date_of_birth": "1950"},
            ],
        ),
        make_household("20179-002", residents=[{"full_name": "Trần Văn Sơn"}], location=None),
        make_household("20179-003", residents=[{"full_name": "Phan Văn Đức"}]),
        # Thôn 3 has no officer of its own: its follow-ups go to the commune's least loaded.
        make_household("20179-003", residents=[{"full_name": "Đặng Thị Hà", "sex": "female"}]),
        make_household("20179-003", residents=[{"full_name": "Đặng Văn Bình"}]),
    ]
    db.session.commit()
    return made


def seen(resident, **fields) -> dict:
    return {"resident_id": resident.id, **fields}


def batch(homes) -> list:
    """Items that reach every rule: repeats of a household, replays, refusals, newcomers."""
    h1, h2, h3, h4, h5, h6, h7 = homes
    head, wife, son = h1.residents

    def item(home, **changes) -> dict:
        body = {
            "client_id": str(uuid.uuid4()),
            "household_id": home.id,
            "visited_at": an_hour_ago(),
            "location": {"lat": home.lat or 16.07, "lon": home.lon or 107.72, "accuracy_m": 8},
            "outcome": "met",
            "residents": [],
        }
        body.update(changes)
        return body

    first = item(
        h1,
        visited_at="2026-11-20T09:00:00+07:00",
        residents=[
            seen(head, presence="present", id_card="issued", eid="level1", has_smartphone=True,
                 corrections=[{"field": "ethnicity", "proposed": "Cơ Tu"}]),
            seen(wife, presence="present", id_card="collected"),
            seen(son, presence="present"),
        ],
    )  # fmt: skip
    conflict = dict(first, note="khác")
    return [
        first,
        item(h1, visited_at="2026-11-21T15:00:00+07:00",
             residents=[seen(head, eid="level2_applied"), seen(wife, id_card="not_collected"),
                        seen(son, presence="away_working")]),
        item(h6, residents=[seen(h6.residents[0], presence="present")]),
        item(h7, residents=[seen(h7.residents[0], presence="present", id_card="issued",
                                 eid="level1", has_smartphone=True)]),
        item(h6, outcome="nobody_home", location=None, location_missing_reason="denied"),
        item(h7, residents=[seen(h7.residents[0], eid="level2_applied")]),
        item(h2, residents=[seen(h2.residents[0], presence="present", eid="level1")]),
        item(h3, residents=[seen(h3.residents[0], presence="present")],
             new_residents=[{"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02"}]),
        item(h4, outcome="nobody_home", visited_at="2026-11-20T08:00:00+07:00",
             location=None, location_missing_reason="denied"),
        "junk",
        first,
        conflict,
        item(h4, outcome="nobody_home", visited_at="2026-11-21T17:00:00+07:00",
             location=None, location_missing_reason="denied"),
        item(h5, location={"lat": 16.2, "lon": 107.9, "accuracy_m": 10},
             residents=[seen(h5.residents[0], presence="present", id_card="collected")]),
        item(h2, household_id=999999),
        item(h3, visited_at="2026-11-22T10:00:00+07:00",
             residents=[seen(h3.residents[1], presence="present", id_card="issued", eid="level1",
                             has_smartphone=True)],
             new_residents=[{"full_name": "Lê Thị Lan", "sex": "female"}]),
        item(h4, outcome="met", residents=[seen(h4.residents[0], presence="present")]),
    ]  # fmt: skip


def record(items: list, officer, at_once: bool, monkeypatch) -> tuple[list, dict]:
    """Record the batch in a savepoint; answer its answers and writes, then roll it back."""
    if not at_once:
        monkeypatch.setattr(service, "_at_once", _refuse)
    since = {
        "resident": db.session.scalar(select(Resident.id).order_by(Resident.id.desc()).limit(1)),
        "audit": db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
        or 0,
    }
    savepoint = db.session.begin_nested()
    answers = service.submit_batch(items, officer)
    db.session.flush()
    ids = Ids(since["resident"])
    described = plain(answers, ids, "visit"), snapshot(ids, since)
    savepoint.rollback()
    db.session.expire_all()
    monkeypatch.undo()
    return described


def _refuse(*_args: Any) -> list:
    raise service._Abandon


@pytest.mark.parametrize("rows_ahead", [None, 1], ids=["as-is", "ids-ahead-and-copy"])
def test_a_batch_at_once_answers_and_writes_what_item_by_item_does(
    app, homes, officer, monkeypatch, real_followups, rows_ahead
) -> None:
    """With `rows_ahead` 1, every table's new rows get their ids ahead, the audit entries go
    by COPY and duplicate candidates are read by arrays of keys on PostgreSQL (what a batch
    of hundreds of visits does)."""
    if rows_ahead is not None:
        from app import database
        from app.auth import audit
        from app.people import corrections

        monkeypatch.setattr(database, "ROWS_AHEAD", rows_ahead)
        monkeypatch.setattr(audit, "ROWS_AHEAD", rows_ahead)
        monkeypatch.setattr(corrections, "KEYS_AS_ARRAYS", rows_ahead)
    items = batch(homes)
    with app.test_request_context("/api/v1/visits/batch", method="POST"):
        g.audit_user_id = officer.id
        officer = db.session.get(type(officer), officer.id)
        calls = []
        real = service._at_once
        monkeypatch.setattr(service, "_at_once", lambda *a: calls.append(1) or real(*a))
        at_once = record(items, officer, True, monkeypatch)
        assert calls == [1]
        one_by_one = record(items, officer, False, monkeypatch)
    answers, writes = at_once
    statuses = [a["status"] for a in answers]
    assert statuses == [
        "created", "created", "created", "created", "created", "created", "created",
        "created", "created", "rejected", "duplicate",
        "rejected", "created", "created", "rejected", "created", "created",
    ]  # fmt: skip
    assert writes["followups"] and writes["corrections"] and writes["changes"]
    assert answers == one_by_one[0]
    for table, rows in writes.items():
        assert rows == one_by_one[1][table], table
