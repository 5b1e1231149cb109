"""The append-only audit trail, written by the session itself so no write can forget it."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, AuditEntry
from app.common import utcnow

# Columns whose values never enter the trail.
SECRET_COLUMNS = {"password_hash", "token_hash"}
# Columns that change on every touch and say nothing.
NOISE_COLUMNS = {"updated_at", "version", "last_used_at", "search_text", "name_folded"}
# Tables whose rows are bookkeeping of other audited writes.
SKIPPED = (AuditEntry, ApiToken)

_cli_actor: contextvars.ContextVar[int | None] = contextvars.ContextVar("audit_actor", default=None)
_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_disabled", default=False)


class AuditTamperError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute writes outside a request (CLI, jobs) to this user."""
    token = _cli_actor.set(user_id)
    try:
        yield
    finally:
        _cli_actor.reset(token)


def _actor() -> int | None:
    if has_request_context() and g.get("audit_user_id"):
        return g.audit_user_id
    return _cli_actor.get()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict | list):
        return value
    return str(value)


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NOISE_COLUMNS:
            continue
        column = attr.columns[0].name
        if action == "create":
            value = getattr(obj, key)
            if value is not None:
                changes[column] = "***" if column in SECRET_COLUMNS else _plain(value)
        else:
            hist = state.attrs[key].history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if column in SECRET_COLUMNS:
                    old, new = "***", "***"
                changes[column] = [_plain(old), _plain(new)]
    return changes


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditTamperError("audit entries are append-only")


def _after_flush(session: Session, _context: Any) -> None:
    if _disabled.get():
        return
    rows = []
    actor = _actor()
    addr = request.remote_addr if has_request_context() else None
    now = utcnow()
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, SKIPPED) or not hasattr(obj, "__table__"):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action) if action != "delete" else None
            if action == "update" and not changes:
                continue
            identity = inspect(obj).identity
            rows.append(
                {
                    "at": now,
                    "user_id": actor,
                    "action": action,
                    "object_type": obj.__tablename__,
                    "object_id": str(identity[0]) if identity else None,
                    "changes": changes,
                    "remote_addr": addr,
                }
            )
    if rows:
        session.connection().execute(AuditEntry.__table__.insert(), rows)


def record(session: Session, action: str, object_type: str, object_id: Any, changes: Any) -> None:
    """Add an audit entry for an event that is not a row change (login, export, ...)."""
    session.add(
        AuditEntry(
            at=utcnow(),
            user_id=_actor(),
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            changes=changes,
            remote_addr=request.remote_addr if has_request_context() else None,
        )
    )


_installed = False


def init_app(app: Flask) -> None:
    """Install the session listeners once per process."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    _installed = True
