"""Schemas of the visit plan API: planning a hamlet, its answer, moving one household."""

from __future__ import annotations

from marshmallow import fields, validate

from app.people.schedule_schemas import ScheduledVisitOut
from app.schemas import BaseSchema, OutSchema

HHMM = "%H:%M"


class ScheduleIn(BaseSchema):
    """A hamlet's plan: the days, the hours of each day, the minutes a household takes."""

    days = fields.List(
        fields.Date(),
        required=True,
        validate=validate.Length(min=1, max=31),
        metadata={"description": "the days of the visits (today or later), at most 31"},
    )
    day_start = fields.Time(
        required=True, format=HHMM, metadata={"description": "when a day's visits start, HH:MM"}
    )
    day_end = fields.Time(
        required=True,
        format=HHMM,
        metadata={"description": "when a day's last visit must end, HH:MM, after day_start"},
    )
    minutes_per_household = fields.Integer(
        required=True,
        validate=validate.Range(min=5, max=240),
        metadata={"description": "minutes each household takes, 5 to 240"},
    )


class RescheduleIn(BaseSchema):
    """One household's new day and time window."""

    date = fields.Date(required=True, metadata={"description": "the new day (today or later)"})
    from_ = fields.Time(
        required=True,
        format=HHMM,
        data_key="from",
        attribute="from",
        metadata={"description": "start of the window, HH:MM"},
    )
    to = fields.Time(
        required=True, format=HHMM, metadata={"description": "end of the window, HH:MM"}
    )


class PlannedVisitOut(ScheduledVisitOut):
    """One household's slot in the plan, with what finds the household."""

    household_id = fields.Integer()
    household_code = fields.String(allow_none=True, metadata={"description": "its code"})
    address = fields.String(metadata={"description": "the household's address"})
    head_name = fields.String(
        allow_none=True, metadata={"description": "the head of the household, else first member"}
    )
    visited = fields.Boolean(
        metadata={"description": "true once the household was visited since the plan was made"}
    )


class ScheduleOut(OutSchema):
    """A hamlet's visit plan and every household's slot, in the order of the visits."""

    hamlet_code = fields.String()
    days = fields.List(fields.Date(), metadata={"description": "the planned days"})
    day_start = fields.Time(format=HHMM, metadata={"description": "HH:MM"})
    day_end = fields.Time(format=HHMM, metadata={"description": "HH:MM"})
    minutes_per_household = fields.Integer()
    capacity = fields.Integer(metadata={"description": "how many households the days can hold"})
    created_at = fields.DateTime(metadata={"description": "when the plan was made"})
    created_by_id = fields.Integer(allow_none=True, metadata={"description": "who made it"})
    left_out = fields.Integer(
        metadata={
            "description": "on planning again: households visited since the previous plan, "
            "left out of this one"
        }
    )
    visits = fields.List(
        fields.Nested(PlannedVisitOut),
        metadata={"description": "every planned household, by day, window and route order"},
    )
