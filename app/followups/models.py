"""Follow-ups (visits that must happen) and village heads' returnee flags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common import UnitScoped, utcnow
from app.extensions import db
from app.people.models import Correction

KINDS = (
    "revisit",
    "returnee_visit",
    "id_capture",
    "id_capture_at_home",
    "eid_support",
    "verify_documents",
    "location_check",
    "reissue_card",
    "renew_card",
)
STATUSES = ("open", "done", "cancelled")
PRIORITIES = {"urgent": 0, "high": 1, "normal": 2}


class Followup(UnitScoped, db.Model):
    __tablename__ = "followups"
    # Led by ix_followups_hamlet_status_due, ix_followups_commune_status_due.
    led_unit_columns = ("hamlet_id", "commune_id")
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status_valid"),
        # commune_id too: an officer's list is filtered by assignee, status and scope at once,
        # and a planner without statistics (a fresh SQLite file) then prefers this index.
        Index("ix_followups_assignee_status", "assignee_id", "status", "commune_id", "due_date"),
        Index("ix_followups_hamlet_status_due", "hamlet_id", "status", "due_date"),
        Index("ix_followups_commune_status_due", "commune_id", "status", "due_date"),
        Index("ix_followups_dedupe", "kind", "household_id", "resident_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The rule of app.followups.rules that made it (a machine value a client may translate).
    rule: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(String(500), default="")
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 0 urgent, 1 high, 2 normal
    due_date: Mapped[date]
    preferred_time: Mapped[str | None] = mapped_column(String(16))  # morning, afternoon, ...
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    needs_village_head: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    created_by_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    closed_by_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    returnee_id: Mapped[int | None] = mapped_column(ForeignKey("returnees.id"))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("corrections.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    # Set instead of correction_id while the correction is pending: one flush writes both.
    correction: Mapped[Correction | None] = relationship()
    # Never set (the ids are): they make a flush insert the visits before their follow-ups,
    # as a batch of visits writes them all in one flush (app/visits/service.py).
    created_by_visit = relationship("Visit", foreign_keys=[created_by_visit_id])
    closed_by_visit = relationship("Visit", foreign_keys=[closed_by_visit_id])


class Returnee(UnitScoped, db.Model):
    """A village head's word that a person who was away is home now."""

    __tablename__ = "returnees"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    returned_on: Mapped[date]
    leaving_on: Mapped[date | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(1000))
    # A worker away in another province: where (province code, address).
    away_province_code: Mapped[str | None] = mapped_column(String(2))
    away_address: Mapped[str | None] = mapped_column(String(300))
    flagged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The returnee_visit that answers this flag. Several flags of one person may share one
    # open follow-up. No foreign key: followups.returnee_id already points here (the flag that
    # opened it), and a second key the other way would make the two tables a cycle.
    followup_id: Mapped[int | None] = mapped_column(Integer, index=True)
