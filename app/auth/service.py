"""Users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ROLES, ApiToken, User, UserHamlet
from app.auth.scope import hamlet_ids_of, holds_unit, scope_of
from app.common import utcnow
from app.database import request_writes
from app.errors import ConflictError, InvalidError, NotFoundError
from app.extensions import db
from app.schemas import Shown
from app.text import has_control_chars
from app.units.models import Unit

# Roles and the unit levels they may be bound to.
ROLE_LEVELS = {
    "admin": ("province", "district", "commune"),
    "commander": ("province", "district", "commune"),
    "officer": ("commune",),
    "village_head": ("hamlet",),
}

log = logging.getLogger("gocua.auth")
TOUCH_WAIT_MS = 1000  # how long a reading request waits to record its token's use (SQLite)

# A real hash to compare against when the user does not exist, so timing tells nothing.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    """Hash a password with the configured method."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    unit_code: str,
    full_name: str = "",
    mobile_team: bool = False,
    phone: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Create a user bound to one unit, refusing a role that does not fit the unit's level."""
    if role not in ROLES:
        raise InvalidError(_("Vai trò không hợp lệ."), {"role": [", ".join(ROLES)]})
    if len(password) < 8:
        raise InvalidError(_("Mật khẩu quá ngắn."), {"password": [_("Ít nhất 8 ký tự.")]})
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise NotFoundError(_("Không có đơn vị mã %(code)s.", code=unit_code))
    if unit.level not in ROLE_LEVELS[role]:
        raise InvalidError(
            _("Vai trò %(role)s không gắn với cấp %(level)s.", role=role, level=unit.level),
            {"unit": [_("Cấp đơn vị không phù hợp.")]},
        )
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ConflictError(_("Tên đăng nhập %(u)s đã tồn tại.", u=username))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit.id,
        full_name=full_name,
        mobile_team=mobile_team,
        phone=phone,
        must_change_password=must_change_password,
    )
    user.unit = unit
    db.session.add(user)
    db.session.flush()
    return user


def user_named(username: str) -> User | None:
    """The user with this username, whatever its case; a name with a control character (which
    PostgreSQL refuses in a query) names nobody."""
    if has_control_chars(username):
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with this username and password, or None (a sign-in: the user
    is seen now)."""
    user = user_named(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    mark_seen(user, utcnow())
    return user


def mark_seen(user: User, now: datetime) -> None:
    """Record when a user was last seen, with a plain UPDATE: bookkeeping, not an audited change
    of the account (the session's audit listener sees only ORM changes)."""
    stmt = update(User.__table__).where(User.__table__.c.id == user.id).values(last_seen_at=now)
    db.session.execute(stmt)
    set_committed_value(user, "last_seen_at", now)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, client: str | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token for the user (on a described client); only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(days=current_app.config["TOKEN_TTL_DAYS"])
    token = ApiToken(user_id=user.id, token_hash=_digest(raw), expires_at=utcnow() + ttl)
    token.client = client
    db.session.add(token)
    db.session.flush()
    return raw, token


@cache
def _token_statement() -> Any:
    """The query of `user_for_token`, built once (it keeps its cache key): asked at every
    request of the API."""
    return (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def user_for_token(raw: str) -> User | None:
    """Return the user of a valid token: unrevoked, unexpired, and used within TOKEN_IDLE_DAYS.

    A valid token's last use is recorded (at most every TOKEN_TOUCH_MINUTES, see `_touch`).
    """
    # One query: the token, its user and the user's unit (joined eagerly with the user).
    row = db.session.execute(_token_statement(), {"token_hash": _digest(raw)}).first()
    now = utcnow()
    if row is None or not token_alive(row[0], now):
        return None
    token, user = row
    if not user.active:
        return None
    _touch(token, user, now)
    return user


def token_alive(token: ApiToken, now: datetime) -> bool:
    """Whether a token still opens the API: not revoked, not past its lifetime, not idle."""
    if token.revoked_at is not None or token.expires_at <= now:
        return False
    idle = timedelta(days=current_app.config["TOKEN_IDLE_DAYS"])
    return (token.last_used_at or token.created_at) + idle > now


def _touch(token: ApiToken, user: User, now: datetime) -> None:
    """Record a token's use, at most every TOKEN_TOUCH_MINUTES (not a write per request).

    A request that writes anyway (POST, PUT, DELETE, a `writes_on_get` GET) carries the new
    time in its own transaction, which holds the write lock already. A reading request (the
    phone's GETs) must not become a writer: on SQLite its deferred transaction would take the
    lock, or fail with "database is locked" when another writer committed since its first
    read. So the time goes in a short transaction of its own on another connection, whose
    first statement is the write (so it queues behind the busy timeout like any writer), and
    a failure there (the lock held past TOUCH_WAIT_MS) is only logged: the next request tries
    again.
    """
    every = timedelta(minutes=current_app.config["TOKEN_TOUCH_MINUTES"])
    if token.last_used_at is not None and token.last_used_at > now - every:
        return
    if has_request_context() and request_writes():
        token.last_used_at = now
        mark_seen(user, now)
        return
    committed_before = g.get("sqlite_committed") if has_request_context() else None
    try:
        with db.engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # a reader waits a moment for the lock, not a whole import
                conn.exec_driver_sql(f"PRAGMA busy_timeout={TOUCH_WAIT_MS}")
            try:
                stmt = update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                conn.execute(stmt)
                users = User.__table__
                seen = update(users).where(users.c.id == token.user_id).values(last_seen_at=now)
                conn.execute(seen)
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
        set_committed_value(token, "last_used_at", now)
        set_committed_value(user, "last_seen_at", now)
        if not (db.session.new or db.session.dirty or db.session.deleted):
            # End this session's read, begun before that commit: a session kept across
            # requests (as in tests) must not later write on a snapshot older than the row.
            db.session.commit()
    except SQLAlchemyError as exc:
        log.warning("could not record the use of token %s: %s", token.id, exc)
    finally:
        if has_request_context() and not committed_before:
            g.pop("sqlite_committed", None)  # those commits were not this request's write


def revoke_token(raw: str) -> bool:
    """Revoke a token; answer whether it existed."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def revoke_tokens(user: User, token_ids: Iterable[int]) -> int:
    """Revoke those of these tokens that belong to the user and are still open; count them."""
    ids = [i for i in token_ids if isinstance(i, int)]
    if not ids:
        return 0
    tokens = db.session.scalars(
        select(ApiToken).where(
            ApiToken.id.in_(ids), ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    ).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    return len(tokens)


def assign_hamlets(user: User, hamlet_codes: list[str], *, replace: bool = False) -> list[Unit]:
    """Assign an officer or village head to hamlets of their commune."""
    if user.role not in ("officer", "village_head"):
        raise InvalidError(_("Chỉ cán bộ hoặc trưởng thôn được phân công thôn."))
    hamlets = list(
        db.session.scalars(select(Unit).where(Unit.code.in_(hamlet_codes), Unit.level == "hamlet"))
    )
    missing = set(hamlet_codes) - {h.code for h in hamlets}
    if missing:
        raise NotFoundError(_("Không có thôn: %(codes)s.", codes=", ".join(sorted(missing))))
    home = scope_of(user.unit)
    for hamlet in hamlets:
        if not holds_unit(home, hamlet):
            raise InvalidError(
                _("Thôn %(code)s không thuộc đơn vị của người dùng.", code=hamlet.code)
            )
    existing = {
        row.hamlet_id: row
        for row in db.session.scalars(select(UserHamlet).where(UserHamlet.user_id == user.id))
    }
    if replace:
        for hamlet_id, row in existing.items():
            if hamlet_id not in {h.id for h in hamlets}:
                db.session.delete(row)
    for hamlet in hamlets:
        if hamlet.id not in existing:
            db.session.add(UserHamlet(user_id=user.id, hamlet_id=hamlet.id))
    db.session.flush()
    return hamlets


def shown_user(user: User) -> Shown:
    """Return a user with the hamlets they work in, as the API shows them."""
    hamlet_ids = hamlet_ids_of(user)
    hamlets = (
        list(db.session.scalars(select(Unit).where(Unit.id.in_(hamlet_ids)).order_by(Unit.code)))
        if hamlet_ids
        else []
    )
    return Shown(user, hamlets=hamlets)


def expires_at_iso(token: ApiToken) -> str:
    """Format a token's expiry for the API."""
    when: datetime = token.expires_at
    return when.isoformat()
