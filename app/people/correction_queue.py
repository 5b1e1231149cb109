"""The corrections queue: corrections in scope by hamlet, field, status and who found them,
with the counts per status and one correction with what a reviewer needs to decide.

The visit a correction came from belongs to the visits domain, above this one: the page above
both (`reports.correction_pages`) looks it up and hands it in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.scope import row_in_scope, rows_inside, scope_clause, unit_in_scope
from app.extensions import db
from app.paging import Page, paginate
from app.people.idnumber import mask_id_number
from app.people.models import CORRECTION_STATUS, Correction, Household, Resident
from app.people.service import shown_corrections
from app.text import masked_id_numbers
from app.units.models import Unit


def _unit_condition(user: User, code: str, level: str | None = None) -> Any:
    """Rows inside the unit with that code, or None when it is unknown or out of scope."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit_in_scope(user, unit) or (level and unit.level != level):
        return None
    return rows_inside(Correction, unit)


def _filtered(user: User, filters: dict[str, Any]) -> Any:
    """The query of corrections in scope matching the filters (None: nothing can match)."""
    query = select(Correction).where(scope_clause(user, Correction))
    for key, level in (("unit", None), ("hamlet", "hamlet")):
        if filters.get(key):
            condition = _unit_condition(user, filters[key], level)
            if condition is None:
                return None
            query = query.where(condition)
    for column_, key in (
        (Correction.status, "status"),
        (Correction.resident_id, "resident"),
        (Correction.household_id, "household"),
        (Correction.field, "field"),
        (Correction.source, "source"),
        (Correction.created_by_id, "found_by"),
    ):
        if filters.get(key) is not None:
            query = query.where(column_ == filters[key])
    return query


def list_corrections(user: User, *, page: int = 1, per_page: int = 50, **filters: Any) -> Page:
    """List corrections in scope, newest first, by status, unit, hamlet, resident, household,
    field, source or who found them (`found_by`, a user id)."""
    query = _filtered(user, filters)
    if query is None:
        return Page.empty(page, per_page)
    result = paginate(query.order_by(Correction.id.desc()), page, per_page)
    result.items = shown_corrections(result.items)
    return result


def status_counts(user: User, filters: dict[str, Any]) -> dict[str, int]:
    """How many corrections the filters (all but status) keep, per status."""
    query = _filtered(user, {**filters, "status": None})
    counts = dict.fromkeys(CORRECTION_STATUS, 0)
    if query is None:
        return counts
    inner = query.with_only_columns(Correction.status).subquery()
    for status, count in db.session.execute(
        select(inner.c.status, func.count()).group_by(inner.c.status)
    ).all():
        counts[status] = count
    return counts


def filter_options(user: User) -> dict[str, list[tuple[Any, str]]]:
    """The hamlets and the finders that corrections in scope have, for the filter lists."""
    inside = scope_clause(user, Correction)
    hamlets = db.session.execute(
        select(Unit.code, Unit.name)
        .where(Unit.id.in_(select(Correction.hamlet_id).where(inside).distinct()))
        .order_by(Unit.code)
    ).all()
    finders = db.session.execute(
        select(User.id, User.full_name, User.username)
        .where(User.id.in_(select(Correction.created_by_id).where(inside).distinct()))
        .order_by(User.full_name, User.id)
    ).all()
    return {
        "hamlets": [(code, f"{name} ({code})") for code, name in hamlets],
        "finders": [(uid, full_name or username) for uid, full_name, username in finders],
    }


def user_names(ids: set[int | None]) -> dict[int, str]:
    """Users' names (or usernames) by id, one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(User.id, User.full_name, User.username).where(User.id.in_(wanted))
    ).all()
    return {uid: full_name or username for uid, full_name, username in rows}


def correction_view(
    correction: Correction, visit: dict[str, Any] | None, reader: User
) -> dict[str, Any]:
    """One correction with its resident (ID number masked), household, the visit it came from
    (`officer_id`, `visited_at`, `flags`, `distance_m`, `location_missing_reason`) and people;
    the resident it names as related (a duplicate) only when the reader's scope holds it."""
    resident = db.session.get(Resident, correction.resident_id) if correction.resident_id else None
    related = (
        db.session.get(Resident, correction.related_resident_id)
        if correction.related_resident_id
        else None
    )
    if related is not None and not row_in_scope(reader, related):
        related = None
    names = user_names(
        {
            correction.created_by_id,
            correction.resolved_by_id,
            visit["officer_id"] if visit else None,
        }
    )
    return {
        "correction": shown_corrections([correction])[0],
        "resident": resident,
        "resident_id_number": mask_id_number(resident.id_number)
        if resident and resident.id_number
        else None,
        "related": related,
        "household": db.session.get(Household, correction.household_id),
        "visit": visit,
        "names": names,
        "current": shown_value(correction.current_value, correction.field),
        "proposed": shown_value(correction.proposed_value, correction.field),
        "details": masked_id_numbers(correction.details) or {},
        "note": masked_id_numbers(correction.note),
    }


def shown_value(value: str | None, field: str) -> str | None:
    """A correction's value for a page: an ID number masked, wherever it appears."""
    if value is None:
        return None
    return mask_id_number(value) if field == "id_number" else masked_id_numbers(value)
