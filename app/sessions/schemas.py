"""Capture session shapes for the API: the plan, the proposals, the results."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from app.people.fields import Enum, Id, StrictBoolean
from app.people.models import CARD_ISSUE, EID, ID_CARD
from app.people.schemas import GeoPointIn
from app.schemas import DAY_RANGE, BaseSchema, OutSchema, PageArgs, Text
from app.sessions.models import KINDS, STATUSES

# The most residents one session invites, and results one request carries.
MAX_INVITED = 500
MAX_RESULTS = 500
KIND_TEXT = (
    "at_home (a team goes to homes), point (a capture point), at_site (a company, dormitory…)"
)


class CaptureSessionIn(BaseSchema):
    """A session as planned: kind, day and time window, place, team and invited residents."""

    kind = Enum(KINDS, required=True, metadata={"description": KIND_TEXT})
    date = fields.Date(
        required=True, validate=DAY_RANGE, metadata={"description": "the session's day"}
    )
    starts_at = fields.Time(load_default=None, allow_none=True, metadata={"description": "HH:MM"})
    ends_at = fields.Time(load_default=None, allow_none=True, metadata={"description": "HH:MM"})
    unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=32),
        metadata={"description": "the commune, when no hamlet or site says it"},
    )
    hamlet_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=32)
    )
    household_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "a site (a household of kind boarding_house, company…)"},
    )
    place = Text(
        max_len=300,
        load_default=None,
        allow_none=True,
        metadata={"description": "where, in words (a cultural house, a school…)"},
    )
    location = fields.Nested(
        GeoPointIn,
        load_default=None,
        allow_none=True,
        metadata={"description": "the place as a point on the map"},
    )
    team_ids = fields.List(
        Id(), load_default=list, validate=validate.Length(max=50),
        metadata={"description": "users on the team, inside the caller's unit"},
    )  # fmt: skip
    resident_ids = fields.List(
        Id(), load_default=list, validate=validate.Length(max=MAX_INVITED),
        metadata={"description": "residents invited, in the order they are met"},
    )  # fmt: skip
    equipment = Text(max_len=1000, load_default="", metadata={"description": "what the team takes"})
    note = Text(max_len=2000, load_default="", metadata={"description": "a note for the team"})

    @validates_schema
    def window(self, data: dict, **_kw: Any) -> None:
        """The time window must not end before it starts."""
        start, end = data.get("starts_at"), data.get("ends_at")
        if start is not None and end is not None and end <= start:
            raise ValidationError(str(_l("Giờ kết thúc phải sau giờ bắt đầu.")), "ends_at")


class CaptureSessionPatch(CaptureSessionIn):
    """Any field of the plan, and the status (planned, done, cancelled)."""

    class Meta(BaseSchema.Meta):
        pass

    kind = Enum(KINDS, metadata={"description": KIND_TEXT})
    date = fields.Date()
    starts_at = fields.Time(allow_none=True)
    ends_at = fields.Time(allow_none=True)
    unit = fields.String(allow_none=True, validate=validate.Length(max=32))
    hamlet_code = fields.String(allow_none=True, validate=validate.Length(max=32))
    household_id = Id(allow_none=True)
    place = Text(max_len=300, allow_none=True)
    location = fields.Nested(GeoPointIn, allow_none=True)
    team_ids = fields.List(Id(), validate=validate.Length(max=50))
    resident_ids = fields.List(Id(), validate=validate.Length(max=MAX_INVITED))
    equipment = Text(max_len=1000)
    note = Text(max_len=2000)
    status = Enum(STATUSES, metadata={"description": "planned, done or cancelled"})


class CaptureSessionArgs(PageArgs):
    """Filters of the session list."""

    unit = fields.String(load_default=None, validate=validate.Length(max=32))
    kind = Enum(KINDS, load_default=None)
    status = Enum(STATUSES, load_default=None)
    mine = fields.Boolean(load_default=False, metadata={"description": "only sessions I am on"})
    from_ = fields.Date(load_default=None, data_key="from", metadata={"description": "first day"})
    to = fields.Date(load_default=None, metadata={"description": "last day"})


class SessionProposalArgs(BaseSchema):
    """Which unit (default: the caller's) and which kind of session residents are proposed for."""

    class Meta(BaseSchema.Meta):
        unknown = "exclude"

    unit = fields.String(load_default=None, validate=validate.Length(max=32))
    kind = Enum(KINDS, load_default="at_home", metadata={"description": KIND_TEXT})


class SessionResultIn(BaseSchema):
    """What became of one invited resident: came or not, and what was done."""

    client_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "made by the phone; the same again answers the first result"},
    )
    resident_id = Id(
        required=True,
        metadata={"description": "an invited resident (another of the commune is added)"},
    )
    attended = StrictBoolean(required=True, metadata={"description": "the person came"})
    id_card = Enum(
        ID_CARD,
        load_default=None,
        allow_none=True,
        metadata={"description": "the ID card status reached (never a step back)"},
    )
    eid = Enum(
        EID,
        load_default=None,
        allow_none=True,
        metadata={"description": "the VNeID level reached (never a step back)"},
    )
    card_issue = Enum(
        CARD_ISSUE,
        load_default=None,
        allow_none=True,
        metadata={"description": "lost, damaged, expired or wrong_details"},
    )
    note = Text(
        max_len=1000, load_default="", allow_none=True, metadata={"description": "free text"}
    )


class SessionResultsIn(BaseSchema):
    """Results in a batch (each item stands alone)."""

    results = fields.List(
        fields.Raw(allow_none=True), required=True, validate=validate.Length(min=1, max=MAX_RESULTS)
    )


class SessionResultsDoc(BaseSchema):
    """What the document shows of the body: items are validated one by one as SessionResultIn."""

    results = fields.List(fields.Nested(SessionResultIn), required=True)


# --- answers ---------------------------------------------------------------------------


class SessionPlaceOut(OutSchema):
    lat = fields.Float()
    lon = fields.Float()


class SessionMemberOut(OutSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()


class SessionResultBriefOut(OutSchema):
    id = fields.Integer()
    attended = fields.Boolean()
    id_card = fields.String(allow_none=True)
    eid = fields.String(allow_none=True)
    card_issue = fields.String(allow_none=True)
    note = fields.String()
    recorded_at = fields.DateTime()
    recorded_by_id = fields.Integer()


class SessionInviteeOut(OutSchema):
    resident_id = fields.Integer()
    full_name = fields.String()
    household_id = fields.Integer()
    household_address = fields.String()
    year_of_birth = fields.Integer(allow_none=True)
    unable_to_travel = fields.Boolean()
    id_card = fields.String(metadata={"description": "on file now"})
    eid = fields.String(metadata={"description": "on file now"})
    reason = fields.String(metadata={"description": "why the resident was proposed"})
    result = fields.Nested(
        SessionResultBriefOut,
        allow_none=True,
        metadata={"description": "the latest result, or null"},
    )


class CaptureSessionOut(OutSchema):
    """A session with its team, invited residents and their latest results."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": KIND_TEXT})
    date = fields.Date(attribute="day")
    starts_at = fields.Time(allow_none=True)
    ends_at = fields.Time(allow_none=True)
    status = fields.String(metadata={"description": "planned, done or cancelled"})
    commune_code = fields.String()
    hamlet_code = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    location = fields.Nested(SessionPlaceOut, allow_none=True)
    equipment = fields.String()
    note = fields.String()
    team = fields.List(fields.Nested(SessionMemberOut))
    residents = fields.List(fields.Nested(SessionInviteeOut))
    results_total = fields.Integer(metadata={"description": "residents with a result"})
    attended_total = fields.Integer(metadata={"description": "residents who came"})
    created_by_id = fields.Integer()
    created_at = fields.DateTime()


class SessionProposalOut(OutSchema):
    resident_id = fields.Integer()
    full_name = fields.String()
    household_id = fields.Integer()
    reason = fields.String(metadata={"description": "the open follow-up's reason"})
    kind = fields.String(metadata={"description": "the follow-up's kind"})
    followup_id = fields.Integer()
    unable_to_travel = fields.Boolean()
    at_home = fields.Boolean(metadata={"description": "unable to travel or an at-home capture"})
    household_address = fields.String()
    hamlet_code = fields.String(allow_none=True)
    year_of_birth = fields.Integer(allow_none=True)


class SessionProposalsOut(OutSchema):
    items = fields.List(fields.Nested(SessionProposalOut))


class SessionFollowupOut(OutSchema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()


class SessionResultFollowupsOut(OutSchema):
    created = fields.List(fields.Nested(SessionFollowupOut))
    closed = fields.List(fields.Nested(SessionFollowupOut))


class SessionResultOut(OutSchema):
    """The answer to one submitted result."""

    status = fields.String(metadata={"description": "created, duplicate or rejected"})
    code = fields.Integer()
    id = fields.Integer(allow_none=True)
    client_id = fields.String(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    followups = fields.Nested(
        SessionResultFollowupsOut,
        metadata={"description": "follow-ups the result opened and closed"},
    )
    corrections = fields.List(
        fields.Dict(), metadata={"description": "corrections the result opened (a step back)"}
    )
    message = fields.String()
    errors = fields.Dict()
    rejected_id = fields.Integer()


class SessionResultsOut(OutSchema):
    results = fields.List(fields.Nested(SessionResultOut))
