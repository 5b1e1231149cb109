"""Capture sessions API: proposals, plans, results."""

from __future__ import annotations

from app.auth.access import acting_user, require
from app.extensions import Blueprint, db
from app.schemas import paged
from app.sessions import plans, proposals, results, shown
from app.sessions.schemas import (
    CaptureSessionArgs,
    CaptureSessionIn,
    CaptureSessionOut,
    CaptureSessionPatch,
    SessionProposalArgs,
    SessionProposalsOut,
    SessionResultsDoc,
    SessionResultsIn,
    SessionResultsOut,
)

blp = Blueprint("sessions", __name__, description="Buổi thu nhận / Capture sessions")

STAFF = ("admin", "commander", "officer")
RESULTS_BODY = {"required": True, "content": {"application/json": {"schema": SessionResultsDoc}}}


@blp.route("/sessions/proposals")
@require(*STAFF)
@blp.arguments(SessionProposalArgs, location="query")
@blp.response(200, SessionProposalsOut)
def proposals_list(args: dict):
    """Residents proposed for a session: open ID capture and e-ID follow-ups in the unit;
    people unable to travel first, then (at_home) in walking order."""
    return {"items": proposals.propose(acting_user(), args["unit"], args["kind"])}


@blp.route("/sessions", methods=["POST"])
@require(*STAFF)
@blp.arguments(CaptureSessionIn)
@blp.response(201, CaptureSessionOut)
def create(args: dict):
    """Plan a session: kind, day, time window, place, team and invited residents."""
    session = plans.create_session(acting_user(), args)
    db.session.commit()
    return shown.shown_session(session)


@blp.route("/sessions")
@require(*STAFF)
@blp.arguments(CaptureSessionArgs, location="query")
@blp.response(200, paged(CaptureSessionOut))
def list_all(args: dict):
    """List sessions in scope; `from`/`to` limit the days, `mine=1` those I am on."""
    return shown.list_sessions(acting_user(), **args)


@blp.route("/sessions/<int:session_id>")
@require(*STAFF)
@blp.response(200, CaptureSessionOut)
def get_one(session_id: int):
    """Show one session with its invited residents and their results."""
    return shown.shown_session(plans.session_for(acting_user(), session_id))


@blp.route("/sessions/<int:session_id>", methods=["PATCH"])
@require(*STAFF)
@blp.arguments(CaptureSessionPatch)
@blp.response(200, CaptureSessionOut)
def update(args: dict, session_id: int):
    """Change a session's plan, team, invited residents or status."""
    session = plans.update_session(acting_user(), session_id, args)
    db.session.commit()
    return shown.shown_session(session)


@blp.route("/sessions/<int:session_id>/results", methods=["POST"])
@require("commander", "officer")
@blp.arguments(SessionResultsIn)
@blp.response(200, SessionResultsOut)
@blp.doc(requestBody=RESULTS_BODY)
def record_results(args: dict, session_id: int):
    """Record results (team members, commanders): one answer per item, in order; the same
    client_id again answers the first result, with a different body 409 inside the item."""
    actor = acting_user()
    session = plans.session_for(actor, session_id)
    answers = results.submit_results(args["results"], actor, session)
    db.session.commit()
    return {"results": answers}
