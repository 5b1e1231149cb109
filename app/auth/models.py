"""Users, roles, API tokens, hamlet assignments and the append-only audit trail."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common import utcnow
from app.extensions import db
from app.text import fold
from app.units.models import Unit

ROLES = ("admin", "commander", "officer", "village_head")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'commander', 'officer', 'village_head')", name="role_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile_team: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Set by a password reset: until the user picks their own, only that change is allowed.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Full name and username folded (app.text.fold) for searching without diacritics.
    name_folded: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The last sign-in or use of a token, written at most every TOKEN_TOUCH_MINUTES.
    last_seen_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _fold_name(_mapper, _connection, user: User) -> None:
    """Keep the searched text in step with the full name and username, however they change."""
    user.name_folded = fold(f"{user.full_name or ''} {user.username}")[:300]


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # The device the token was issued to, from its User-Agent ("Chrome 120 / Android").
    client: Mapped[str | None] = mapped_column(String(120))

    user: Mapped[User] = relationship()


class UserHamlet(db.Model):
    """An officer's (or village head's) assignment to a hamlet."""

    __tablename__ = "user_hamlets"
    __table_args__ = (UniqueConstraint("user_id", "hamlet_id", name="uq_user_hamlets_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # led by the pair's key
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(db.Model):
    """Who changed what, when; rows are only ever inserted."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The unit the user acted in when the entry was written (a user may move later; the
    # trail is read by that unit's commanders). No reference: an entry outlives any change.
    actor_unit_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
