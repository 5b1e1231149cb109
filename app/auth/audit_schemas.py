"""Audit trail schemas: the filters (API, page and CSV alike) and the answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from app.auth.audit import LEGACY_NAMES, canonical
from app.clock import VIETNAM, end_of_day, start_of_day
from app.labels import LABELS
from app.schemas import TIME_RANGE, OutSchema, PageArgs, paged

ACTIONS = tuple(LABELS["audit_action"])
MAX_ACTIONS = 10
OBJECT_TYPE = validate.Regexp(
    r"^[a-z][a-z_]{0,63}$", error=_l("Loại đối tượng chỉ gồm chữ thường và dấu gạch dưới.")
)


class ActionList(fields.String):
    """One action, or several separated by commas (`read,export`); old names are read as
    their new ones. Loads as a list of the contract's names."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        text = super()._deserialize(value, attr, data, **kwargs)
        names = [part.strip() for part in text.split(",") if part.strip()]
        if not names or len(names) > MAX_ACTIONS:
            raise ValidationError(str(_l("Hãy chọn từ 1 đến 10 hành động.")))
        unknown = [n for n in names if n not in ACTIONS and n not in LEGACY_NAMES]
        if unknown:
            raise ValidationError(
                str(_l("Hành động không hợp lệ: %(names)s.", names=", ".join(unknown)[:100]))
            )
        return list(dict.fromkeys(canonical(n) for n in names))


class Moment(fields.AwareDateTime):
    """A day (`2026-11-22`, Vietnam's calendar) or a moment (`2026-11-22T08:30:00+07:00`,
    Vietnam time when no zone is given). A day starts at its first instant for `since`; for
    `until` the whole day is included."""

    def __init__(self, *, end: bool = False, **kwargs: Any) -> None:
        super().__init__(default_timezone=VIETNAM, validate=TIME_RANGE, **kwargs)
        self.end = end

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value.strip()) == 10:
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type="date") from None
            if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
                raise ValidationError(str(TIME_RANGE.error))
            return end_of_day(day) if self.end else start_of_day(day)
        return super()._deserialize(value, attr, data, **kwargs)


class AuditArgs(PageArgs):
    """`?user=&action=&object_type=&object_id=&since=&until=&page=&per_page=`."""

    user = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "a user's id or username"},
    )
    action = ActionList(
        load_default=None,
        metadata={
            "description": "an action, or several separated by commas: " + ", ".join(ACTIONS)
        },
    )
    object_type = fields.String(
        load_default=None,
        validate=OBJECT_TYPE,
        metadata={"description": "a table name: households, residents, users, units…"},
    )
    object_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    since = Moment(load_default=None, metadata={"description": "a day or a moment, included"})
    until = Moment(
        end=True,
        load_default=None,
        metadata={"description": "a day (included whole) or a moment (excluded)"},
    )

    @validates_schema
    def period_in_order(self, data: dict, **_kwargs: Any) -> None:
        """Refuse a period that ends before it starts."""
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until <= since:
            raise ValidationError(str(_l("Ngày kết thúc phải sau ngày bắt đầu.")), "until")


class AuditUserOut(OutSchema):
    id = fields.Integer()
    username = fields.String(allow_none=True)


class AuditEntryOut(OutSchema):
    """One entry: who (null for nobody known: a failed sign-in on an unknown username, a
    command), what, about which object, when, and what changed or was done."""

    id = fields.Integer()
    at = fields.DateTime()
    user = fields.Nested(AuditUserOut, allow_none=True)
    action = fields.String(metadata={"description": "the contract's name (old names read so)"})
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    detail = fields.Raw(allow_none=True)
    remote_addr = fields.String(allow_none=True, metadata={"description": "the caller's address"})


AuditListOut = paged(AuditEntryOut)
