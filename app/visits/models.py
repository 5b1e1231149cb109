"""Visits: one officer at one household at one moment, and refused submissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common import UnitScoped, utcnow
from app.extensions import db

OUTCOMES = ("met", "nobody_home", "refused", "household_moved")
LOCATION_MISSING = ("denied", "unavailable", "timeout")
GEOTAG_FLAGS = ("far_from_household", "outside_hamlet", "low_accuracy", "no_location")


class Visit(UnitScoped, db.Model):
    __tablename__ = "visits"
    # Led by ix_visits_hamlet_visited_at, ix_visits_commune_visited_at.
    led_unit_columns = ("hamlet_id", "commune_id")
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('met', 'nobody_home', 'refused', 'household_moved')",
            name="outcome_valid",
        ),
        # Covering on PostgreSQL: the rollup's recount of a few hamlets reads the index only.
        Index(
            "ix_visits_hamlet_visited_at",
            "hamlet_id",
            "visited_at",
            postgresql_include=[
                "household_id",
                "commune_id",
                "province_id",
                "outcome",
                "received_at",
            ],
        ),
        Index("ix_visits_commune_visited_at", "commune_id", "visited_at"),
        Index("ix_visits_household_visited_at", "household_id", "visited_at"),
        # The few flagged visits, newest first (the dashboard, the map): an index of the flag
        # itself would take an entry for every visit, flagged or not. Their count inside a
        # unit reads the index only on PostgreSQL.
        Index(
            "ix_visits_flagged_at",
            "visited_at",
            postgresql_include=["province_id", "commune_id", "hamlet_id"],
            postgresql_where=text("flagged IS true"),
            sqlite_where=text("flagged IS 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visited_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_missing_reason: Mapped[str | None] = mapped_column(String(16))
    distance_m: Mapped[float | None] = mapped_column(Float)
    geo_hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(2000), default="")
    body: Mapped[dict] = mapped_column(JSON)

    residents: Mapped[list[VisitResident]] = relationship(
        back_populates="visit", order_by="VisitResident.id"
    )


class VisitResident(db.Model):
    """What the officer saw of one resident during a visit."""

    __tablename__ = "visit_residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    presence: Mapped[str | None] = mapped_column(String(16))
    id_card: Mapped[str | None] = mapped_column(String(16))
    eid: Mapped[str | None] = mapped_column(String(16))
    has_smartphone: Mapped[bool | None]
    is_new: Mapped[bool] = mapped_column(default=False)

    visit: Mapped[Visit] = relationship(back_populates="residents")


class RejectedSubmission(db.Model):
    """A visit the server refused, kept whole so nothing an officer typed is lost."""

    __tablename__ = "rejected_submissions"
    __table_args__ = (
        Index("ix_rejected_submissions_household_visited", "household_id", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    body: Mapped[dict | list | str | None] = mapped_column(JSON)
    errors: Mapped[dict] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    # Read from the body when it could be: a fixed resubmission (same household, same
    # moment, new client_id) resolves the refused one. No foreign key: the id may be wrong.
    household_id: Mapped[int | None] = mapped_column(Integer)
    visited_at: Mapped[datetime | None]

    # Never set (the id is): it makes a flush insert the visit before the refusal it resolves
    # is updated, as a batch of visits writes them all in one flush (app/visits/service.py).
    resolved_by_visit: Mapped[Visit | None] = relationship(foreign_keys=[resolved_by_visit_id])
