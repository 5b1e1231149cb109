"""Lists of visits and refused submissions, in the caller's scope, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.scope import scope_clause, unit_scope_clause
from app.paging import Page, paginate
from app.schemas import Shown
from app.units.models import Unit
from app.units.service import unit_codes
from app.visits.models import RejectedSubmission, Visit


def _geotag(visit: Visit, codes: dict[int, str]) -> dict[str, Any]:
    """Where a visit's point fell: distance to the household, hamlet code, flags."""
    return {
        "distance_m": visit.distance_m,
        "hamlet_code": codes.get(visit.geo_hamlet_id) if visit.geo_hamlet_id else None,
        "flags": list(visit.flags or []),
    }


def list_visits(
    user: User,
    *,
    household: int | None = None,
    since: datetime | None = None,
    flagged: bool | None = None,
    officer: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
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
    query = query.options(selectinload(Visit.residents))
    result = paginate(query.order_by(Visit.visited_at.desc(), Visit.id.desc()), page, per_page)
    codes = unit_codes(v.geo_hamlet_id for v in result.items)
    result.items = [Shown(v, geotag=_geotag(v, codes)) for v in result.items]
    return result


def list_rejected(
    user: User, *, resolved: bool | None = None, page: int = 1, per_page: int = 50
) -> Page:
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
    return paginate(query.order_by(*order), page, per_page)
