"""Reading sessions back: one session with its team, invited residents and results; lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.extensions import db
from app.followups.lists import unit_for
from app.paging import Page, paginate
from app.people.models import Household, Resident
from app.schemas import Shown
from app.sessions.models import CaptureSession, SessionInvitee, SessionMember, SessionResult
from app.units.models import Unit


def _latest_results(session_id: int) -> dict[int, SessionResult]:
    rows = db.session.scalars(
        select(SessionResult)
        .where(SessionResult.session_id == session_id)
        .order_by(SessionResult.recorded_at, SessionResult.id)
    )
    return {row.resident_id: row for row in rows}


def invitees_of(session: CaptureSession) -> list[dict[str, Any]]:
    """The invited residents in order, with their household and latest result."""
    rows = db.session.execute(
        select(SessionInvitee, Resident, Household)
        .join(Resident, Resident.id == SessionInvitee.resident_id)
        .join(Household, Household.id == Resident.household_id)
        .where(SessionInvitee.session_id == session.id)
        .order_by(SessionInvitee.position, SessionInvitee.id)
    ).all()
    results = _latest_results(session.id)
    return [
        {
            "resident_id": resident.id,
            "full_name": resident.full_name,
            "household_id": household.id,
            "household_address": household.address or "",
            "household_code": household.code,
            "year_of_birth": resident.birth_year,
            "unable_to_travel": bool(resident.unable_to_travel),
            "id_card": resident.id_card,
            "eid": resident.eid,
            "reason": invitee.reason,
            "result": results.get(resident.id),
        }
        for invitee, resident, household in rows
    ]


def _codes(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids))).all())


def shown_session(session: CaptureSession) -> Shown:
    """A session as its answer shows it."""
    codes = _codes({session.hamlet_id, session.commune_id})
    site = db.session.get(Household, session.household_id) if session.household_id else None
    team = list(
        db.session.scalars(
            select(User)
            .join(SessionMember, SessionMember.user_id == User.id)
            .where(SessionMember.session_id == session.id)
            .order_by(SessionMember.id)
        )
    )
    residents = invitees_of(session)
    with_result = [r for r in residents if r["result"] is not None]
    return Shown(
        session,
        commune_code=codes.get(session.commune_id),
        hamlet_code=codes.get(session.hamlet_id),
        site_name=(site.site_name or site.address) if site else None,
        location={"lat": session.lat, "lon": session.lon} if session.lat is not None else None,
        team=team,
        residents=residents,
        results_total=len(with_result),
        attended_total=sum(1 for r in with_result if r["result"].attended),
    )


def sessions_query(
    actor: User,
    *,
    unit: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    mine: bool = False,
    from_: date | None = None,
    to: date | None = None,
) -> Any:
    """The sessions in scope that the filters keep, by day and start time."""
    query = select(CaptureSession).where(scope_clause(actor, CaptureSession))
    if unit:
        query = query.where(rows_inside(CaptureSession, unit_for(actor, unit)))
    if kind:
        query = query.where(CaptureSession.kind == kind)
    if status:
        query = query.where(CaptureSession.status == status)
    if mine:
        members = select(SessionMember.session_id).where(SessionMember.user_id == actor.id)
        query = query.where(CaptureSession.id.in_(members))
    if from_:
        query = query.where(CaptureSession.day >= from_)
    if to:
        query = query.where(CaptureSession.day <= to)
    return query.order_by(CaptureSession.day, CaptureSession.starts_at, CaptureSession.id)


def list_sessions(actor: User, *, page: int = 1, per_page: int = 50, **filters: Any) -> Page:
    """One page of sessions in scope, each shown whole."""
    found = paginate(sessions_query(actor, **filters), page, per_page)
    found.items = [shown_session(s) for s in found.items]
    return found
