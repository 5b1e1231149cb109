"""Administrative units: one tree of province > (district) > commune > hamlet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common import utcnow
from app.extensions import db

LEVELS = ("province", "district", "commune", "hamlet")
HAMLET_KINDS = ("thôn", "bản", "ấp", "tổ dân phố", "khu phố", "buôn", "làng", "xóm", "khu")


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(
            "level IN ('province', 'district', 'commune', 'hamlet')", name="level_valid"
        ),
        Index("ix_units_parent_level", "parent_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    area_km2: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[dict | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32), default="vietnamadminunits")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.level} {self.name!r}>"
