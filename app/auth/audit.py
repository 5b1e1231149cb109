"""The append-only audit trail, written by the session itself so no write can forget it.

Actions (API.md): `create`, `update`, `delete` (written here by the session listener for every
row change), `read` (a full ID number shown), `export` (a download), `print` (a printable
page), `sign_in`, `sign_in_failed`, `token_revoked`; besides those `sign_out` (the web
logout) and a few of the CLI and the office (`import_households`, `outbox_import`,
`load_units`, `backup`, `seed`).

Names written before the contract stay as they are (entries are never changed): `login` is a
`sign_in`, `view_visit_list` a `print` and `logout` a `sign_out`. Whoever reads the trail
(`app/auth/audit_trail.py`: the API, the page and its CSV) finds them under the new names and
shows them so: `canonical()` and `stored_names()`.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import bindparam, event, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.auth.clients import describe_client
from app.auth.models import ApiToken, AuditEntry, User
from app.common import utcnow
from app.database import ROWS_AHEAD, ids_ahead
from app.text import without_controls

# Columns whose values never enter the trail.
SECRET_COLUMNS = {"password_hash", "token_hash"}
# Columns that change on every touch and say nothing.
NOISE_COLUMNS = {"updated_at", "version", "last_used_at", "search_text", "name_folded"}
# Tables whose rows are bookkeeping of other audited writes.
SKIPPED = (AuditEntry, ApiToken)

# Names written before the contract, read as the contract's names (see the module's docstring).
LEGACY_NAMES = {"login": "sign_in", "view_visit_list": "print", "logout": "sign_out"}
# The longest attempted username a failed sign-in keeps.
ATTEMPT_CHARS = 64

log = logging.getLogger("gocua.audit")

# Keys of Session.info: rows added with `add_row`, waiting for the next flush (table -> rows),
# and the create entries of rows already written, waiting for the flush's one audit insert.
PENDING_ROWS = "audit_pending_rows"
PENDING_ENTRIES = "audit_pending_entries"
# Objects written by `insert_object`, with the root transaction each was written in (that
# transaction's rollback expunges them).
INSERTED = "audit_inserted_objects"
# Set while flushes keep their entries for the next one (`entries_wait`).
DEFERRED = "audit_entries_wait"

# The user (id) and their unit (id) writes outside a request are attributed to.
_cli_actor: contextvars.ContextVar[tuple[int | None, int | None]] = contextvars.ContextVar(
    "audit_actor", default=(None, None)
)
_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_disabled", default=False)


class AuditTamperError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@contextmanager
def acting_as(user: User | None) -> Iterator[None]:
    """Attribute writes outside a request's sign-in (CLI, jobs, the sign-in itself) to this
    user, in their unit now."""
    token = _cli_actor.set((None, None) if user is None else (user.id, user.unit_id))
    try:
        yield
    finally:
        _cli_actor.reset(token)


def act_in_request(user: User) -> None:
    """Attribute this request's writes to the user, in their unit now."""
    g.audit_user_id, g.audit_unit_id = user.id, user.unit_id


def _actors() -> tuple[int | None, int | None]:
    """The user the entries being written are attributed to, and the unit they act in."""
    if has_request_context() and g.get("audit_user_id"):
        return g.audit_user_id, g.get("audit_unit_id")
    return _cli_actor.get()


# Types a value of the trail keeps as it is (checked first: most values are of these).
AS_IS = frozenset({str, int, float, bool, type(None), dict, list})


def _plain(value: Any) -> Any:
    if type(value) in AS_IS:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)


@cache
def _audited(mapper: Any) -> tuple[tuple[str, str], ...]:
    """The (attribute key, column name) of a mapper's columns that enter the trail."""
    return tuple(
        (attr.key, attr.columns[0].name)
        for attr in mapper.column_attrs
        if attr.key not in NOISE_COLUMNS
    )


@cache
def _audited_names(table: Any) -> tuple[str, ...]:
    """The names of a table's columns that enter the trail."""
    return tuple(column.name for column in table.c if column.name not in NOISE_COLUMNS)


def columns_changed(obj: Any) -> bool:
    """Whether a column of an object in the session was changed: `Session.is_modified`
    for columns only, looking only at the attributes set since load (`committed_state`) and
    without building the object's whole attribute namespace (`state.attrs`)."""
    state = inspect(obj)
    columns = state.mapper.column_attrs
    return any(
        key in columns and state.get_history(key, PASSIVE_NO_INITIALIZE).has_changes()
        for key in state.committed_state
    )


def _changes(obj: Any, action: str) -> dict[str, Any]:
    """A created object's non-empty columns, or an updated one's changed columns as [old,
    new]: only the attributes set since the object was loaded (its `committed_state`) can
    have changed, so only their history is looked at."""
    state = inspect(obj)
    audited = _audited(state.mapper)
    if action != "create":
        return _history_changes(_changed(state, [key for key, _column in audited]), audited)
    changes: dict[str, Any] = {}
    loaded = state.dict
    for key, column in audited:
        value = loaded[key] if key in loaded else getattr(obj, key)
        if value is not None:
            changes[column] = "***" if column in SECRET_COLUMNS else _plain(value)
    return changes


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditTamperError("audit entries are append-only")


def add_row(session: Session, table: Any, values: dict[str, Any]) -> None:
    """Add a row that nobody reads back as an object (a history row): written by the next
    flush after its ORM rows (so it may name a row that flush inserts), one Core insert per
    table, its create entry in the flush's one audit insert and
    with the content the listener gives an ORM row (its non-empty columns, noise left out).
    The values name every column the row sets, defaults included, as the entry shows them."""
    session.info.setdefault(PENDING_ROWS, {}).setdefault(table, []).append(values)


# Statements of the write helpers below, built once per table and kind: a statement object
# keeps its cache key, which SQLAlchemy would otherwise compute again at every execution.
_STATEMENTS: dict[tuple[str, str], Any] = {}


def _statement(key: tuple[str, str], build: Callable[[], Any]) -> Any:
    """The statement under this key (a table's name and a kind), built once by `build`."""
    if key not in _STATEMENTS:
        _STATEMENTS[key] = build()
    return _STATEMENTS[key]


def _returning(table: Any) -> Any:
    """A table's insert answering the new rows' ids in the rows' order."""
    return _statement(
        (table.name, "returning"),
        lambda: table.insert().returning(table.c.id, sort_by_parameter_order=True),
    )


def _update_by_id(table: Any, pk: Any, version: Any) -> Any:
    """A table's UPDATE of the row with this id (`_id`) and, for a versioned table, version
    (`_version`), whose SET clause is the columns of the rows it is executed with."""
    checks = [pk == bindparam("_id")]
    if version is not None:
        checks.append(version == bindparam("_version"))
    return _statement((table.name, "update"), lambda: table.update().where(*checks))


def insert_object(session: Session, obj: Any) -> None:
    """Write a new ORM object's row at once with one Core insert (its id from RETURNING), as
    a flush of it alone would, without the unit of work: the object then joins the session as
    persistent, as if loaded, and its create entry (the listener's content, `_created`) waits
    for the next audit insert. Unset and None columns take their Python default as the flush
    would (or the database's, left to be read when asked for); a unique key taken raises
    IntegrityError here, as the flush would; the rollback of the root transaction it was
    written in expunges it, as it does an object a flush inserted (`_forget_pending`). For an
    object with no relationship set and one integer key `id`, written outside a savepoint."""
    mapper = inspect(obj).mapper
    table = mapper.local_table
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if column.primary_key:
            continue
        value = getattr(obj, attr.key)
        if value is None and column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
        if value is None and column.server_default is not None:
            continue  # the database's default; the attribute is read when first asked for
        setattr(obj, attr.key, value)  # every column known: none is read back
        values[column.name] = value
    obj.id = session.connection().scalar(_returning(table), values)
    make_transient_to_detached(obj)
    session.add(obj)
    root = session.get_transaction()
    written = [(o, t) for o, t in session.info.get(INSERTED, ()) if t is root]  # this one's
    session.info[INSERTED] = [*written, (obj, root)]
    if not _disabled.get():
        addr = request.remote_addr if has_request_context() else None
        entry = _entry(utcnow(), _actors(), "create", table.name, obj.id, None, addr)
        entry["changes"] = _created(table, values, obj.id)
        session.info.setdefault(PENDING_ENTRIES, []).append(entry)


def _created(table: Any, row: dict[str, Any], row_id: Any) -> dict[str, Any]:
    """The detail of a created row, as `_changes` gives it for an ORM object."""
    values = {**row, "id": row_id}
    return {
        name: "***" if name in SECRET_COLUMNS else _plain(values[name])
        for name in _audited_names(table)
        if values.get(name) is not None
    }


def write_rows(session: Session) -> None:
    """Write the rows `add_row` left for the flush; their entries wait for its audit insert."""
    pending = session.info.pop(PENDING_ROWS, None)
    if not pending:
        return
    entries = session.info.setdefault(PENDING_ENTRIES, [])
    addr = request.remote_addr if has_request_context() else None
    actor, now = _actors(), utcnow()
    connection = session.connection()
    many = {t.name: len(r) for t, r in pending.items() if len(r) >= ROWS_AHEAD}
    drawn = ids_ahead(connection, many) if connection.dialect.name == "postgresql" else {}
    for table, rows in pending.items():
        if table.name in drawn:
            ids = drawn[table.name]
            named = [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)]
            connection.execute(_statement((table.name, "insert"), table.insert), named)
        else:
            ids = connection.scalars(_returning(table), rows).all()
        if not _disabled.get():
            entries.extend(
                _entry(now, actor, "create", table.name, row_id, _created(table, row, row_id), addr)
                for row, row_id in zip(rows, ids, strict=True)
            )


def write_updates(session: Session, objects: list[Any]) -> None:
    """Write the changed columns of ORM objects of one mapper (from `before_flush`) with one
    UPDATE executemany instead of the flush's UPDATE per row and set of columns, in the order
    of their keys: for a versioned mapper each row sets every column changed in any of them
    (the unchanged ones to the value they hold) and is checked against its version
    (StaleDataError when one was changed meanwhile), its version raised; without versions each
    row sets its own changed columns only (StaleDataError when a row is gone). `onupdate`
    columns are set as the flush does; the update entries, as the listener gives them (changed
    columns only), join the flush's audit insert. The objects are left unchanged in the
    session, as after a flush."""
    if not objects:
        return
    mapper = inspect(objects[0]).mapper
    table, version = mapper.local_table, mapper.version_id_col
    pk = mapper.primary_key[0]
    pk_key = mapper.get_property_by_column(pk).key
    now, actor = utcnow(), _actors()
    addr = request.remote_addr if has_request_context() else None
    stamped = [c for c in table.c if c.onupdate is not None and c is not version]
    groups: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
    entries = []
    # In the order of their keys, as the flush writes them: writers lock rows in one order.
    changed = _histories(sorted(objects, key=lambda obj: getattr(obj, pk_key)), mapper, version)
    union = {key for _obj, history in changed for key in history}
    audited = _audited(mapper)
    for obj, history in changed:
        changes = _history_changes(history, audited)
        if changes and not _disabled.get():
            row_id = getattr(obj, pk_key)
            entries.append(_entry(now, actor, "update", table.name, row_id, changes, addr))
        loaded = inspect(obj).dict
        # One statement for all when it can: the others' columns set to what they hold, which
        # their version checks (a row changed meanwhile fails); a table without versions
        # writes the changed columns only, so as not to undo another writer's change.
        merge = version is not None and union <= loaded.keys()
        keys = sorted(union) if merge else list(history)
        values = {mapper.get_property(key).columns[0].name: loaded[key] for key in keys}
        values.update({c.name: now for c in stamped if c.name not in values})
        values["_id"] = getattr(obj, pk_key)
        if version is not None:
            old = getattr(obj, mapper.get_property_by_column(version).key)
            values.update({"_version": old, version.name: old + 1})
        groups.setdefault(tuple(sorted(values)), []).append((obj, values))
    keys_of = {attr.columns[0].name: attr.key for attr in mapper.column_attrs}
    for names, rows in groups.items():
        columns = [(name, keys_of[name]) for name in names if not name.startswith("_")]
        # The SET clause is the columns named in the rows' values.
        statement = _update_by_id(table, pk, version)
        result = session.connection().execute(statement, [values for _obj, values in rows])
        if result.rowcount != len(rows):
            raise StaleDataError(
                f"UPDATE of {table.name} expected {len(rows)} rows, matched {result.rowcount}"
            )
        for obj, values in rows:
            for name, key in columns:
                set_committed_value(obj, key, values[name])
    session.info.setdefault(PENDING_ENTRIES, []).extend(entries)


def _histories(objects: list[Any], mapper: Any, version: Any) -> list[tuple[Any, dict]]:
    """The objects with a column changed since loaded, each with those columns' histories
    by key (read once: they give both the row's new values and its update entry)."""
    keys = [attr.key for attr in mapper.column_attrs if attr.columns[0] is not version]
    changed = []
    for obj in objects:
        history = _changed(inspect(obj), keys)
        if history:
            changed.append((obj, history))
    return changed


def _changed(state: Any, keys: list[str]) -> dict[str, Any]:
    """The histories, by key, of those of the keys whose attribute changed since the object
    was loaded: only the attributes set since (its `committed_state`) can have."""
    touched = state.committed_state
    history = {}
    for key in keys:
        if key in touched:
            found = state.get_history(key, PASSIVE_NO_INITIALIZE)
            if found.has_changes():
                history[key] = found
    return history


def _history_changes(history: dict[str, Any], audited: tuple[tuple[str, str], ...]) -> dict:
    """An update entry's changes from its columns' histories, as `_changes` gives them."""
    changes: dict[str, Any] = {}
    for key, column in audited:
        if key in history:
            found = history[key]
            if column in SECRET_COLUMNS:
                changes[column] = ["***", "***"]
                continue
            old = found.deleted[0] if found.deleted else None
            new = found.added[0] if found.added else None
            changes[column] = [_plain(old), _plain(new)]
    return changes


def write_pending(session: Session) -> None:
    """Write what waits for a flush when none follows (nothing else changed): the rows of
    `add_row`, and the waiting entries in one audit insert."""
    write_rows(session)
    entries = session.info.pop(PENDING_ENTRIES, None)
    if entries:
        _insert_entries(session, entries)


@contextmanager
def entries_wait(session: Session) -> Iterator[None]:
    """Flushes inside keep their audit entries for the next flush's (or `write_pending`'s)
    one insert: a write in two flushes costs one audit insert."""
    session.info[DEFERRED] = True
    try:
        yield
    finally:
        session.info.pop(DEFERRED, None)


def _forget_pending(session: Session, previous: Any) -> None:
    """A rollback drops what was waiting for a flush: it was part of the undone work. The
    rollback of a root transaction (not of a savepoint, nor of a failed flush inside one) also
    expunges the objects `insert_object` wrote in it, as it does the objects a flush inserted:
    their rows are gone, and their ids may be given again."""
    session.info.pop(PENDING_ROWS, None)
    session.info.pop(PENDING_ENTRIES, None)
    if previous.parent is not None:
        return
    for obj, root in session.info.pop(INSERTED, ()):
        if root is previous and obj in session:
            session.expunge(obj)


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING_ROWS) or session.info.get(PENDING_ENTRIES):
        session.flush()
        write_pending(session)


ENTRY_COLUMNS = (
    "at", "user_id", "actor_unit_id", "action", "object_type", "object_id", "changes",
    "remote_addr",
)  # fmt: skip


def _insert_entries(session: Session, entries: list[dict[str, Any]]) -> None:
    """Insert audit entries: many of them (a batch's) on PostgreSQL with COPY, their changes
    as the JSON text the insert would write; else with one executemany."""
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(entries) < ROWS_AHEAD:
        table = AuditEntry.__table__
        connection.execute(_statement((table.name, "insert"), table.insert), entries)
        return
    columns = ", ".join(ENTRY_COLUMNS)
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY audit_entries ({columns}) FROM STDIN") as copy,
    ):
        for entry in entries:
            copy.write_row(
                [json.dumps(entry["changes"]) if name == "changes" else entry.get(name)
                 for name in ENTRY_COLUMNS]
            )  # fmt: skip


def _entry(
    at: datetime,
    actor: tuple[int | None, int | None],
    action: str,
    name: str,
    row_id: Any,
    changes: Any,
    addr: Any,
) -> dict[str, Any]:
    return {
        "at": at,
        "user_id": actor[0],
        "actor_unit_id": actor[1],
        "action": action,
        "object_type": name,
        "object_id": None if row_id is None else str(row_id),
        "changes": changes,
        "remote_addr": addr,
    }


def _after_flush(session: Session, _context: Any) -> None:
    write_rows(session)  # after the ORM rows: a history row may name one just inserted
    if _disabled.get():
        return
    actor = _actors()
    addr = request.remote_addr if has_request_context() else None
    now = utcnow()
    rows = session.info.pop(PENDING_ENTRIES, None) or []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, SKIPPED) or not hasattr(obj, "__table__"):
                continue
            if action == "update" and not columns_changed(obj):
                continue
            changes = _changes(obj, action) if action != "delete" else None
            if action == "update" and not changes:
                continue
            # A new row has no identity key until the flush ends: read its primary key.
            state = inspect(obj)
            identity = state.identity or state.mapper.primary_key_from_instance(obj)
            row_id = identity[0] if identity else None
            rows.append(_entry(now, actor, action, obj.__tablename__, row_id, changes, addr))
    if rows and session.info.get(DEFERRED):
        session.info[PENDING_ENTRIES] = rows  # for the next flush's insert
    elif rows:
        _insert_entries(session, rows)


def record(session: Session, action: str, object_type: str, object_id: Any, changes: Any) -> None:
    """Add an audit entry for an event that is not a row change (login, export, ...)."""
    user_id, unit_id = _actors()
    session.add(
        AuditEntry(
            at=utcnow(),
            user_id=user_id,
            actor_unit_id=unit_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            changes=changes,
            remote_addr=request.remote_addr if has_request_context() else None,
        )
    )


def canonical(action: str) -> str:
    """Return the contract's name of a stored action (an old name read as its new one)."""
    return LEGACY_NAMES.get(action, action)


def stored_names(action: str) -> list[str]:
    """Return every name an action may be stored under: itself and its old names."""
    return [action, *sorted(old for old, new in LEGACY_NAMES.items() if new == action)]


def record_sign_in_failed(session: Session, username: str, via: str) -> None:
    """Record and commit a refused password sign-in; never raise (the refusal must answer).

    The entry names the account when the username exists (as its user and its object), else
    nobody, with the attempted username (cut to 64 characters) in the detail; the password is
    never kept. The address is the entry's `remote_addr`; the device is described in `client`.
    """
    attempt = without_controls((username or "")[:ATTEMPT_CHARS])
    try:
        user_id, unit_id = session.execute(
            select(User.id, User.unit_id).where(func.lower(User.username) == attempt.lower())
        ).first() or (None, None)
        agent = request.user_agent.string if has_request_context() else None
        session.add(
            AuditEntry(
                at=utcnow(),
                user_id=user_id,
                actor_unit_id=unit_id,
                action="sign_in_failed",
                object_type="users",
                object_id=None if user_id is None else str(user_id),
                changes={"via": via, "username": attempt, "client": describe_client(agent)},
                remote_addr=request.remote_addr if has_request_context() else None,
            )
        )
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("could not record a failed sign-in", exc_info=True)


_installed = False


def init_app(app: Flask) -> None:
    """Install the session listeners once per process."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _forget_pending)
    _installed = True
