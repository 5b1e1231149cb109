"""People API: households, residents, corrections."""

from __future__ import annotations

from app.auth.access import acting_user, require
from app.common import writes_on_get
from app.extensions import Blueprint, ErrorOut, db
from app.people import card_scans, correction_queue, households, review, service
from app.people.card_scan_schemas import CardScanIn, CardScanOut, CardScanRefusedOut
from app.people.correction_schemas import CorrectionReviewIn, CorrectionReviewOut
from app.people.reveal import reveal, wants_reveal
from app.people.schemas import (
    ClientHeader,
    CorrectionArgs,
    CorrectionOut,
    CorrectionPatch,
    HouseholdArgs,
    HouseholdIn,
    HouseholdOut,
    ResidentDetailOut,
    ResidentIfMatch,
    ResidentPatch,
    RevealArgs,
)
from app.people.service import parse_version
from app.schemas import paged

blp = Blueprint("people", __name__, description="Hộ, công dân, đính chính / People")

STAFF = ("admin", "commander", "officer")


# The refusals a write answers beside its validation's 422 (their body: `ErrorOut`).
STALE = "a stale If-Match: the record on file under `current`"
NO_VERSION = "no If-Match: send the version read (its ETag)"
TAKEN = "this client_id holds another body: the household on file under `current`"


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
@blp.response(201, HouseholdOut, description="created")
@blp.alt_response(
    200, schema=HouseholdOut, description="the same client_id and body again: the same household"
)
@blp.alt_response(409, schema=ErrorOut, description=TAKEN)
def create_household(args: dict):
    """Record a household or site found in the field, with its residents. With `client_id`
    the create is idempotent: the same body again answers the same household (200), a different
    body under the same `client_id` answers 409 with the household on file under `current`.
    `warnings` name similar households already on file (same address, or a resident with the
    same name and birth year in the commune): the household is recorded all the same and a
    `duplicate_record` correction is opened."""
    answer, status = households.create_household_once(acting_user(), args)
    db.session.commit()
    return answer, status


@blp.route("/households/<int:household_id>")
@writes_on_get(when=wants_reveal)
@require()
@blp.arguments(ClientHeader, location="headers")
@blp.arguments(RevealArgs, location="query")
@blp.response(200, HouseholdOut)
def get_household(headers: dict, args: dict, household_id: int):
    """Show one household in scope with its residents; `?reveal=id_number` (officer and up,
    audited) shows their ID numbers in full."""
    user = acting_user()
    household = service.get_household(user, household_id)
    if args["reveal"]:
        client = args["client"] or headers["client"]
        shown = getattr(household, "corrections", [])
        reveal(user, household.residents, client, household_id=household.id, values=shown)
        db.session.commit()
    return household


@blp.route("/residents/<int:resident_id>")
@writes_on_get(when=wants_reveal)
@require(*STAFF)
@blp.arguments(ClientHeader, location="headers")
@blp.arguments(RevealArgs, location="query")
@blp.response(200, ResidentDetailOut)
def get_resident(headers: dict, args: dict, resident_id: int):
    """Show one resident with history and corrections, the ID number masked unless asked
    with `?reveal=id_number` (audited); ETag is its version."""
    user = acting_user()
    resident = service.get_resident(user, resident_id)
    if args["reveal"]:
        values = [*resident.history, *resident.corrections]
        reveal(user, [resident], args["client"] or headers["client"], values=values)
        db.session.commit()
    return resident, 200, {"ETag": f'"{resident.version}"'}


@blp.route("/residents/<int:resident_id>", methods=["PATCH"])
@require(*STAFF)
@blp.arguments(ResidentIfMatch, location="headers")
@blp.arguments(ResidentPatch)
@blp.response(200, ResidentDetailOut)
@blp.alt_response(409, schema=ErrorOut, description=STALE)
@blp.alt_response(428, schema=ErrorOut, description=NO_VERSION)
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
    """List corrections in scope, newest first, by `status`, `unit`, `hamlet`, `field`,
    `source`, `found_by` (the user who found it), `resident` or `household`; each item carries
    its `version` for `If-Match`."""
    return correction_queue.list_corrections(acting_user(), **args)


@blp.route("/corrections/<int:correction_id>", methods=["PATCH"])
@require(*STAFF)
@blp.arguments(ResidentIfMatch, location="headers")
@blp.arguments(CorrectionPatch)
@blp.response(200, CorrectionOut)
@blp.alt_response(409, schema=ErrorOut, description=STALE)
@blp.alt_response(428, schema=ErrorOut, description=NO_VERSION)
def resolve_correction(headers: dict, args: dict, correction_id: int):
    """Mark a correction verified, fixed (applying the value; `fixed_on` the day it was fixed
    in the national data) or dismissed (with a `reason`). Needs `If-Match: <version>`: missing
    answers 428, an old one 409 with the current record under `current`. An officer reviews the
    corrections they found or those of their hamlets; a commander or admin any in their unit."""
    version = parse_version(headers["if_match"])
    user = acting_user()
    correction = review.resolve_correction(user, correction_id, version=version, **args)
    db.session.commit()
    return correction, 200, {"ETag": f'"{correction.version}"'}


@blp.route("/corrections/review", methods=["POST"])
@require(*STAFF)
@blp.arguments(CorrectionReviewIn)
@blp.response(200, CorrectionReviewOut)
def review_corrections(args: dict):
    """One decision for many corrections (at most 200), each alone: one result per id, in
    order, `ok`, `conflict` (old version or already resolved, with the current record) or
    `error` (not found, refused or invalid, with `errors`)."""
    ids, versions = args.pop("ids"), args.pop("versions")
    results = review.review_many(acting_user(), ids, versions, args)
    db.session.commit()
    return {"results": results}


@blp.route("/residents/<int:resident_id>/card-scan", methods=["POST"])
@require(*STAFF)
@blp.arguments(CardScanIn)
@blp.response(201, CardScanOut, description="read")
@blp.alt_response(
    200, schema=CardScanOut, description="the same client_id and body again: the first answer"
)
@blp.alt_response(
    422, schema=CardScanRefusedOut, description="not the QR code of an ID card: the reason"
)
def scan_card(args: dict, resident_id: int):
    """Read the resident's ID card from the text of its QR code and compare it with the record.
    Each field where they differ (name, date of birth, sex, ID number) opens a correction with
    the card as evidence (`source` `card_scan`) and is never overwritten; what the record lacks
    (ID number, date of birth, sex, `card_issued_on`) is filled, with history; an ID number that
    another resident holds opens a `duplicate_record` correction naming them. A text that is not
    the card's code answers 422 with the reason. Idempotent by `client_id` (another body under
    it: 409). The reading is kept in the audit trail as a `read`; ID numbers are masked."""
    answer, status = card_scans.scan_card(acting_user(), resident_id, args)
    db.session.commit()
    return answer, status
