"""A sector list being matched (Reconciliation) and its rows (ReconciliationRow)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.common import utcnow
from app.extensions import db

SECTORS = ("health", "social_insurance", "education", "other")
STATUSES = ("running", "done", "failed")
CLASSES = (
    "matched",
    "wrong_id_number",
    "no_id_number",
    "wrong_details",
    "ambiguous",
    "not_found",
)
DECISIONS = ("confirmed", "follow_up")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Reconciliation(db.Model):
    """One uploaded sector list of a commune: its file, progress and counts."""

    __tablename__ = "reconciliations"
    __table_args__ = (
        CheckConstraint(_in("sector", SECTORS), name="sector_valid"),
        CheckConstraint(_in("status", STATUSES), name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the commune
    sector: Mapped[str] = mapped_column(String(24))
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="running")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent, 0..100
    message: Mapped[str | None] = mapped_column(String(1000))  # why it failed
    headers: Mapped[list | None] = mapped_column(JSON)  # the file's header row, as written
    columns: Mapped[dict | None] = mapped_column(JSON)  # field key -> column index
    counts: Mapped[dict | None] = mapped_column(JSON)  # class -> rows, plus rows and fixed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ReconciliationRow(db.Model):
    """One data row of the list: its cells, what was read from them and what it matched."""

    __tablename__ = "reconciliation_rows"
    __table_args__ = (
        CheckConstraint(_in("row_class", CLASSES), name="row_class_valid"),
        Index("ix_reconciliation_rows_list_row", "reconciliation_id", "row", unique=True),
        Index("ix_reconciliation_rows_list_class", "reconciliation_id", "row_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("reconciliations.id"))
    row: Mapped[int] = mapped_column(Integer)  # 1-based, as the spreadsheet numbers it
    cells: Mapped[list] = mapped_column(JSON)  # the original cells, in the file's order
    full_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(8))
    id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    old_id_number: Mapped[str | None] = mapped_column(String(12))
    hamlet: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    row_class: Mapped[str] = mapped_column(String(16))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    score: Mapped[int | None] = mapped_column(Integer)
    candidates: Mapped[list | None] = mapped_column(JSON)  # [{resident_id, score}]
    differs: Mapped[list | None] = mapped_column(JSON)  # fields that differ / how the number does
    note: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))  # confirmed, follow_up
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("corrections.id"))
