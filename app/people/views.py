"""How households, residents and corrections are shown, by who is looking.

Village heads see names only. Officers and up see ID numbers masked in lists, in full only on
one resident's own page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.people.idnumber import mask_id_number
from app.people.models import Correction, Household, Resident, StatusChange
from app.units.models import Unit


def names_only(user: User) -> bool:
    """Tell whether a user may see residents' names but nothing personal beyond them."""
    return user.role == "village_head"


def unit_codes(ids: set[int | None]) -> dict[int, str]:
    """Map unit ids to codes, one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(wanted))).all())


def resident_view(resident: Resident, user: User, *, full_id: bool = False) -> dict[str, Any]:
    """A resident as this user may see it."""
    if names_only(user):
        return {
            "id": resident.id,
            "household_id": resident.household_id,
            "full_name": resident.full_name,
        }
    number = resident.id_number
    return {
        "id": resident.id,
        "household_id": resident.household_id,
        "full_name": resident.full_name,
        "date_of_birth": resident.date_of_birth,
        "sex": resident.sex,
        "id_number": number if full_id or not number else mask_id_number(number),
        "birthplace": resident.birthplace,
        "ethnicity": resident.ethnicity,
        "relationship": resident.relationship_to_head,
        "presence": resident.presence,
        "id_card": resident.id_card,
        "eid": resident.eid,
        "phone": resident.phone,
        "has_smartphone": resident.has_smartphone,
        "unable_to_travel": resident.unable_to_travel,
        "pending": resident.pending,
        "away_until": resident.away_until,
        "version": resident.version,
    }


def household_view(
    household: Household,
    user: User,
    codes: dict[int, str],
    residents: list[Resident] | None = None,
) -> dict[str, Any]:
    """A household with its residents, as this user may see it."""
    members = household.residents if residents is None else residents
    view: dict[str, Any] = {
        "id": household.id,
        "code": household.code,
        "address": household.address,
        "hamlet_code": codes.get(household.hamlet_id) if household.hamlet_id else None,
        "residents": [resident_view(r, user) for r in members],
    }
    if not names_only(user):
        view["location"] = (
            {"lat": household.lat, "lon": household.lon, "source": household.location_source}
            if household.lat is not None
            else None
        )
        view["source"] = household.source
        view["last_visit_at"] = household.last_visit_at
    return view


def correction_view(
    correction: Correction, names: dict[int, str], codes: dict[int, str]
) -> dict[str, Any]:
    """A correction as the API shows it."""
    return {
        "id": correction.id,
        "household_id": correction.household_id,
        "resident_id": correction.resident_id,
        "resident_name": names.get(correction.resident_id) if correction.resident_id else None,
        "related_resident_id": correction.related_resident_id,
        "hamlet_code": codes.get(correction.hamlet_id) if correction.hamlet_id else None,
        "field": correction.field,
        "problem": correction.problem,
        "current": correction.current_value,
        "proposed": correction.proposed_value,
        "note": correction.note,
        "source": correction.source,
        "rule": correction.rule,
        "status": correction.status,
        "reason": correction.resolution_reason,
        "visit_id": correction.visit_id,
        "created_at": correction.created_at,
        "resolved_at": correction.resolved_at,
        "details": correction.details,
    }


def correction_views(corrections: list[Correction]) -> list[dict[str, Any]]:
    """Show many corrections with their residents' names and hamlet codes (two queries)."""
    resident_ids = {c.resident_id for c in corrections if c.resident_id}
    names = (
        dict(
            db.session.execute(
                select(Resident.id, Resident.full_name).where(Resident.id.in_(resident_ids))
            ).all()
        )
        if resident_ids
        else {}
    )
    codes = unit_codes({c.hamlet_id for c in corrections})
    return [correction_view(c, names, codes) for c in corrections]


def history_view(change: StatusChange) -> dict[str, Any]:
    """One history row of a resident."""
    return {
        "field": change.field,
        "old": change.old_value,
        "new": change.new_value,
        "at": change.at,
        "visit_id": change.visit_id,
        "user_id": change.user_id,
    }
