"""Campaigns with targets per unit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.common import UnitScoped, utcnow
from app.extensions import db

METRICS = ("households_visited", "id_collected", "eid_level2_active")


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    metrics: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Officers see the officers' performance table only when the commander turns this on.
    show_ranking_to_officers: Mapped[bool] = mapped_column(default=False)


class CampaignTarget(db.Model):
    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "metric", name="uq_campaign_targets_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))  # led by the key
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    metric: Mapped[str] = mapped_column(String(32))
    target: Mapped[int] = mapped_column(Integer)


class HamletCount(UnitScoped, db.Model):
    """The coverage figures of one (commune, hamlet) and household kind, kept by
    `app.reports.rollup` so a province's coverage reads a few thousand rows (docs/SCALING.md).

    Carries the unit-scope columns of the rows it counts, so the scope conditions apply to it
    unchanged; `computed_on` is the Vietnam day its eligibility was counted on, with
    `eligible_age`."""

    __tablename__ = "hamlet_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    households_total: Mapped[int] = mapped_column(Integer, default=0)
    households_attempted: Mapped[int] = mapped_column(Integer, default=0)
    households_visited: Mapped[int] = mapped_column(Integer, default=0)
    last_visit_at: Mapped[datetime | None]
    residents_eligible: Mapped[int] = mapped_column(Integer, default=0)
    id_collected: Mapped[int] = mapped_column(Integer, default=0)
    eid_level2_active: Mapped[int] = mapped_column(Integer, default=0)
    temporary_residents: Mapped[int] = mapped_column(Integer, default=0)
    computed_on: Mapped[date] = mapped_column(index=True)
    eligible_age: Mapped[int] = mapped_column(Integer)  # the ELIGIBLE_AGE it was counted with


class HamletDirty(db.Model):
    """A mark that a hamlet's (or, with no hamlet, a commune's unplaced) rows changed since its
    `hamlet_counts` were computed. Written by database triggers on households, residents and
    visits inside the writer's transaction (migration 0014); append-only, no unique key, so
    concurrent writers never wait on each other; `txid` (PostgreSQL) is the writing
    transaction, which marks a hamlet once."""

    __tablename__ = "hamlet_dirty"
    __table_args__ = (
        Index("ix_hamlet_dirty_commune_hamlet", "commune_id", "hamlet_id"),
        Index("ix_hamlet_dirty_txid_commune", "txid", "commune_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hamlet_id: Mapped[int | None] = mapped_column(Integer)
    commune_id: Mapped[int | None] = mapped_column(Integer)
    txid: Mapped[int | None] = mapped_column(BigInteger)


class CampaignCount(UnitScoped, db.Model):
    """A campaign's progress figures in one (commune, hamlet), as of today, kept by
    `app.reports.campaign_counts` so a province's campaign progress reads a few thousand rows:
    households a visit settled in the period, residents who reached an ID card or a level-2
    e-ID in the period and hold it now. Carries the unit-scope columns of the rows it counts
    (the visit's; the resident's), so the scope conditions apply to it unchanged."""

    __tablename__ = "campaign_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    households_visited: Mapped[int] = mapped_column(Integer, default=0)
    id_collected: Mapped[int] = mapped_column(Integer, default=0)
    eid_level2_active: Mapped[int] = mapped_column(Integer, default=0)


class CampaignCounted(db.Model):
    """What a campaign's `campaign_counts` were counted for: its unit and period then, and the
    Vietnam day they were counted on. Another unit or period, or a running campaign's day
    past, means a whole recount; the marks of `hamlet_dirty` keep the rest exact."""

    __tablename__ = "campaign_counted"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    counted_on: Mapped[date]
