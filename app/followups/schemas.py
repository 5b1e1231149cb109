"""Follow-up and returnee shapes for the API."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from app.followups.models import KINDS, STATUSES
from app.followups.rules import PRIORITY_NAMES
from app.people.fields import Enum, Id, Name, Phone, QueryId
from app.schemas import BaseSchema, OutSchema, PageArgs, Text


class NearPoint(fields.String):
    """`<lat>,<lon>` in degrees (WGS 84), loaded as a (lat, lon) tuple."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple:
        text = super()._deserialize(value, attr, data, **kwargs)
        parts = text.split(",")
        try:
            if len(parts) != 2:
                raise ValueError(text)
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError as exc:
            raise ValidationError(str(_l("Vị trí phải viết là <vĩ độ>,<kinh độ>."))) from exc
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            raise ValidationError(str(_l("Vĩ độ trong ±90, kinh độ trong ±180.")))
        return lat, lon


class FollowupArgs(PageArgs):
    """Filters of the follow-up list; `near` orders it as a walking route."""

    mine = fields.Boolean(load_default=False, metadata={"description": "only mine"})
    status = Enum(STATUSES, load_default=None)
    kind = Enum(KINDS, load_default=None)
    hamlet = fields.String(load_default=None, validate=validate.Length(max=32))
    overdue = fields.Boolean(load_default=None)
    needs_village_head = fields.Boolean(load_default=None)
    assignee = QueryId(load_default=None)
    near = NearPoint(load_default=None, metadata={"description": "<lat>,<lon>"})


class ReturneeBriefOut(OutSchema):
    id = fields.Integer()
    returned_on = fields.Date()
    leaving_on = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class FollowupOut(OutSchema):
    """A follow-up; its household, resident, hamlet, assignee, place and flag come from its
    service (`Shown`)."""

    id = fields.Integer()
    kind = fields.String()
    rule = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String()
    priority = fields.Integer(metadata={"description": "0 urgent, 1 high, 2 normal"})
    priority_name = fields.Function(
        lambda f: PRIORITY_NAMES.get(f.priority, "normal"), metadata={"type": "string"}
    )
    due_date = fields.Date()
    overdue = fields.Boolean()
    preferred_time = fields.String(allow_none=True)
    needs_village_head = fields.Boolean()
    attempts = fields.Integer()
    household_id = fields.Integer(allow_none=True)
    household_code = fields.String(allow_none=True)
    household_address = fields.String(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    resident_name = fields.String(allow_none=True)
    hamlet_code = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    distance_m = fields.Float(
        allow_none=True, metadata={"description": "from the stop before, or from `near`"}
    )
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    created_by_visit_id = fields.Integer(allow_none=True)
    closed_by_visit_id = fields.Integer(allow_none=True)
    correction_id = fields.Integer(allow_none=True)
    returnee = fields.Nested(ReturneeBriefOut, allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class FollowupPatch(BaseSchema):
    """What a PATCH may change: status (officer, own), assignee and due date (commander)."""

    status = Enum(STATUSES)
    assignee_id = Id(allow_none=True)
    due_date = fields.Date()

    @validates_schema
    def something(self, data: dict, **_kw: Any) -> None:
        """Refuse an empty change."""
        if not data:
            raise ValidationError(str(_l("Cần ít nhất một trong: status, assignee_id, due_date.")))


class OverdueArgs(BaseSchema):
    unit = fields.String(load_default=None, validate=validate.Length(max=32))


class UnitBriefOut(OutSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class OverdueRowOut(OutSchema):
    hamlet_code = fields.String(allow_none=True)
    hamlet_name = fields.String(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    open = fields.Integer()
    overdue = fields.Integer()
    oldest_due_date = fields.Date()


class OverdueOut(OutSchema):
    unit = fields.Nested(UnitBriefOut)
    today = fields.Date()
    overdue = fields.Integer()
    items = fields.List(fields.Nested(OverdueRowOut))


class HamletArgs(PageArgs):
    hamlet = fields.String(load_default=None, validate=validate.Length(max=32))


class AwayOut(OutSchema):
    resident_id = fields.Integer()
    full_name = fields.String()
    presence = fields.String()
    away_until = fields.Date(allow_none=True)
    household_id = fields.Integer()
    household_code = fields.String(allow_none=True)
    household_address = fields.String(allow_none=True)
    hamlet_code = fields.String(allow_none=True)


class ReturneeIn(BaseSchema):
    """A village head's flag: who came home, when, until when, and a phone."""

    resident_id = Id(load_default=None, allow_none=True)
    household_id = Id(load_default=None, allow_none=True)
    full_name = Name(load_default=None, allow_none=True)
    hamlet_code = Text(max_len=32, load_default=None, allow_none=True)
    returned_on = fields.Date(required=True)
    leaving_on = fields.Date(load_default=None, allow_none=True)
    phone = Phone(load_default=None, allow_none=True, validate=validate.Length(max=20))
    note = Text(max_len=1000, load_default=None, allow_none=True)
    away_province_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{2}$", error=_l("Mã tỉnh gồm 2 chữ số.")),
        metadata={"description": "a worker away: the province where they work"},
    )
    away_address = Text(
        max_len=300,
        load_default=None,
        allow_none=True,
        metadata={"description": "a worker away: where they work or stay"},
    )

    @validates_schema
    def who(self, data: dict, **_kw: Any) -> None:
        """Name the person one way: a resident, or a name (and household), or a household."""
        if data.get("resident_id") is not None and data.get("full_name"):
            raise ValidationError(
                str(_l("Chọn người trong danh sách hoặc gõ họ tên, không cả hai.")), "full_name"
            )
        if (
            data.get("resident_id") is None
            and not data.get("full_name")
            and data.get("household_id") is None
        ):
            raise ValidationError(
                str(_l("Cần resident_id, household_id hoặc full_name.")), "full_name"
            )


class ReturneeFollowupOut(OutSchema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    priority = fields.Integer()
    due_date = fields.Date()
    assignee_id = fields.Integer(allow_none=True)
    closed_by_visit_id = fields.Integer(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class ReturneeOut(OutSchema):
    """A returnee flag; `pending`, `hamlet_code` and `followup` come from its service."""

    id = fields.Integer()
    resident_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    full_name = fields.String()
    pending = fields.Boolean(allow_none=True)
    hamlet_code = fields.String(allow_none=True)
    returned_on = fields.Date()
    leaving_on = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    away_province_code = fields.String(allow_none=True)
    away_address = fields.String(allow_none=True)
    flagged_by_id = fields.Integer()
    created_at = fields.DateTime()
    followup = fields.Nested(ReturneeFollowupOut, allow_none=True)
    followup_status = fields.Function(
        lambda r: r.followup.status if r.followup else None,
        metadata={"type": "string", "nullable": True},
    )
    visited = fields.Method("get_visited", metadata={"type": "boolean"})
    visit_id = fields.Function(
        lambda r: r.followup.closed_by_visit_id if r.followup else None,
        metadata={"type": "integer", "nullable": True},
    )

    def get_visited(self, flag: Any) -> bool:
        followup = flag.followup
        return bool(followup and followup.status == "done" and followup.closed_by_visit_id)
