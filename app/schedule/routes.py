"""Visit plan API: plan a hamlet's residence-check visits, read the plan, move one household."""

from __future__ import annotations

from app.auth.access import acting_user, require
from app.extensions import Blueprint, db
from app.people.schedule_schemas import ScheduledVisitOut
from app.schedule import planning
from app.schedule.schemas import RescheduleIn, ScheduleIn, ScheduleOut

blp = Blueprint("schedule", __name__, description="Lịch thăm hộ / Visit schedule")

PLANNERS = ("commander", "officer")


@blp.route("/units/<code>/schedule")
@require(*PLANNERS)
@blp.response(200, ScheduleOut)
def get_schedule(code: str):
    """A hamlet's visit plan (its officer, a commander over it); 404 while it has none."""
    return planning.read_plan(acting_user(), code)


@blp.route("/units/<code>/schedule", methods=["POST"])
@require(*PLANNERS)
@blp.arguments(ScheduleIn)
@blp.response(201, ScheduleOut, description="planned")
def plan_schedule(args: dict, code: str):
    """Plan (or plan again) a hamlet's visits: its households as a walking route from the
    hamlet's centre, each given a day and a time window, filling each day from `day_start`.
    When the days cannot hold every household nothing is planned and the answer is 422 with
    how many fit. Planning again replaces the plan; households visited since the previous
    plan was made are left out (`left_out` counts them)."""
    plan = planning.plan_hamlet(acting_user(), code, args)
    db.session.commit()
    return plan, 201


@blp.route("/households/<int:household_id>/scheduled-visit", methods=["PATCH"])
@require(*PLANNERS)
@blp.arguments(RescheduleIn)
@blp.response(200, ScheduledVisitOut)
def reschedule(args: dict, household_id: int):
    """Move one household's visit to another day and window; every other household keeps
    its slot. A household of a planned hamlet that was left out gets a slot this way."""
    visit = planning.reschedule(acting_user(), household_id, args)
    db.session.commit()
    return visit
