"""A household's slot in its hamlet's visit plan, as the household answers show it."""

from __future__ import annotations

from marshmallow import fields

from app.schemas import OutSchema


class ScheduledVisitOut(OutSchema):
    """The day and time window of a household's visit in its hamlet's plan (Vietnam time)."""

    date = fields.Date(metadata={"description": "the day of the visit"})
    from_ = fields.Time(
        attribute="starts_at",
        data_key="from",
        format="%H:%M",
        metadata={"description": "start of the time window, HH:MM"},
    )
    to = fields.Time(
        attribute="ends_at", format="%H:%M", metadata={"description": "end of the window, HH:MM"}
    )
    order = fields.Integer(
        attribute="position",
        metadata={"description": "the household's place on the plan's walking route, from 1"},
    )
    moved = fields.Boolean(
        metadata={"description": "true once this household was rescheduled on its own"}
    )
