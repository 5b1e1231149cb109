"""Database connection rules that hold for every engine: SQLite pragmas and write locks;
and the one flush a batch of visits gathers its writes for.

Registered on import (the factory imports this module once); they read the request only to
decide whether a transaction may write.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, func, inspect, literal, select, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

# Session.info key, set while a batch's writes wait for the one flush at its end.
ONE_FLUSH = "one_flush"
# Session.info key: what a batch of visits read once for all its items (a dict, each domain
# under its own keys), while the batch runs.
BATCH_CACHE = "batch_cache"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL and foreign keys for every SQLite connection; transactions are begun by
    `_sqlite_begin` below, not by the driver."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    """On SQLite, a request that may write takes the write lock when its transaction begins.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer committed in between (WAL cannot wait that out); taking the
    lock first makes concurrent writers queue behind the busy timeout instead. Reads (GET)
    stay deferred and run side by side; a GET that writes (an audited download) says so with
    `writes_on_get`. Outside a request (commands, migrations) every transaction may write,
    except under tests, whose own reads outside requests must not lock out the live server
    they drive.
    """
    if conn.dialect.name != "sqlite":
        return
    immediate = not (has_app_context() and current_app.testing)
    if has_request_context():
        immediate = request_writes()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def request_writes() -> bool:
    """Whether this request's own transaction may write (and so, on SQLite, holds the lock):
    every method but GET, HEAD and OPTIONS, and a GET whose view says `writes_on_get`."""
    view = current_app.view_functions.get(request.endpoint or "")
    writes = getattr(view, "writes_on_get", False)
    writes = writes() if callable(writes) else writes
    # Once a GET has committed its write (an export's audit entry), what follows (the
    # streamed rows) only reads: it must not hold the lock while a slow client downloads.
    writes = writes and not g.get("sqlite_committed")
    return request.method not in ("GET", "HEAD", "OPTIONS") or bool(writes)


@event.listens_for(Engine, "commit")
def _sqlite_committed(conn: Any) -> None:
    """Remember, for `_sqlite_begin`, that this request's write is done."""
    if conn.dialect.name == "sqlite" and has_request_context():
        g.sqlite_committed = True


def batch_cache(session: Session) -> dict[str, Any] | None:
    """What the running batch of visits read once for all its items, or None."""
    return session.info.get(BATCH_CACHE)


def flush(session: Session) -> None:
    """Flush the session, unless a batch gathers its writes for one flush at its end (the
    visits' batch, app/visits/service.py): code that flushes only to write what it added
    (not to read it back) calls this instead of `session.flush()`."""
    if not session.info.get(ONE_FLUSH):
        session.flush()


# From this many new rows of a table on (a batch's), PostgreSQL gives their ids ahead: an
# insert with RETURNING is one long statement per page of rows, which the driver parses each
# time; rows with their ids go in one executemany of a short statement.
ROWS_AHEAD = 100


@event.listens_for(Session, "before_flush")
def _ids_for_many(session: Session, _context: Any, _instances: Any) -> None:
    """In a batch's one flush on PostgreSQL, give the new ORM objects of a table with many of
    them their ids ahead (see `ROWS_AHEAD`)."""
    if not session.info.get(ONE_FLUSH) or session.get_bind().dialect.name != "postgresql":
        return
    waiting: dict[str, list[Any]] = {}
    for obj in session.new:
        mapper = inspect(obj).mapper
        keys = mapper.primary_key
        if len(keys) == 1 and keys[0].name == "id" and getattr(obj, "id", None) is None:
            waiting.setdefault(mapper.local_table.name, []).append(obj)
    many = {name: len(objs) for name, objs in waiting.items() if len(objs) >= ROWS_AHEAD}
    if many:
        drawn = ids_ahead(session.connection(), many)
        for name in many:
            ordered = sorted(waiting[name], key=lambda o: inspect(o).insert_order)  # as added
            for obj, row_id in zip(ordered, sorted(drawn[name]), strict=True):
                obj.id = row_id


def ids_ahead(connection: Connection, counts: dict[str, int]) -> dict[str, list[int]]:
    """Ids drawn from PostgreSQL's sequences for rows about to be inserted, per table, in one
    statement: rows given their ids are inserted without RETURNING (an executemany whose short
    statement the driver prepares once, not one long statement per page of rows)."""
    drawn = [
        select(
            literal(table).label("name"),
            func.nextval(func.pg_get_serial_sequence(table, "id")),
        ).select_from(func.generate_series(1, count))
        for table, count in counts.items()
        if count > 0
    ]
    ids: dict[str, list[int]] = {table: [] for table in counts}
    if drawn:
        for table, value in connection.execute(union_all(*drawn) if len(drawn) > 1 else drawn[0]):
            ids[table].append(value)
    return ids
