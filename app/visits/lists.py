"""Lists of visits and refused submissions, in the caller's scope, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.scope import scope_clause, unit_scope_clause
from app.extensions import db
from app.people.views import unit_codes
from app.schemas import page_of
from app.units.models import Unit
from app.visits.models import RejectedSubmission, Visit, VisitResident


def visit_view(visit: Visit, codes: dict[int, str], seen: list[VisitResident]) -> dict[str, Any]:
    """A visit as the API shows it."""
    return {
        "id": visit.id,
        "client_id": visit.client_id,
        "household_id": visit.household_id,
        "officer_id": visit.officer_id,
        "visited_at": visit.visited_at,
        "received_at": visit.received_at,
        "outcome": visit.outcome,
        "location": (
            {"lat": visit.lat, "lon": visit.lon, "accuracy_m": visit.accuracy_m}
            if visit.lat is not None
            else None
        ),
        "location_missing_reason": visit.location_missing_reason,
        "geotag": {
            "distance_m": visit.distance_m,
            "hamlet_code": codes.get(visit.geo_hamlet_id) if visit.geo_hamlet_id else None,
            "flags": list(visit.flags or []),
        },
        "flagged": visit.flagged,
        "note": visit.note,
        "residents": [
            {
                "resident_id": row.resident_id,
                "presence": row.presence,
                "id_card": row.id_card,
                "eid": row.eid,
                "has_smartphone": row.has_smartphone,
                "is_new": row.is_new,
            }
            for row in seen
        ],
    }


def _page(query: Any, order: tuple, page: int, per_page: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        db.session.scalars(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    )
    return rows, total


def list_visits(
    user: User,
    *,
    household: int | None = None,
    since: datetime | None = None,
    flagged: bool | None = None,
    officer: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """List visits in scope, newest first; `flagged` keeps those with geotag flags."""
    query = select(Visit).where(scope_clause(user, Visit))
    if household is not None:
        query = query.where(Visit.household_id == household)
    if since is not None:
        query = query.where(Visit.visited_at >= since)
    if flagged is not None:
        query = query.where(Visit.flagged.is_(flagged))
    if officer is not None:
        query = query.where(Visit.officer_id == officer)
    rows, total = _page(query, (Visit.visited_at.desc(), Visit.id.desc()), page, per_page)
    seen: dict[int, list[VisitResident]] = {}
    if rows:
        for row in db.session.scalars(
            select(VisitResident)
            .where(VisitResident.visit_id.in_([v.id for v in rows]))
            .order_by(VisitResident.id)
        ):
            seen.setdefault(row.visit_id, []).append(row)
    codes = unit_codes({v.geo_hamlet_id for v in rows})
    items = [visit_view(v, codes, seen.get(v.id, [])) for v in rows]
    return page_of(items, total, page, per_page)


def rejected_view(row: RejectedSubmission) -> dict[str, Any]:
    """A refused submission with its body and errors."""
    return {
        "id": row.id,
        "client_id": row.client_id,
        "user_id": row.user_id,
        "household_id": row.household_id,
        "visited_at": row.visited_at,
        "body": row.body,
        "errors": row.errors,
        "message": row.message,
        "received_at": row.received_at,
        "resolved_at": row.resolved_at,
        "resolved_by_visit_id": row.resolved_by_visit_id,
    }


def list_rejected(
    user: User, *, resolved: bool | None = None, page: int = 1, per_page: int = 50
) -> dict[str, Any]:
    """List refused submissions: an officer's own; a commander's or admin's in their unit."""
    query = select(RejectedSubmission)
    if user.role == "officer":
        query = query.where(RejectedSubmission.user_id == user.id)
    else:
        query = query.where(
            RejectedSubmission.commune_id.in_(select(Unit.id).where(unit_scope_clause(user)))
        )
    if resolved is True:
        query = query.where(RejectedSubmission.resolved_at.is_not(None))
    elif resolved is False:
        query = query.where(RejectedSubmission.resolved_at.is_(None))
    order = (RejectedSubmission.received_at.desc(), RejectedSubmission.id.desc())
    rows, total = _page(query, order, page, per_page)
    return page_of([rejected_view(r) for r in rows], total, page, per_page)
