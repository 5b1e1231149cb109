"""Capture sessions: a team taking ID card applications at homes, at a point or at a site."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common import UnitScoped, utcnow
from app.extensions import db

KINDS = ("at_home", "point", "at_site")
STATUSES = ("planned", "done", "cancelled")


class CaptureSession(UnitScoped, db.Model):
    """One planned session: when, where, who goes and who is invited."""

    __tablename__ = "capture_sessions"
    # Led by ix_capture_sessions_commune_day.
    led_unit_columns = ("commune_id",)
    __table_args__ = (
        CheckConstraint("kind IN ('at_home', 'point', 'at_site')", name="kind_valid"),
        CheckConstraint("status IN ('planned', 'done', 'cancelled')", name="status_valid"),
        Index("ix_capture_sessions_commune_day", "commune_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date]
    starts_at: Mapped[time | None] = mapped_column(Time)
    ends_at: Mapped[time | None] = mapped_column(Time)
    # Where: the hamlet (hamlet_id), a site (a household whose kind is a site), a place named
    # in words and/or a point on the map.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    place: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    equipment: Mapped[str] = mapped_column(String(1000), default="")
    note: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[list[SessionMember]] = relationship(
        order_by="SessionMember.id", cascade="all, delete-orphan"
    )
    invitees: Mapped[list[SessionInvitee]] = relationship(
        order_by="SessionInvitee.position", cascade="all, delete-orphan"
    )


class SessionMember(db.Model):
    """A user on a session's team."""

    __tablename__ = "session_members"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_session_members"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("capture_sessions.id"))  # led by the key
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class SessionInvitee(db.Model):
    """A resident invited to a session, with why they were proposed."""

    __tablename__ = "session_invitees"
    __table_args__ = (UniqueConstraint("session_id", "resident_id", name="uq_session_invitees"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("capture_sessions.id"))  # led by the key
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class SessionResult(UnitScoped, db.Model):
    """What became of one invited resident, recorded once per client_id."""

    __tablename__ = "session_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[int] = mapped_column(ForeignKey("capture_sessions.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    attended: Mapped[bool]
    id_card: Mapped[str | None] = mapped_column(String(16))
    eid: Mapped[str | None] = mapped_column(String(16))
    card_issue: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[dict] = mapped_column(JSON)


class RejectedResult(db.Model):
    """A session result the server refused, kept whole with its errors."""

    __tablename__ = "session_rejected_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("capture_sessions.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[dict | list | str | None] = mapped_column(JSON)
    errors: Mapped[dict] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
