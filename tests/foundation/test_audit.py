"""The audit trail records every write and offers no way to change or delete an entry."""

import ast
import inspect
import sys

import pytest
from sqlalchemy import func, select

from app.auth.audit import AuditTamperError
from app.auth.models import AuditEntry
from app.extensions import db


def test_write_through_api_is_audited(client, world, make_user, token_for):
    user = make_user("commander", "20179")
    client.post("/api/v1/units/20179/hamlets", headers=token_for(user), json={"name": "Thôn 7"})
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "units", AuditEntry.action == "create")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.user_id == user.id
    assert entry.changes["name"] == "Thôn 7"
    assert entry.changes["code"] == "20179-004"


def test_updates_record_old_and_new(world):
    hamlet = world["20179-001"]
    assert hamlet.name == "Thôn 1"  # loaded, as a service loads what it changes
    hamlet.name = "Thôn Một"
    db.session.commit()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "update").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.object_id == str(hamlet.id)
    assert entry.changes["name"] == ["Thôn 1", "Thôn Một"]


def test_passwords_never_enter_the_trail(world, make_user):
    make_user("officer", "20179")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "users")).first()
    assert entry.changes["password_hash"] == "***"


def test_entries_cannot_be_changed_or_deleted(world):
    entry = db.session.scalars(select(AuditEntry)).first()
    entry.action = "forged"
    with pytest.raises(AuditTamperError):
        db.session.flush()
    db.session.rollback()
    entry = db.session.scalars(select(AuditEntry)).first()
    db.session.delete(entry)
    with pytest.raises(AuditTamperError):
        db.session.flush()
    db.session.rollback()


def _view_modules(app) -> dict[str, str]:
    """The app's modules that define a view of a route, by name, with their source."""
    modules = {}
    for view in app.view_functions.values():
        name = getattr(view, "view_class", view).__module__
        if name.startswith("app."):
            modules[name] = inspect.getsource(sys.modules[name])
    return modules


def _audit_writes(source: str) -> list[str]:
    """Where a module touches the audit entries themselves, not through `record`."""
    return [
        ast.unparse(node)
        for node in ast.walk(ast.parse(source))
        if (
            isinstance(node, ast.Name | ast.alias)
            and "AuditEntry" in (node.id if isinstance(node, ast.Name) else node.name)
        )
        or (isinstance(node, ast.Attribute) and node.attr == "AuditEntry")
        or (isinstance(node, ast.Constant) and "audit_entries" in str(node.value))
    ]


def test_no_route_writes_audit_entries(app):
    """The trail is written by the session listener and `record` only: no route module adds,
    changes or deletes an AuditEntry itself, and no URL offers to."""
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    modules = _view_modules(app)
    assert {"app.auth.routes", "app.visits.routes", "app.field.pages", "app.imports.pages"} <= set(
        modules
    )
    touching = {name: found for name, source in modules.items() if (found := _audit_writes(source))}
    assert touching == {}


@pytest.mark.postgres_only  # the trigger is PostgreSQL's; SQLite relies on the ORM guard above
def test_database_refuses_changes_on_postgresql(world):
    import sqlalchemy as sa

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("UPDATE audit_entries SET action = 'forged'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_entries"))
    db.session.rollback()


def test_many_entries_are_written_as_a_few_are(app, world, make_user, monkeypatch):
    """A batch's many entries go by COPY on PostgreSQL (by executemany elsewhere): read back,
    they are what the insert of a few writes, Vietnamese, nesting, empty changes and all."""
    from datetime import UTC, datetime

    from app.auth import audit

    user = make_user("commander", "20179")
    at = datetime(2026, 12, 3, 17, 5, 9, 123456, tzinfo=UTC)
    entries = [
        {"at": at, "user_id": user.id, "action": "update", "object_type": "residents",
         "object_id": "12", "changes": {"full_name": ["Hồ Văn Nhờ", "Hồ Văn Nhớ"],
                                        "note": ['tab\there "quoted" \\ back', None]},
         "remote_addr": "10.0.0.7"},
        {"at": at, "user_id": None, "action": "delete", "object_type": "followups",
         "object_id": None, "changes": None, "remote_addr": None},
        {"at": at, "user_id": user.id, "action": "create", "object_type": "visits",
         "object_id": "7", "changes": {"flags": ["far"], "n": 3, "ok": True, "x": 1.5},
         "remote_addr": None},
    ]  # fmt: skip

    def written(threshold: int) -> list[tuple]:
        monkeypatch.setattr(audit, "ROWS_AHEAD", threshold)
        last = db.session.scalar(select(func.max(AuditEntry.id))) or 0
        audit._insert_entries(db.session(), [dict(e) for e in entries])
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)
        )
        return [
            (e.at, e.user_id, e.action, e.object_type, e.object_id, e.changes, e.remote_addr)
            for e in rows
        ]

    few, many = written(100), written(1)
    assert few == many
    assert few[0][5]["full_name"] == ["Hồ Văn Nhờ", "Hồ Văn Nhớ"]
    assert few[0][0] == at


def test_an_object_inserted_at_once_is_written_and_audited_as_a_flush_would(world):
    """`insert_object` (a single visit's row): the row, its defaults and its create entry are
    those of a flush of the same object, which then stands in the session as if loaded, every
    column known; a unique key taken raises IntegrityError as the flush does."""
    from sqlalchemy import event
    from sqlalchemy import inspect as inspect_object
    from sqlalchemy.exc import IntegrityError

    from app.auth.audit import insert_object, write_pending
    from app.people.models import Household

    hamlet = world["20179-001"]

    def new(code: str) -> Household:
        return Household(
            code=code, client_id=f"phone-{code}", hamlet_id=hamlet.id, lat=None,
            commune_id=hamlet.parent_id, province_id=hamlet.province_id, contact_name="Hờ A Dua",
        )  # fmt: skip

    flushed, at_once = new("HO-F"), new("HO-C")
    db.session.add(flushed)
    db.session.flush()
    insert_object(db.session(), at_once)
    write_pending(db.session())  # its entry, as a single visit's flush writes it
    assert inspect_object(at_once).persistent
    assert db.session.get(Household, at_once.id) is at_once
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert (at_once.kind, at_once.source, at_once.address, at_once.lat) == (
            "family", "list", "", None)  # fmt: skip
        assert at_once.created_at is not None
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements == []
    db.session.commit()

    def entry(household: Household) -> dict:
        changes = db.session.scalar(
            select(AuditEntry.changes).where(
                AuditEntry.object_type == "households",
                AuditEntry.action == "create",
                AuditEntry.object_id == str(household.id),
            )
        )
        return {k: v for k, v in changes.items() if k not in ("id", "code", "client_id")}

    first, second = entry(flushed), entry(at_once)
    first.pop("created_at"), second.pop("created_at")
    assert first == second
    assert second["contact_name"] == "Hờ A Dua" and second["kind"] == "family"
    db.session.expire_all()
    assert db.session.get(Household, at_once.id).contact_name == "Hờ A Dua"

    with pytest.raises(IntegrityError):
        insert_object(db.session(), new("HO-C"))  # the same client_id
    db.session.rollback()


def test_a_rollback_takes_back_what_insert_object_wrote_in_its_transaction_only(world):
    """The root transaction's rollback expunges the objects `insert_object` wrote in it (their
    rows are gone, their ids may be given again), as it does those a flush inserted; a
    savepoint released or rolled back after it, and an object committed before, stay."""
    from sqlalchemy.exc import IntegrityError

    from app.auth.audit import insert_object
    from app.people.models import Household

    hamlet = world["20179-001"]

    def new(code: str) -> Household:
        return Household(
            code=code, client_id=f"phone-{code}", hamlet_id=hamlet.id,
            commune_id=hamlet.parent_id, province_id=hamlet.province_id,
        )  # fmt: skip

    kept = new("HO-K")
    insert_object(db.session(), kept)
    db.session.commit()
    written = new("HO-W")
    insert_object(db.session(), written)
    with db.session.begin_nested():  # a savepoint released after it
        db.session.add(new("HO-S"))
    savepoint = db.session.begin_nested()
    db.session.add(new("HO-K"))  # the code taken: this flush fails inside the savepoint
    with pytest.raises(IntegrityError):
        db.session.flush()
    savepoint.rollback()
    assert written in db.session and kept in db.session
    db.session.rollback()
    assert written not in db.session and kept in db.session
    again = new("HO-W")  # on SQLite the id given again: no other object holds its key now
    insert_object(db.session(), again)
    db.session.commit()
    assert db.session.scalar(select(Household.code).where(Household.id == again.id)) == "HO-W"


def test_rows_without_versions_updated_at_once_set_their_own_changes_only(world, make_household):
    """`write_updates` of households (no version column): each row sets the columns changed
    in it, not those changed in another of the statement, which would put back the value the
    session loaded over another writer's change."""
    from sqlalchemy import update

    from app.auth.audit import write_updates
    from app.common import utcnow
    from app.people.models import Household

    first = make_household("20179-001")
    second = make_household("20179-001")
    db.session.commit()
    db.session.refresh(first), db.session.refresh(second)  # loaded, as a visit loads them
    first.lat, first.lon = 16.05, 108.2  # learned from a visit
    second.last_visit_at = utcnow()
    # Another writer sets the second household's place meanwhile (the session holds it stale).
    db.session.connection().execute(
        update(Household).where(Household.id == second.id).values(lat=16.1, lon=108.3)
    )
    write_updates(db.session(), [second, first])
    db.session.commit()
    db.session.expire_all()
    assert (first.lat, first.lon) == (16.05, 108.2)
    assert (second.lat, second.lon) == (16.1, 108.3) and second.last_visit_at is not None
