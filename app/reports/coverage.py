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
from sqlalchemy import and_, case, func, null, select, text
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.units import unit_for
from app.common import utcnow
from app.extensions import db
from app.people.models import SITE_KINDS, Household, Resident
from app.reports import campaign_counts, rollup
from app.reports.coverage_counts import card_counts, correction_counts, followup_counts
from app.reports.eligibility import (  # noqa: F401  (re-exported: the reports' one clause)
    eligible_clause,
    eligible_cutoff,
    must_hold_card,
    old_enough,
    temporary_clause,
)
from app.reports.periods import Period, campaign_for_period
from app.reports.scoped import (  # noqa: F401  (of_kind re-exported)
    Key,
    inside,
    keyed,
    of_kind,
    pair_of,
)
from app.reports.statuses import DONE_OUTCOMES, EID_DONE, ID_DONE
from app.units.models import Unit
from app.visits.models import Visit

GroupBy = Literal["hamlet", "commune"]
Pair = tuple[int | None, int | None]  # (commune_id, hamlet_id)
WORK_MEM = re.compile(r"[0-9]{1,6}(kB|MB|GB)")


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
    """Return part/whole rounded to 4 decimals, or None when there is nothing to count; 1.0
    only when all are counted (19,999 of 20,000 is 0.9999, not a rounded 1.0)."""
    if not whole:
        return None
    value = round(part / whole, 4)
    return 0.9999 if value >= 1 and part < whole else value


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


def household_select(conditions: list[Any], by_kind: bool = False) -> tuple[Any, int]:
    """The households GROUP BY: the list per key (the denominator of coverage) and the sites
    among them (boarding houses, dormitories, companies, other places)."""
    keys = [*pair_of(Household), *((Household.province_id, Household.kind) if by_kind else ())]
    stmt = (
        select(
            *keys,
            func.count(Household.id),
            func.sum(case((Household.kind.in_(SITE_KINDS), 1), else_=0)),
        )
        .where(*conditions)
        .group_by(*keys)
    )
    return stmt, len(keys)


HOUSEHOLD_FIGURES = ("households_total", "sites_total")


def household_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """The household list per (commune, hamlet), and the sites among them."""
    stmt, width = household_select(inside(user, Household, unit, kind))
    return keyed(db.session.execute(stmt), width, HOUSEHOLD_FIGURES)


def visit_conditions(
    unit: Unit, period: Period | None, user: User | None, kind: str | None
) -> list[Any]:
    """Conditions keeping the visits inside a unit (and a campaign period, as of a moment)."""
    conditions = inside(user, Visit, unit, kind)
    if period is not None:
        conditions += [Visit.visited_at >= period.start, Visit.visited_at < period.end]
        if period.known_by is not None:
            conditions.append(Visit.received_at < period.known_by)
    return conditions


def visit_select(
    conditions: list[Any], by_kind: bool = False, sites: bool = True, by_key: bool = False
) -> tuple[Any, int]:
    """The visits GROUP BY: households visited (settled), attempted and the last visit per key;
    and the sites among the visited households (without `sites`: 0, and no join).

    Visits are grouped by the unit columns they were recorded with (those of their household),
    first per household; the household is joined by its key only for its kind: each visit's
    before that grouping, or with `by_key` (a recount of a few hamlets) each household's once
    after it, so that a look-up per household visited is the cheaper plan
    (`rollup.joins_by_key`).
    """
    joined = sites or by_kind
    after = by_key and joined  # the household joined after the grouping per household
    extra = (Visit.province_id,) if by_kind else ()
    inner_kind = () if after else (func.max(Household.kind if joined else null()).label("kind"),)
    per_household = select(
        Visit.commune_id.label("commune_id"),
        Visit.hamlet_id.label("hamlet_id"),
        *(c.label("province_id") for c in extra),
        Visit.household_id.label("household_id"),
        func.max(case((Visit.outcome.in_(DONE_OUTCOMES), 1), else_=0)).label("done"),
        func.max(Visit.visited_at).label("last_at"),
        *inner_kind,
    )
    if joined and not after:
        per_household = per_household.join(Household, Household.id == Visit.household_id)
    per_household = (
        per_household.where(*conditions)
        .group_by(Visit.commune_id, Visit.hamlet_id, *extra, Visit.household_id)
        .subquery()
    )
    c = per_household.c
    kind = Household.kind if after else c.kind
    keys = [c.commune_id, c.hamlet_id, *((c.province_id, kind) if by_kind else ())]
    stmt = select(
        *keys,
        func.count(),
        func.sum(c.done),
        func.max(c.last_at),
        func.sum(case((kind.in_(SITE_KINDS), c.done), else_=0)),
    )
    if after:
        stmt = stmt.join_from(per_household, Household, Household.id == c.household_id)
    return stmt.group_by(*keys), len(keys)


VISIT_FIGURES = ("households_attempted", "households_visited", "last_visit_at", "sites_visited")


def visit_counts(
    unit: Unit,
    period: Period | None,
    user: User | None,
    kind: str | None = None,
    sites: bool = True,
) -> dict[Pair, dict]:
    """Households visited (settled), attempted and the last visit, per (commune, hamlet); and
    the sites among the visited households (a campaign's progress needs none: `sites`)."""
    stmt, width = visit_select(visit_conditions(unit, period, user, kind), sites=sites)
    return keyed(db.session.execute(stmt), width, VISIT_FIGURES)


def resident_select(
    conditions: list[Any], by_kind: bool = False, on: date | None = None, by_key: bool = False
) -> tuple[Any, int]:
    """The residents GROUP BY: eligible residents present on a day (today), ID collected and
    e-ID level 2 active among them; and the temporary residents present (any age;
    `temporary_clause`). With `by_kind`, keyed by their household's kind too; with `by_key`
    too (a recount of a few hamlets), counted per household first and each household then
    joined once (`rollup.joins_by_key`)."""
    eligible = eligible_clause(on)
    sums = [
        func.sum(case((condition, 1), else_=0)).label(name)
        for name, condition in zip(
            RESIDENT_FIGURES,
            (
                eligible,
                and_(eligible, Resident.id_card.in_(ID_DONE)),
                and_(eligible, Resident.eid == EID_DONE),
                temporary_clause(on),
            ),
            strict=True,
        )
    ]
    present = (*conditions, Resident.presence == "present", Resident.pending.is_(False))
    if by_kind and by_key:
        keys = (*pair_of(Resident), Resident.province_id, Resident.household_id)
        per_household = select(*keys, *sums).where(*present).group_by(*keys).subquery()
        c = per_household.c
        outer = (c.commune_id, c.hamlet_id, c.province_id, Household.kind)
        stmt = (
            select(*outer, *(func.sum(c[name]) for name in RESIDENT_FIGURES))
            .join_from(per_household, Household, Household.id == c.household_id)
            .group_by(*outer)
        )
        return stmt, len(outer)
    keys = (*pair_of(Resident), *((Resident.province_id, Household.kind) if by_kind else ()))
    stmt = select(*keys, *sums)
    if by_kind:
        stmt = stmt.join(Household, Household.id == Resident.household_id)
    return stmt.where(*present).group_by(*keys), len(keys)


RESIDENT_FIGURES = (
    "residents_eligible",
    "id_collected",
    "eid_level2_active",
    "temporary_residents",
)


def resident_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """Eligible residents present, ID collected and e-ID level 2 active among them; and the
    temporary residents present, per (commune, hamlet)."""
    stmt, width = resident_select(inside(user, Resident, unit, kind))
    return keyed(db.session.execute(stmt), width, RESIDENT_FIGURES)


def recount(
    session: Session, where: rollup.Where, on: date, by_key: bool = False
) -> dict[Key, dict[str, Any]]:
    """Count the figures the rollup keeps afresh, with the live GROUP BY queries, for the rows
    `where` keeps; keyed (commune, hamlet, province, household kind), eligibility on a day;
    `by_key` for a few hamlets (`visit_select`)."""
    tune_for_reports()
    out: dict[Key, dict[str, Any]] = {}
    families = (
        (household_select([where(Household)], by_kind=True), HOUSEHOLD_FIGURES),
        (visit_select([where(Visit)], by_kind=True, by_key=by_key), VISIT_FIGURES),
        (
            resident_select([where(Resident)], by_kind=True, on=on, by_key=by_key),
            RESIDENT_FIGURES,
        ),
    )
    for (stmt, width), names in families:
        for key, values in keyed(session.execute(stmt), width, names).items():
            out.setdefault(key, {}).update(values)
    return out


# The rollups kept from the coverage rollup's marks, recounted by the same refresh.
FOLLOWERS: tuple[rollup.Follower, ...] = (campaign_counts.recount_marked,)


def rebuild_rollup() -> int:
    """Recount the whole coverage rollup in the current session (after a bulk load with the
    triggers off, `SET session_replication_role = replica`), and drop the campaigns' (each is
    counted whole when next read); answer the rows written. The caller commits."""
    written = rollup.rebuild(db.session, recount)
    campaign_counts.forget(db.session)
    return written


def main_counts(
    unit: Unit, period: Period | None, user: User | None, kind: str | None, live: bool
) -> tuple[dict[Key, dict[str, Any]], ...]:
    """The household, visit and resident families: from the rollup for today's figures, live
    for a campaign period (or when asked: `live`)."""
    if period is None and not live:
        rollup.fresh(unit, recount, FOLLOWERS)
        tune_for_reports()
        return (rollup.rollup_counts(unit, user, kind),)
    return (
        household_counts(unit, user, kind),
        visit_counts(unit, period, user, kind),
        resident_counts(unit, user, kind),
    )


def pair_figures(
    unit: Unit,
    period: Period | None = None,
    user: User | None = None,
    kind: str | None = None,
    live: bool = False,
) -> dict[Pair, Figures]:
    """Return the figures of every (commune, hamlet) inside a unit that has any row.

    One query per figure family, whatever the number of units; every level above is a sum.
    With a household `kind`, only that kind's households (and their rows) count. Today's
    household, visit and resident figures come from the rollup (`app.reports.rollup`, exact);
    `live` counts them from the rows instead (the rollup's tests compare the two).
    """
    tune_for_reports()
    out: dict[Pair, Figures] = {}
    families = (
        *main_counts(unit, period, user, kind, live),
        correction_counts(unit, user, kind),
        followup_counts(unit, user, kind),
        card_counts(unit, user, kind),
    )
    for family in families:
        for key, values in family.items():
            figures = out.setdefault(key, Figures())  # type: ignore[arg-type]
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
