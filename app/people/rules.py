"""Resident data rules: status order, changes with a history row, search columns."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from app.auth.audit import add_row
from app.auth.models import User
from app.common import utcnow
from app.extensions import db
from app.people.idnumber import province_code_for_name
from app.people.models import EID, ID_CARD, Household, Resident, StatusChange
from app.people.renewal import refresh_renewal_due
from app.text import fold, normalize_name

_PUNCTUATION = re.compile(r"[^\w]+")
# Statuses that only move forward; a step back is a finding to review, never an overwrite.
STATUS_ORDER: dict[str, tuple[str, ...]] = {"id_card": ID_CARD, "eid": EID}
# A visit may change these fields of a resident it saw.
SEEN_FIELDS = ("presence", "id_card", "eid", "has_smartphone")
# A visit may also record these of a resident it saw (residence status and room).
RESIDENCE_FIELDS = ("residence", "home_address", "home_province_code", "residence_until", "room")
# The fields the card's renewal date is computed from (besides the date of birth).
RENEWAL_INPUTS = ("card_issued_on", "birth_date", "birth_year")
# Presence a person does not come back from without a review.
FINAL_PRESENCE = ("deceased",)


def is_regression(field: str, old: Any, new: Any) -> bool:
    """Tell whether changing a status field from old to new goes backwards."""
    if old is None or new is None or old == new:
        return False
    order = STATUS_ORDER.get(field)
    if order is not None:
        return order.index(new) < order.index(old)
    if field == "presence":
        return old in FINAL_PRESENCE
    return False


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:200]


def record_change(
    resident: Resident,
    field: str,
    old: Any,
    new: Any,
    actor: User | None,
    visit_id: int | None = None,
    *,
    session_result_id: int | None = None,
) -> None:
    """Add a history row for one changed field of a resident (made by a visit, a capture
    session's result, or neither). Nobody reads it back in the request: it is written by the
    next flush with its table's one insert, audited as an ORM row is (`add_row`)."""
    row = {
        "resident_id": resident.id,
        "visit_id": visit_id,
        "session_result_id": session_result_id,
        "user_id": actor.id if actor else None,
        "field": field,
        "old_value": _text(old),
        "new_value": _text(new),
        "at": utcnow(),
    }
    add_row(db.session(), StatusChange.__table__, row)


def set_field(
    resident: Resident,
    field: str,
    value: Any,
    actor: User | None,
    visit_id: int | None = None,
    *,
    session_result_id: int | None = None,
) -> bool:
    """Set one resident field (API name) with a history row; answer whether it changed."""
    source = {"session_result_id": session_result_id}
    if field == "date_of_birth":
        born, year = value if value is not None else (None, None)
        old = resident.date_of_birth
        if resident.birth_date == born and resident.birth_year == year:
            return False
        resident.birth_date, resident.birth_year = born, year
        record_change(resident, field, old, resident.date_of_birth, actor, visit_id, **source)
        refresh_renewal_due(resident)
        return True
    attr = "relationship_to_head" if field == "relationship" else field
    if field == "full_name":
        value = normalize_name(value)
    old = getattr(resident, attr)
    if old == value:
        return False
    setattr(resident, attr, value)
    if field == "full_name":
        resident.name_folded = fold(value)
    if field == "birthplace":
        resident.birthplace_code = birthplace_code_of(value)
    if field in RENEWAL_INPUTS:
        refresh_renewal_due(resident)
    record_change(resident, field, old, value, actor, visit_id, **source)
    return True


def birthplace_code_of(birthplace: str | None) -> str | None:
    """Return the pre-2025 province code of a birthplace ("…, Thừa Thiên Huế" -> "046")."""
    if not birthplace:
        return None
    code = province_code_for_name(birthplace)
    if code is None and "," in birthplace:
        code = province_code_for_name(birthplace.rsplit(",", 1)[1])
    return code


def refresh_search_text(household: Household, residents: list[Resident] | None = None) -> None:
    """Recompute a household's search text from its address and its residents' names."""
    members = household.residents if residents is None else residents
    parts = [household.address or "", household.code or ""] + [r.full_name for r in members]
    household.search_text = search_words(" ".join(p for p in parts if p))


def search_words(text: str) -> str:
    """Fold text for word search: no diacritics, punctuation as spaces (`ho 00812`)."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def apply_seen(
    resident: Resident,
    seen: dict[str, Any],
    actor: User | None,
    visit_id: int | None,
    *,
    late: bool = False,
    session_result_id: int | None = None,
) -> dict[str, list[Any]]:
    """Apply what a visit saw of a resident; return the backward steps left for review.

    A visit older than the household's latest one (a late offline sync) only moves ordered
    statuses forward and fills what is unknown: it never overrides a newer observation.
    """
    regressions: dict[str, list[Any]] = {}
    for name in SEEN_FIELDS:
        new = seen.get(name)
        if new is None:
            continue
        old = getattr(resident, name)
        if is_regression(name, old, new):
            if not late:
                regressions[name] = [old, new]
            continue
        if late and name not in STATUS_ORDER and old is not None:
            continue
        set_field(resident, name, new, actor, visit_id, session_result_id=session_result_id)
    return regressions


def apply_residence(
    resident: Resident,
    seen: dict[str, Any],
    actor: User | None,
    visit_id: int | None,
    *,
    late: bool = False,
) -> None:
    """Apply the residence fields a visit names (each with a history row); a late visit only
    fills what is unknown. The room is taken as checked (see app/people/sites.py)."""
    for name in RESIDENCE_FIELDS:
        if name not in seen:
            continue
        if late and getattr(resident, name) is not None:
            continue
        if name == "residence" and seen[name] is None:
            continue
        set_field(resident, name, seen[name], actor, visit_id)
