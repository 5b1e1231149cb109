"""Who a session should invite: residents with an open ID capture or e-ID follow-up.

One item per resident (their most urgent such follow-up gives the reason). People unable to
travel, or whose capture must happen at home, come first; for an `at_home` session each group
is ordered as a walking route (app.followups.walking) between the households, starting from the
unit's centre; households without a known place come last. Other kinds list the rest by
hamlet, household and name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.extensions import db
from app.followups.lists import unit_for
from app.followups.models import Followup
from app.followups.walking import order_route
from app.people.models import Household, Resident
from app.units.models import Unit

CAPTURE_KINDS = ("id_capture", "id_capture_at_home")
PROPOSED_KINDS = (*CAPTURE_KINDS, "eid_support")
MAX_PROPOSALS = 500


def _rows(actor: User, unit: Unit) -> list[Any]:
    stmt = (
        select(Followup, Resident, Household, Unit.code)
        .join(Resident, Resident.id == Followup.resident_id)
        .join(Household, Household.id == Resident.household_id)
        .outerjoin(Unit, Unit.id == Resident.hamlet_id)
        .where(
            Followup.status == "open",
            Followup.kind.in_(PROPOSED_KINDS),
            rows_inside(Followup, unit),
            scope_clause(actor, Followup),
            Resident.presence == "present",
            # Settled since the follow-up opened (a PATCH, an import): nobody to invite.
            ~(Followup.kind.in_(CAPTURE_KINDS) & Resident.id_card.in_(("collected", "issued"))),
            ~((Followup.kind == "eid_support") & (Resident.eid == "level2_active")),
        )
        .order_by(Followup.priority, Followup.id)
        .limit(MAX_PROPOSALS * 3)
    )
    return list(db.session.execute(stmt).all())


def _item(followup: Followup, resident: Resident, household: Household, code: str | None) -> dict:
    return {
        "resident_id": resident.id,
        "full_name": resident.full_name,
        "household_id": household.id,
        "reason": followup.reason,
        "kind": followup.kind,
        "followup_id": followup.id,
        "unable_to_travel": bool(resident.unable_to_travel),
        "at_home": bool(resident.unable_to_travel) or followup.kind == "id_capture_at_home",
        "household_address": household.address or "",
        "hamlet_code": code,
        "year_of_birth": resident.birth_year,
        "_point": (household.lat, household.lon) if household.lat is not None else None,
        "_sort": (code or "", household.address or "", household.id, resident.full_name),
    }


def _walking(items: list[dict], start: tuple[float, float] | None) -> list[dict]:
    """Order items along a walking route between their households; unplaced ones last."""
    placed = [i for i in items if i["_point"] is not None]
    unplaced = sorted((i for i in items if i["_point"] is None), key=lambda i: i["_sort"])
    if not placed:
        return unplaced
    households: dict[tuple, list[dict]] = {}
    for item in placed:
        households.setdefault(item["_point"], []).append(item)
    points = list(households)
    order = order_route(start or points[0], points)
    return [item for index in order for item in households[points[index]]] + unplaced


def propose(actor: User, code: str | None, kind: str) -> list[dict]:
    """Residents proposed for a session of a kind inside a unit (the caller's by default)."""
    unit = unit_for(actor, code)
    chosen: dict[int, dict] = {}
    for followup, resident, household, hamlet_code in _rows(actor, unit):
        if resident.id not in chosen:
            chosen[resident.id] = _item(followup, resident, household, hamlet_code)
        if len(chosen) >= MAX_PROPOSALS:
            break
    items = list(chosen.values())
    groups = [[i for i in items if i["at_home"]], [i for i in items if not i["at_home"]]]
    start = None
    if unit.centroid_lat is not None and unit.centroid_lon is not None:
        start = (unit.centroid_lat, unit.centroid_lon)
    ordered: list[dict] = []
    for group in groups:
        if kind == "at_home":
            ordered += _walking(group, start)
        else:
            ordered += sorted(group, key=lambda i: i["_sort"])
    for item in ordered:
        item.pop("_point")
        item.pop("_sort")
    return ordered
