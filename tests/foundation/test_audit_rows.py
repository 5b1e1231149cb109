"""Rows written with Core beside the session (`add_row`): written once, audited as ORM rows
are, never left behind by a commit, dropped by a rollback."""

from sqlalchemy import func, select

from app.auth.audit import add_row, entries_wait, write_pending
from app.auth.models import AuditEntry
from app.common import utcnow
from app.extensions import db
from app.people.models import StatusChange
from app.units.models import Unit


def _change(resident_id: int | None = None) -> dict:
    return {
        "resident_id": resident_id,
        "visit_id": None,
        "session_result_id": None,
        "user_id": None,
        "field": "presence",
        "old_value": None,
        "new_value": "present",
        "at": utcnow(),
    }


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _resident(make_household) -> int:
    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    return household.residents[0].id


def test_a_commit_writes_rows_added_when_nothing_else_changed(world, make_household) -> None:
    resident_id = _resident(make_household)
    add_row(db.session(), StatusChange.__table__, _change(resident_id))
    db.session.commit()
    [row] = db.session.scalars(select(StatusChange)).all()
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "status_changes")
    ).all()
    assert (entry.action, entry.object_id) == ("create", str(row.id))
    assert entry.changes["new_value"] == "present" and "old_value" not in entry.changes
    assert entry.changes["resident_id"] == resident_id and entry.changes["id"] == row.id


def test_a_flush_writes_them_with_its_own_entries_in_one_insert(world, make_household) -> None:
    resident_id = _resident(make_household)
    before = _count(AuditEntry)
    add_row(db.session(), StatusChange.__table__, _change(resident_id))
    world["20179-001"].name = "Thôn Một"
    db.session.flush()
    assert _count(StatusChange) == 1
    assert _count(AuditEntry) == before + 2
    write_pending(db.session())  # nothing left: writes nothing more
    assert _count(AuditEntry) == before + 2


def test_a_rollback_drops_rows_not_yet_written(world, make_household) -> None:
    resident_id = _resident(make_household)
    add_row(db.session(), StatusChange.__table__, _change(resident_id))
    db.session.rollback()
    db.session.commit()
    assert _count(StatusChange) == 0


def test_entries_wait_for_the_next_flush(world) -> None:
    before = _count(AuditEntry)
    with entries_wait(db.session()):
        world["20179-001"].name = "Thôn Một"
        db.session.flush()
    assert _count(AuditEntry) == before
    world["20179-002"].name = "Thôn Hai"
    db.session.flush()
    names = db.session.scalars(
        select(AuditEntry.changes).where(AuditEntry.object_type == Unit.__tablename__)
        .order_by(AuditEntry.id.desc()).limit(2)
    ).all()  # fmt: skip
    assert sorted(n["name"][1] for n in names) == ["Thôn Hai", "Thôn Một"]
