"""Follow-ups API: lists and today's route, changes, overdue counts, returnee flags."""

from __future__ import annotations

from app.auth.access import acting_user, require
from app.extensions import Blueprint, db
from app.followups import changes, lists, returnees
from app.followups.cli import recompute, renewals
from app.followups.schemas import (
    AwayOut,
    FollowupArgs,
    FollowupOut,
    FollowupPatch,
    HamletArgs,
    OverdueArgs,
    OverdueOut,
    ReturneeIn,
    ReturneeOut,
)
from app.schemas import paged

blp = Blueprint(
    "followups", __name__, description="Việc cần làm, người về / Follow-ups and returnees"
)
# `flask followups recompute`: registered with the blueprint, under its name.
blp.cli.add_command(recompute)
blp.cli.add_command(renewals)

STAFF = ("admin", "commander", "officer")
EVERYONE = ("admin", "commander", "officer", "village_head")


@blp.route("/followups")
@require(*EVERYONE)
@blp.arguments(FollowupArgs, location="query")
@blp.response(200, paged(FollowupOut))
def list_followups(args: dict):
    """List follow-ups in scope; with `near=<lat>,<lon>`, as a walking route from there."""
    return lists.list_followups(acting_user(), **args)


@blp.route("/followups/<int:followup_id>")
@require(*EVERYONE)
@blp.response(200, FollowupOut)
def get_followup(followup_id: int):
    """Show one follow-up in scope."""
    followup = changes.followup_for(acting_user(), followup_id)
    return lists.shown_followup(followup.id)


@blp.route("/followups/<int:followup_id>", methods=["PATCH"])
@require(*STAFF)
@blp.arguments(FollowupPatch)
@blp.response(200, FollowupOut)
@blp.alt_response(
    409,
    description="reopened next to an open follow-up of the same kind for the same person or "
    "household; the message names it",
)
def update_followup(args: dict, followup_id: int):
    """Close or reopen a follow-up (its officer), reassign it or move its due date (commander)."""
    followup = changes.update_followup(acting_user(), followup_id, args)
    db.session.commit()
    return lists.shown_followup(followup.id)


@blp.route("/followups/overdue-summary")
@require("admin", "commander", "officer")
@blp.arguments(OverdueArgs, location="query")
@blp.response(200, OverdueOut)
def overdue_summary(args: dict):
    """Count overdue follow-ups by hamlet and assignee inside a unit."""
    return lists.overdue_summary(acting_user(), args["unit"])


@blp.route("/followups/away")
@require(*EVERYONE)
@blp.arguments(HamletArgs, location="query")
@blp.response(200, paged(AwayOut))
def away(args: dict):
    """List residents away from home, for the village head to say when they are back."""
    return lists.away_list(acting_user(), **args)


@blp.route("/returnees", methods=["POST"])
@require(*EVERYONE)
@blp.arguments(ReturneeIn)
@blp.response(201, ReturneeOut, description="created")
@blp.alt_response(200, schema=ReturneeOut, description="the same flag again: the first one")
def flag_returnee(args: dict):
    """Flag a person who came home; opens a returnee_visit for the hamlet's officer."""
    flag, created = returnees.flag_returnee(acting_user(), args)
    db.session.commit()
    return returnees.shown_returnees([flag])[0], 201 if created else 200


@blp.route("/returnees")
@require(*EVERYONE)
@blp.arguments(HamletArgs, location="query")
@blp.response(200, paged(ReturneeOut))
def list_returnees(args: dict):
    """List returnee flags in scope, each with whether its visit happened."""
    return returnees.list_returnees(acting_user(), **args)
