"""Refused submissions: kept whole, listed for the officer and the commander, resolved by a fix."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields
from sqlalchemy import or_, select

from app.auth.models import User
from app.clock import VIETNAM
from app.common import utcnow
from app.errors import ServiceError
from app.extensions import db
from app.visits.models import RejectedSubmission, Visit

MAX_DEPTH = 20


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL and lone surrogates in text; keep a readable trace instead.
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def storable(value: Any, depth: int = 0) -> Any:
    """Make any body storable as JSON on every database: no NaN, no objects, bounded depth."""
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {_clean(str(k)): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v, depth + 1) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return _clean(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _raw_key(body: Any) -> tuple[str | None, int | None, datetime | None]:
    """Read client_id, household_id and visited_at from a raw body, where they are sound."""
    if not isinstance(body, dict):
        return None, None, None
    client_id = body.get("client_id")
    client_id = _clean(client_id)[:64] if isinstance(client_id, str) and client_id else None
    household_id = body.get("household_id")
    if (
        isinstance(household_id, bool)
        or not isinstance(household_id, int)
        or not 0 < household_id < 2**31
    ):
        household_id = None
    visited_at = None
    raw = body.get("visited_at")
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            visited_at = fields.AwareDateTime(default_timezone=VIETNAM).deserialize(raw)
            visited_at.astimezone(VIETNAM)
        except (ValidationError, OverflowError, ValueError):
            visited_at = None
    return client_id, household_id, visited_at


def keep_rejected(
    body: Any, officer: User, error: ServiceError, data: dict | None
) -> RejectedSubmission:
    """Keep a refused body with its errors, who sent it and when."""
    client_id, household_id, visited_at = _raw_key(body)
    if data is not None:
        client_id, household_id = data["client_id"], data.get("household_id")
        visited_at = data["visited_at"]
    errors = error.errors or {"_schema": [str(error.message)]}
    row = RejectedSubmission(
        client_id=client_id,
        user_id=officer.id,
        commune_id=officer.unit_id if officer.unit.level == "commune" else None,
        body=storable(body),
        errors=storable({str(k): [str(m) for m in v] for k, v in errors.items()}),
        message=str(error.message or "")[:500],
        received_at=utcnow(),
        household_id=household_id,
        visited_at=visited_at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def unresolved_for(commune_id: int, household_ids: set[int], client_ids: set[str]) -> list:
    """Load the commune's unresolved refusals a batch may fix, in one query."""
    if not household_ids and not client_ids:
        return []
    with db.session.no_autoflush:
        return list(
            db.session.scalars(
                select(RejectedSubmission).where(
                    RejectedSubmission.resolved_at.is_(None),
                    RejectedSubmission.commune_id == commune_id,
                    or_(
                        RejectedSubmission.household_id.in_(household_ids),
                        RejectedSubmission.client_id.in_(client_ids),
                    ),
                )
            )
        )


def _fixes(visit: Visit, row: RejectedSubmission) -> bool:
    if row.resolved_at is not None or row.commune_id != visit.commune_id:
        return False
    same_moment = row.household_id == visit.household_id and row.visited_at == visit.visited_at
    return same_moment or row.client_id == visit.client_id


def resolve_rejected(
    visit: Visit, candidates: list[RejectedSubmission] | None = None
) -> list[RejectedSubmission]:
    """Mark refused submissions this visit fixes: same client_id, or same household and time."""
    if candidates is None:
        with db.session.no_autoflush:
            candidates = list(
                db.session.scalars(
                    select(RejectedSubmission).where(
                        RejectedSubmission.resolved_at.is_(None),
                        RejectedSubmission.commune_id == visit.commune_id,
                        or_(
                            (RejectedSubmission.household_id == visit.household_id)
                            & (RejectedSubmission.visited_at == visit.visited_at),
                            RejectedSubmission.client_id == visit.client_id,
                        ),
                    )
                )
            )
    rows = [row for row in candidates if _fixes(visit, row)]
    now = utcnow()
    for row in rows:
        row.resolved_at = now
        row.resolved_by_visit_id = visit.id
    if rows:
        db.session.flush()
    return rows
