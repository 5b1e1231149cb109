"""Managing other users' accounts: phone sessions, password resets, (de)activation.

A commander acts on users inside their unit, never on an admin account; an admin acts on
anyone inside theirs. A user outside the caller's unit does not exist for them (404).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.auth.audit import record
from app.auth.models import ApiToken, User
from app.auth.scope import unit_in_scope
from app.auth.service import hash_password, shown_user
from app.common import utcnow
from app.errors import ForbiddenError, InvalidError, NotFoundError
from app.extensions import db
from app.schemas import Shown

# Letters and digits that cannot be mistaken for one another when read out over the phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Revoked:
    """How many of a user's sessions a revocation ended."""

    count: int


def managed_user(actor: User, user_id: int) -> User:
    """Return a user the actor may manage: 404 outside their unit, 403 for an admin account."""
    user = db.session.get(User, user_id)
    if user is None or not unit_in_scope(actor, user.unit):
        raise NotFoundError(_("Không tìm thấy người dùng."))
    if user.role == "admin" and actor.role != "admin":
        raise ForbiddenError(_("Chỉ quản trị viên được quản lý tài khoản quản trị."))
    return user


def _active_tokens(user: User) -> Any:
    return select(ApiToken).where(
        ApiToken.user_id == user.id,
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > utcnow(),
    )


def active_tokens(actor: User, user_id: int) -> list[ApiToken]:
    """List a user's unrevoked, unexpired phone sessions, newest first."""
    user = managed_user(actor, user_id)
    query = _active_tokens(user).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke_all(user: User, reason: str) -> Revoked:
    """End every session of a user at once; record it in the audit trail."""
    now = utcnow()
    tokens = list(db.session.scalars(_active_tokens(user)))
    for token in tokens:
        token.revoked_at = now
    record(db.session, "token_revoked", "users", user.id, {"count": len(tokens), "reason": reason})
    db.session.flush()
    return Revoked(len(tokens))


def revoke_tokens(actor: User, user_id: int) -> Revoked:
    """Revoke all of a user's tokens (a lost phone)."""
    return revoke_all(managed_user(actor, user_id), "revoked")


def one_time_password() -> str:
    """Make a random password to read out once."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def reset_password(actor: User, user_id: int) -> str:
    """Give a user a one-time password they must change; end their sessions; answer it."""
    user = managed_user(actor, user_id)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoke_all(user, "password_reset")
    return password


def shown_account(user: User) -> Shown:
    """Return a user as the users API shows them (last seen is a column of the user)."""
    return shown_user(user)


def account_of(actor: User, user_id: int) -> Shown:
    """Describe a user the actor may manage."""
    return shown_account(managed_user(actor, user_id))


def change_own_password(user: User, current: str, new: str) -> None:
    """Let a user replace their password (the one-time one, or their own)."""
    if not check_password_hash(user.password_hash, current):
        raise InvalidError(
            _("Mật khẩu hiện tại không đúng."),
            {"current_password": [_("Mật khẩu hiện tại không đúng.")]},
        )
    problem = password_problem(user, new, current)
    if problem:
        raise InvalidError(problem, {"new_password": [problem]})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.flush()


def password_problem(user: User, new: str, current: str) -> str | None:
    """Say what is wrong with a new password, or None."""
    if len(new) < MIN_PASSWORD_LENGTH:
        return _("Mật khẩu mới phải có ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH)
    if new.strip().lower() == user.username.lower():
        return _("Mật khẩu mới không được trùng tên đăng nhập.")
    if new == current:
        return _("Mật khẩu mới phải khác mật khẩu hiện tại.")
    return None
