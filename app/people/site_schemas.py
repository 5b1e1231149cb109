"""Input fields of sites (a household's kind, name, contact, rooms) and of residence status.

Every field here is optional and has no default: a body that does not name one loads without
it, so the canonical form (and hash) of a body written before these fields existed does not
change, and a family household is exactly what it was.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from app.clock import today_in_vietnam
from app.people.fields import Enum, Name, Phone
from app.people.models import HOUSEHOLD_KINDS, RESIDENCE, SITE_KINDS
from app.schemas import BaseSchema

MAX_ROOMS, ROOM_LEN = 500, 32
# The phone's id of a household made offline (as a visit's client_id).
CLIENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$"
PROVINCE_CODE = r"^\d{2}$"
OLDEST_UNTIL = date(1950, 1, 1)
UNTIL_YEARS_AHEAD = 30


def _sane_until(value: date) -> None:
    """A residence end date: past dates are history, but not before 1950 nor 30 years ahead."""
    latest = today_in_vietnam().year + UNTIL_YEARS_AHEAD
    if value < OLDEST_UNTIL or value.year > latest:
        raise ValidationError(str(_l("Ngày hết hạn cư trú không hợp lý.")))


def room_key(room: str) -> str:
    """Compare room labels without case ("P101" is "p101")."""
    return room.casefold()


class ResidenceIn(BaseSchema):
    """A resident's residence status: permanent, temporary or a short stay, and their room."""

    residence = Enum(RESIDENCE, metadata={"description": "permanent (default), temporary, staying"})
    home_address = Name(
        max_len=300,
        allow_none=True,
        metadata={"description": "address of the permanent registration"},
    )
    home_province_code = fields.String(
        allow_none=True,
        validate=validate.Regexp(PROVINCE_CODE, error=_l("Mã tỉnh gồm 2 chữ số.")),
        metadata={"description": "province of the permanent registration, e.g. 38"},
    )
    residence_until = fields.Date(
        allow_none=True,
        validate=_sane_until,
        metadata={"description": "end of a temporary residence or stay, where known"},
    )
    room = Name(
        max_len=ROOM_LEN,
        allow_none=True,
        metadata={"description": "room at a site; one of the site's rooms when it lists them"},
    )


def refuse_repeated_rooms(rooms: list[str] | None) -> None:
    """Refuse the same room label twice (case ignored), naming the second."""
    seen: set[str] = set()
    errors: dict[str, list[str]] = {}
    for index, room in enumerate(rooms or []):
        if room_key(room) in seen:
            errors[f"rooms.{index}"] = [str(_l("Phòng %(room)s đã có ở trên.", room=room))]
        seen.add(room_key(room))
    if errors:
        raise ValidationError(errors)


class SiteIn(BaseSchema):
    """A household's kind and, for a site, its name, contact and rooms; the phone's id."""

    kind = Enum(
        HOUSEHOLD_KINDS,
        metadata={
            "description": "family (default), boarding_house, dormitory, company, other_site"
        },
    )
    site_name = Name(allow_none=True, metadata={"description": "needed for a site"})
    contact_name = Name(allow_none=True, metadata={"description": "owner or manager"})
    contact_phone = Phone(allow_none=True, validate=validate.Length(max=20))
    rooms = fields.List(
        Name(max_len=ROOM_LEN),
        allow_none=True,
        validate=validate.Length(max=MAX_ROOMS),
        metadata={"description": "room labels, at most 500 of 32 characters, each once"},
    )
    client_id = fields.String(
        validate=validate.Regexp(CLIENT_ID, error=_l("Mã client_id: 8–64 ký tự chữ, số, . _ : -")),
        metadata={"description": "made by the phone: the same client_id again answers the same "
                  "household (200), never a second one"},
    )  # fmt: skip

    @validates_schema
    def site_needs_name(self, data: dict, **_kw: Any) -> None:
        """A site needs its name; its rooms are listed once each; residents' rooms among them."""
        errors: dict[str, list[str]] = {}
        if data.get("kind") in SITE_KINDS and not data.get("site_name"):
            errors["site_name"] = [str(_l("Cơ sở (nhà trọ, ký túc xá, công ty) cần có tên."))]
        try:
            refuse_repeated_rooms(data.get("rooms"))
        except ValidationError as exc:
            errors.update(exc.messages)  # type: ignore[arg-type]
        errors.update(unknown_rooms(data.get("rooms"), data.get("residents") or [], "residents"))
        if errors:
            raise ValidationError(errors)


def unknown_rooms(rooms: list[str] | None, residents: list[Any], prefix: str) -> dict:
    """Errors for residents whose room is not one of the site's rooms (when it lists rooms)."""
    if not rooms:
        return {}
    known = {room_key(r) for r in rooms}
    return {
        f"{prefix}.{index}.room": [
            str(_l("Phòng %(room)s không có trong danh sách phòng của cơ sở.", room=spec["room"]))
        ]
        for index, spec in enumerate(residents)
        if isinstance(spec, dict) and spec.get("room") and room_key(spec["room"]) not in known
    }
