"""Live coverage figures: aggregate SQL over the unit-scope columns, rolled up the unit tree.

Every figure family is one GROUP BY query over the rows inside a unit, keyed by hamlet (for a
commune or hamlet) or by commune (for a province or district); children are then filled from
those groups in Python (a few thousand keys at most), never by a query per unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select, text

from app.auth.models import User
from app.auth.units import unit_for
from app.clock import end_of_day, start_of_day
from app.common import utcnow
from app.extensions import db
from app.people.models import SITE_KINDS, Household, Resident
from app.reports.coverage_counts import card_counts, correction_counts, followup_counts
from app.reports.eligibility import (  # noqa: F401  (re-exported: the reports' one clause)
    eligible_clause,
    eligible_cutoff,
    must_hold_card,
    old_enough,
    temporary_clause,
)
from app.reports.periods import campaign_for_period
from app.reports.scoped import inside, of_kind, pair_of  # noqa: F401  (of_kind re-exported)
from app.units.models import Unit
from app.visits.models import Visit

# A household counts as visited once a visit settled its situation; nobody home or a refusal
# leaves it a gap (a revisit follow-up exists for it) and counts only as attempted.
DONE_OUTCOMES = ("met", "household_moved")
ID_DONE = ("collected", "issued")
EID_DONE = "level2_active"

GroupBy = Literal["hamlet", "commune"]
Pair = tuple[int | None, int | None]  # (commune_id, hamlet_id)
WORK_MEM = re.compile(r"[0-9]{1,6}(kB|MB|GB)")


@dataclass(frozen=True)
class Period:
    """A campaign's days, inclusive, in Vietnam's calendar; with `known_by`, only what the
    server had received before that moment counts (figures as of a day, see `asof`)."""

    starts_on: date
    ends_on: date
    known_by: datetime | None = None

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return start_of_day(self.starts_on)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return end_of_day(self.ends_on)


@dataclass
class Figures:
    """One unit's coverage figures."""

    households_total: int = 0
    households_visited: int = 0
    households_attempted: int = 0
    residents_eligible: int = 0
    id_collected: int = 0
    eid_level2_active: int = 0
    corrections_open: int = 0
    followups_open: int = 0
    followups_overdue: int = 0
    last_visit_at: datetime | None = None
    sites_total: int = 0
    sites_visited: int = 0
    temporary_residents: int = 0
    cards_to_reissue: int = 0
    renewals_due: int = 0

    def add(self, other: Figures) -> None:
        """Add another unit's figures into these (a roll-up)."""
        for f in fields(self):
            if f.name == "last_visit_at":
                if other.last_visit_at and (
                    self.last_visit_at is None or other.last_visit_at > self.last_visit_at
                ):
                    self.last_visit_at = other.last_visit_at
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, Any]:
        """Return the figures with the derived rates (0..1 shares, null without a base)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["coverage"] = ratio(self.households_visited, self.households_total)
        out["id_rate"] = ratio(self.id_collected, self.residents_eligible)
        out["eid_rate"] = ratio(self.eid_level2_active, self.residents_eligible)
        return out


@dataclass
class UnitRow:
    """A unit (or the bucket of rows with no hamlet) and its figures."""

    code: str | None
    name: str
    level: str
    figures: Figures = field(default_factory=Figures)
    unit: Unit | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the row as the API writes it."""
        return {"code": self.code, "name": self.name, "level": self.level, **self.figures.as_dict()}


def ratio(part: int, whole: int) -> float | None:
    """Return part/whole rounded to 4 decimals, or None when there is nothing to count."""
    return round(part / whole, 4) if whole else None


def group_by_for(unit: Unit) -> GroupBy:
    """Return the level rows are grouped by for a unit's children."""
    return "hamlet" if unit.level in ("commune", "hamlet") else "commune"


def tune_for_reports() -> None:
    """Give PostgreSQL room to hash and sort a province's rows in memory (this transaction)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    work_mem = str(current_app.config.get("REPORTS_WORK_MEM", "64MB"))
    if WORK_MEM.fullmatch(work_mem):
        db.session.execute(text(f"SET LOCAL work_mem = '{work_mem}'"))


def household_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """The household list per (commune, hamlet): the denominator of coverage; and the sites
    among them (boarding houses, dormitories, companies, other places)."""
    stmt = (
        select(
            *pair_of(Household),
            func.count(Household.id),
            func.sum(case((Household.kind.in_(SITE_KINDS), 1), else_=0)),
        )
        .where(*inside(user, Household, unit, kind))
        .group_by(*pair_of(Household))
    )
    return {
        (c, h): {"households_total": n, "sites_total": int(sites or 0)}
        for c, h, n, sites in db.session.execute(stmt)
    }


def visit_counts(
    unit: Unit, period: Period | None, user: User | None, kind: str | None = None
) -> dict[Pair, dict]:
    """Households visited (settled), attempted and the last visit, per (commune, hamlet); and
    the sites among the visited households.

    Visits are grouped by the unit columns they were recorded with (those of their household);
    the household is joined by its key only for its kind.
    """
    conditions = inside(user, Visit, unit, kind)
    if period is not None:
        conditions += [Visit.visited_at >= period.start, Visit.visited_at < period.end]
        if period.known_by is not None:
            conditions.append(Visit.received_at < period.known_by)
    per_household = (
        select(
            Visit.commune_id.label("commune_id"),
            Visit.hamlet_id.label("hamlet_id"),
            func.max(case((Visit.outcome.in_(DONE_OUTCOMES), 1), else_=0)).label("done"),
            func.max(Visit.visited_at).label("last_at"),
            func.max(Household.kind).label("kind"),
        )
        .join(Household, Household.id == Visit.household_id)
        .where(*conditions)
        .group_by(Visit.commune_id, Visit.hamlet_id, Visit.household_id)
        .subquery()
    )
    pair = (per_household.c.commune_id, per_household.c.hamlet_id)
    stmt = select(
        *pair,
        func.count(),
        func.sum(per_household.c.done),
        func.max(per_household.c.last_at),
        func.sum(case((per_household.c.kind.in_(SITE_KINDS), per_household.c.done), else_=0)),
    ).group_by(*pair)
    return {
        (c, h): {
            "households_attempted": attempted,
            "households_visited": int(done or 0),
            "last_visit_at": last,
            "sites_visited": int(sites or 0),
        }
        for c, h, attempted, done, last, sites in db.session.execute(stmt)
    }


def resident_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """Eligible residents present, ID collected and e-ID level 2 active among them; and the
    temporary residents present (any age; `temporary_clause`)."""
    eligible = eligible_clause()
    stmt = (
        select(
            *pair_of(Resident),
            func.sum(case((eligible, 1), else_=0)),
            func.sum(case((and_(eligible, Resident.id_card.in_(ID_DONE)), 1), else_=0)),
            func.sum(case((and_(eligible, Resident.eid == EID_DONE), 1), else_=0)),
            func.sum(case((temporary_clause(), 1), else_=0)),
        )
        .where(
            *inside(user, Resident, unit, kind),
            Resident.presence == "present",
            Resident.pending.is_(False),
        )
        .group_by(*pair_of(Resident))
    )
    return {
        (c, h): {
            "residents_eligible": int(n or 0),
            "id_collected": int(ids or 0),
            "eid_level2_active": int(eids or 0),
            "temporary_residents": int(temps or 0),
        }
        for c, h, n, ids, eids, temps in db.session.execute(stmt)
    }


def pair_figures(
    unit: Unit, period: Period | None = None, user: User | None = None, kind: str | None = None
) -> dict[Pair, Figures]:
    """Return the figures of every (commune, hamlet) inside a unit that has any row.

    One query per figure family, whatever the number of units; every level above is a sum.
    With a household `kind`, only that kind's households (and their rows) count.
    """
    tune_for_reports()
    out: dict[Pair, Figures] = {}
    families = (
        household_counts(unit, user, kind),
        visit_counts(unit, period, user, kind),
        resident_counts(unit, user, kind),
        correction_counts(unit, user, kind),
        followup_counts(unit, user, kind),
        card_counts(unit, user, kind),
    )
    for family in families:
        for key, values in family.items():
            figures = out.setdefault(key, Figures())
            for name, value in values.items():
                setattr(figures, name, value)
    return out


def roll_up(pairs: dict[Pair, Figures], by: GroupBy) -> dict[int | None, Figures]:
    """Add (commune, hamlet) figures up by hamlet or by commune."""
    out: dict[int | None, Figures] = {}
    for (commune_id, hamlet_id), figures in pairs.items():
        key = hamlet_id if by == "hamlet" else commune_id
        out.setdefault(key, Figures()).add(figures)
    return out


def figures_by(
    unit: Unit, by: GroupBy, period: Period | None = None, user: User | None = None
) -> dict[int | None, Figures]:
    """Return the figures of every hamlet (or commune) inside a unit that has any row."""
    return roll_up(pair_figures(unit, period, user), by)


def child_units(unit: Unit) -> list[Unit]:
    """Return the units directly below a unit, by code."""
    return list(
        db.session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))
    )


def group_owner(unit: Unit, children: list[Unit], by: GroupBy) -> dict[int, int]:
    """Map each group key (hamlet or commune id) to the child unit it rolls up into."""
    if unit.level == "hamlet":
        return {}
    owner = {child.id: child.id for child in children}
    if by == "commune" and any(child.level == "district" for child in children):
        rows = db.session.execute(
            select(Unit.id, Unit.parent_id).where(
                Unit.parent_id.in_([c.id for c in children]), Unit.level == "commune"
            )
        )
        owner.update({commune_id: district_id for commune_id, district_id in rows})
    return owner


def unassigned_row(unit: Unit) -> UnitRow:
    """Return the bucket for rows that have no hamlet (or an unknown one)."""
    return UnitRow(code=None, name=_("Chưa xác định thôn"), level="hamlet")


def rows_for(
    unit: Unit,
    period: Period | None = None,
    user: User | None = None,
    pairs: dict[Pair, Figures] | None = None,
    kind: str | None = None,
) -> tuple[Figures, list[UnitRow]]:
    """Return a unit's totals and one row per child unit (hamlets of a commune, communes of a
    province; none for a hamlet), with a bucket for rows that fit no child."""
    by = group_by_for(unit)
    if pairs is None:
        pairs = pair_figures(unit, period, user, kind)
    groups = roll_up(pairs, by)
    children = child_units(unit) if unit.level != "hamlet" else []
    rows = {c.id: UnitRow(code=c.code, name=c.name, level=c.level, unit=c) for c in children}
    owner = group_owner(unit, children, by)
    totals = Figures()
    stray = unassigned_row(unit)
    for key, figures in groups.items():
        totals.add(figures)
        if unit.level == "hamlet":
            continue
        target = rows.get(owner.get(key)) if key is not None else None
        (target or stray).figures.add(figures)
    ordered = list(rows.values())
    if unit.level != "hamlet" and stray.figures != Figures():
        ordered.append(stray)
    return totals, ordered


def unit_summary(unit: Unit) -> dict[str, Any]:
    """Return the identity of a unit as the API writes it."""
    parent_code = None
    if unit.parent_id is not None:
        parent_code = db.session.scalar(select(Unit.code).where(Unit.id == unit.parent_id))
    return {"code": unit.code, "name": unit.name, "level": unit.level, "parent_code": parent_code}


def resolve_unit(user: User, code: str | None) -> Unit:
    """Return the unit asked for (the user's own by default), or answer 404 outside scope."""
    return unit_for(user, code) if code else user.unit


def coverage_for(
    user: User, code: str | None, campaign_id: int | None = None, kind: str | None = None
) -> dict[str, Any]:
    """Compute a unit's live coverage: totals and one entry per child unit (with a household
    `kind`, of that kind's households only)."""
    unit = resolve_unit(user, code)
    campaign = campaign_for_period(user, campaign_id, unit) if campaign_id else None
    period = Period(campaign.starts_on, campaign.ends_on) if campaign else None
    totals, rows = rows_for(unit, period, user, kind=kind)
    return {
        "unit": unit_summary(unit),
        "kind": kind,
        "campaign": (
            {
                "id": campaign.id,
                "name": campaign.name,
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
            }
            if campaign
            else None
        ),
        "as_of": utcnow(),
        "eligible_age": current_app.config.get("ELIGIBLE_AGE", 14),
        "totals": totals.as_dict(),
        "children": [row.as_dict() for row in rows],
    }
