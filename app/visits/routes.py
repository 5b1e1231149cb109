"""Visits API: submit one visit or a batch, list visits and refused submissions."""

from __future__ import annotations

from app.auth.access import acting_user, require
from app.extensions import Blueprint, db
from app.schemas import paged
from app.visits import lists, service
from app.visits.schemas import (
    RejectedVisitArgs,
    RejectedVisitOut,
    VisitArgs,
    VisitBatchIn,
    VisitBatchOut,
    VisitIn,
    VisitOut,
    VisitRawBody,
    VisitRejectedOut,
    VisitResultOut,
)

blp = Blueprint("visits", __name__, description="Lượt thăm hộ / Household visits")

# The body is read whole (VisitRawBody) so that a refused visit can be kept as sent; the service
# validates it with VisitIn, which is what the document shows.
VISIT_BODY = {"required": True, "content": {"application/json": {"schema": VisitIn}}}


@blp.route("/visits", methods=["POST"])
@require("officer")
@blp.arguments(VisitRawBody)
@blp.response(201, VisitResultOut, description="created")
@blp.alt_response(200, schema=VisitResultOut, description="duplicate: the first visit's id")
@blp.alt_response(422, schema=VisitRejectedOut, description="refused, and kept")
@blp.alt_response(
    409, schema=VisitRejectedOut, description="this client_id holds another visit: refused, kept"
)
@blp.doc(requestBody=VISIT_BODY)
def submit(args: dict):
    """Record one visit; the same client_id again answers the first visit."""
    result = service.submit_visit(args["body"], acting_user())
    db.session.commit()
    if result.error is not None:
        raise result.error
    return result.answer, result.code


@blp.route("/visits/batch", methods=["POST"])
@require("officer")
@blp.arguments(VisitBatchIn)
@blp.response(200, VisitBatchOut)
def submit_batch(args: dict):
    """Record up to 500 visits, each on its own; one answer per item, in order."""
    results = service.submit_batch(args["visits"], acting_user())
    db.session.commit()
    return {"results": results}


@blp.route("/visits")
@require("admin", "commander", "officer")
@blp.arguments(VisitArgs, location="query")
@blp.response(200, paged(VisitOut))
def list_visits(args: dict):
    """List visits in scope; `flagged=1` keeps those with geotag flags."""
    return lists.list_visits(acting_user(), **args)


@blp.route("/visits/rejected")
@require("admin", "commander", "officer")
@blp.arguments(RejectedVisitArgs, location="query")
@blp.response(200, paged(RejectedVisitOut))
def list_rejected(args: dict):
    """List refused submissions with their bodies and errors."""
    return lists.list_rejected(acting_user(), **args)
