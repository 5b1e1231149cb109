"""People API: households, residents, corrections."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth.access import acting_user, require
from app.extensions import db
from app.people import review, service
from app.people.schemas import (
    CorrectionArgs,
    CorrectionOut,
    CorrectionPatch,
    HouseholdArgs,
    HouseholdIn,
    HouseholdOut,
    ResidentDetailOut,
    ResidentIfMatch,
    ResidentPatch,
)
from app.schemas import paged

blp = Blueprint("people", __name__, description="Hộ, công dân, đính chính / People")

STAFF = ("admin", "commander", "officer")


@blp.route("/households")
@require()
@blp.arguments(HouseholdArgs, location="query")
@blp.response(200, paged(HouseholdOut))
def list_households(args: dict):
    """List households in scope with their residents; `q` ignores diacritics."""
    return service.list_households(acting_user(), **args)


@blp.route("/households", methods=["POST"])
@require(*STAFF)
@blp.arguments(HouseholdIn)
@blp.response(201, HouseholdOut)
def create_household(args: dict):
    """Record a household found in the field."""
    user = acting_user()
    household, corrections = service.create_household(user, args)
    db.session.commit()
    return service.household_answer(user, household, corrections)


@blp.route("/households/<int:household_id>")
@require()
@blp.response(200, HouseholdOut)
def get_household(household_id: int):
    """Show one household in scope with its residents."""
    return service.get_household(acting_user(), household_id)


@blp.route("/residents/<int:resident_id>")
@require(*STAFF)
@blp.response(200, ResidentDetailOut)
def get_resident(resident_id: int):
    """Show one resident in full, with history and corrections; ETag is its version."""
    resident = service.get_resident(acting_user(), resident_id)
    return resident, 200, {"ETag": f'"{resident.version}"'}


@blp.route("/residents/<int:resident_id>", methods=["PATCH"])
@require(*STAFF)
@blp.arguments(ResidentIfMatch, location="headers")
@blp.arguments(ResidentPatch)
@blp.response(200, ResidentDetailOut)
def update_resident(headers: dict, changes: dict, resident_id: int):
    """Change a resident; needs `If-Match: <version>`, a stale one answers 409."""
    resident = service.update_resident(acting_user(), resident_id, changes, headers["if_match"])
    db.session.commit()
    return resident, 200, {"ETag": f'"{resident.version}"'}


@blp.route("/corrections")
@require(*STAFF)
@blp.arguments(CorrectionArgs, location="query")
@blp.response(200, paged(CorrectionOut))
def list_corrections(args: dict):
    """List corrections in scope."""
    return review.list_corrections(acting_user(), **args)


@blp.route("/corrections/<int:correction_id>", methods=["PATCH"])
@require(*STAFF)
@blp.arguments(CorrectionPatch)
@blp.response(200, CorrectionOut)
def resolve_correction(args: dict, correction_id: int):
    """Mark a correction verified, fixed (applying the value) or dismissed (with a reason)."""
    correction = review.resolve_correction(acting_user(), correction_id, **args)
    db.session.commit()
    return correction
