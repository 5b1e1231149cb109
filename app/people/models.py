"""Households, residents, their status history and corrections."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common import UnitScoped, utcnow
from app.extensions import db

PRESENCE = ("present", "away_working", "away_other", "moved", "deceased")
ID_CARD = ("not_collected", "collected", "issued")
EID = ("none", "level1", "level2_applied", "level2_active")
SEX = ("male", "female")
RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
CORRECTION_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "id_number",
    "birthplace",
    "ethnicity",
    "address",
    "relationship",
    "duplicate_record",
    "other",
)
CORRECTION_STATUS = ("open", "verified", "fixed", "dismissed")
# Who found it: an officer, the server's own checks, or a reading of the resident's ID card.
CORRECTION_SOURCES = ("officer", "server", "card_scan")
# A household on the list is a family; the others are sites where many unrelated people live.
HOUSEHOLD_KINDS = ("family", "boarding_house", "dormitory", "company", "other_site")
SITE_KINDS = HOUSEHOLD_KINDS[1:]
# Permanent (thường trú), temporary (tạm trú) or a short stay (lưu trú).
RESIDENCE = ("permanent", "temporary", "staying")
CARD_ISSUE = ("lost", "damaged", "expired", "wrong_details")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Household(UnitScoped, db.Model):
    __tablename__ = "households"
    # Led by ix_households_hamlet_visited, the code's unique key.
    led_unit_columns = ("hamlet_id", "commune_id")
    __table_args__ = (
        UniqueConstraint("commune_id", "code", name="uq_households_commune_code"),
        Index("ix_households_hamlet_visited", "hamlet_id", "last_visit_at"),
        CheckConstraint(_in("kind", HOUSEHOLD_KINDS), name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(16))  # known, learned
    source: Mapped[str] = mapped_column(String(16), default="list")  # list, field, import
    kind: Mapped[str] = mapped_column(String(16), default="family", server_default="family")
    site_name: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    rooms: Mapped[list | None] = mapped_column(JSON)  # a boarding house's room labels
    # The phone's id of a household it created offline: a retry finds the same household.
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    body_hash: Mapped[str | None] = mapped_column(String(64))  # of the body that created it
    last_visit_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    residents: Mapped[list[Resident]] = relationship(
        back_populates="household", order_by="Resident.id"
    )
    # The day and time window of the hamlet's visit plan (app/schedule), or None.
    scheduled_visit: Mapped[ScheduledVisit | None] = relationship(
        back_populates="household", uselist=False, viewonly=True
    )


class Resident(UnitScoped, db.Model):
    __tablename__ = "residents"
    # Led by ix_residents_hamlet_status, ix_residents_dup_key.
    led_unit_columns = ("hamlet_id", "commune_id")
    __table_args__ = (
        CheckConstraint(_in("presence", PRESENCE), name="presence_valid"),
        CheckConstraint(_in("id_card", ID_CARD), name="id_card_valid"),
        CheckConstraint(_in("eid", EID), name="eid_valid"),
        CheckConstraint(_in("residence", RESIDENCE), name="residence_valid"),
        CheckConstraint(_in("card_issue", CARD_ISSUE), name="card_issue_valid"),
        Index("ix_residents_dup_key", "commune_id", "name_folded", "birth_year"),
        Index("ix_residents_hamlet_status", "hamlet_id", "presence", "id_card", "eid"),
        # The few residents with an open card problem, for coverage's cards to re-issue (with
        # ix_residents_card_renewal_due: a bitmap of two small ranges, not every resident).
        Index(
            "ix_residents_card_issue_open",
            "card_issue",
            postgresql_where=text("card_issue IS NOT NULL"),
            sqlite_where=text("card_issue IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(8))
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    birthplace: Mapped[str | None] = mapped_column(String(200))
    birthplace_code: Mapped[str | None] = mapped_column(String(3))
    ethnicity: Mapped[str | None] = mapped_column(String(64))
    relationship_to_head: Mapped[str | None] = mapped_column("relationship", String(16))
    presence: Mapped[str] = mapped_column(String(16), default="present")
    id_card: Mapped[str] = mapped_column(String(16), default="not_collected")
    eid: Mapped[str] = mapped_column(String(16), default="none")
    phone: Mapped[str | None] = mapped_column(String(20))
    has_smartphone: Mapped[bool | None]
    unable_to_travel: Mapped[bool] = mapped_column(default=False)
    pending: Mapped[bool] = mapped_column(default=False)  # named by a returnee flag, unconfirmed
    away_until: Mapped[date | None]
    residence: Mapped[str] = mapped_column(
        String(16), default="permanent", server_default="permanent"
    )
    home_address: Mapped[str | None] = mapped_column(String(300))
    home_province_code: Mapped[str | None] = mapped_column(String(2))
    residence_until: Mapped[date | None]
    room: Mapped[str | None] = mapped_column(String(32))
    card_issue: Mapped[str | None] = mapped_column(String(16))  # lost, damaged, ... or null
    card_issued_on: Mapped[date | None]  # the day the current card was issued, where known
    card_renewal_due: Mapped[date | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = relationship(back_populates="residents")

    __mapper_args__ = {"version_id_col": version}

    @property
    def date_of_birth(self) -> str | None:
        """The date of birth as the API writes it: a full date or a year alone."""
        if self.birth_date is not None:
            return self.birth_date.isoformat()
        return str(self.birth_year) if self.birth_year is not None else None


class StatusChange(db.Model):
    """One change of a resident's presence, ID-card or e-ID status."""

    __tablename__ = "status_changes"
    __table_args__ = (
        # Only the few changes a capture session made carry one (a visit's change does not).
        Index(
            "ix_status_changes_session_result_id",
            "session_result_id",
            postgresql_where=text("session_result_id IS NOT NULL"),
            sqlite_where=text("session_result_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    # The capture session result that made the change (app/sessions); no foreign key: that
    # table belongs to a domain above this one.
    session_result_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Correction(UnitScoped, db.Model):
    """A resident field that is wrong, missing, duplicate or outdated, until resolved."""

    __tablename__ = "corrections"
    # Led by ix_corrections_hamlet_status, ix_corrections_scope_status.
    led_unit_columns = ("hamlet_id", "commune_id")
    __table_args__ = (
        CheckConstraint(_in("status", CORRECTION_STATUS), name="status_valid"),
        Index("ix_corrections_scope_status", "commune_id", "status"),
        Index("ix_corrections_hamlet_status", "hamlet_id", "status"),
        # Only a duplicate's correction names the other resident.
        Index(
            "ix_corrections_related_resident_id",
            "related_resident_id",
            postgresql_where=text("related_resident_id IS NOT NULL"),
            sqlite_where=text("related_resident_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    related_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    field: Mapped[str] = mapped_column(String(32))
    problem: Mapped[str] = mapped_column(String(16), default="wrong")  # wrong, missing, ...
    current_value: Mapped[str | None] = mapped_column(String(300))
    proposed_value: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(16), default="officer")  # officer, server
    rule: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution_reason: Mapped[str | None] = mapped_column(String(1000))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    fixed_on: Mapped[date | None]  # the day it was fixed in the national population data
    details: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    # Never set (visit_id is): it makes a flush insert the visit before its corrections, as
    # a batch of visits writes them all in one flush (app/visits/service.py).
    visit = relationship("Visit", foreign_keys=[visit_id])

    __mapper_args__ = {"version_id_col": version}


class CardScan(db.Model):
    """One reading of a resident's ID-card QR code, kept so the phone's retry (the same
    `client_id`) answers the same; `answer` holds the first answer, ID numbers masked."""

    __tablename__ = "card_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body_hash: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitSchedule(UnitScoped, db.Model):
    """A hamlet's visit plan for its residence check: the days and hours the officers have and
    the minutes each household takes. One per hamlet; planning again replaces it."""

    __tablename__ = "visit_schedules"
    # Led by its unique key.
    led_unit_columns = ("hamlet_id",)
    __table_args__ = (
        UniqueConstraint("hamlet_id"),
        CheckConstraint("day_end > day_start", name="hours_valid"),
        CheckConstraint(
            "minutes_per_household BETWEEN 5 AND 240", name="minutes_per_household_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[list] = mapped_column(JSON)  # ISO dates, in order
    day_start: Mapped[time]
    day_end: Mapped[time]
    minutes_per_household: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visits: Mapped[list[ScheduledVisit]] = relationship(
        back_populates="schedule",
        order_by="(ScheduledVisit.date, ScheduledVisit.starts_at, ScheduledVisit.position)",
    )


class ScheduledVisit(UnitScoped, db.Model):
    """One household's day and time window in its hamlet's plan; `position` is its place on
    the walking route the plan was made from; `moved` once it was rescheduled alone."""

    __tablename__ = "scheduled_visits"
    # Led by ix_scheduled_visits_hamlet_date.
    led_unit_columns = ("hamlet_id",)
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window_valid"),
        Index("ix_scheduled_visits_hamlet_date", "hamlet_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("visit_schedules.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), unique=True)
    date: Mapped[date]
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    position: Mapped[int] = mapped_column(Integer)
    moved: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    schedule: Mapped[VisitSchedule] = relationship(back_populates="visits")
    household: Mapped[Household] = relationship(back_populates="scheduled_visit")
