"""People shapes for the API: households, residents, corrections."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_dump, validate, validates_schema
from marshmallow.experimental.context import Context
from marshmallow.utils import get_value

from app.people.card_schemas import (
    CARD_ISSUE_DOC,
    ISSUED_ON_DOC,
    RENEWAL_DOC,
    UNABLE_DOC,
    CardIn,
)
from app.people.fields import (
    DateOfBirth,
    Enum,
    IdNumber,
    Name,
    Phone,
    QueryId,
    StrictBoolean,
    StrictFloat,
)
from app.people.idnumber import mask_id_number
from app.people.models import (
    CORRECTION_FIELDS,
    CORRECTION_SOURCES,
    CORRECTION_STATUS,
    EID,
    HOUSEHOLD_KINDS,
    ID_CARD,
    PRESENCE,
    RELATIONSHIPS,
    SEX,
)
from app.people.schedule_schemas import ScheduledVisitOut
from app.people.site_schemas import ResidenceIn, SiteIn
from app.schemas import BaseSchema, Inline, OutSchema, PageArgs, viewer
from app.units.extent import in_vietnam

MAX_RESIDENTS_PER_HOUSEHOLD = 50
# Who asks to see a full ID number: "phone:visit-form", "web:resident-page".
CLIENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9:._/-]{0,63}$"
CLIENT_DOC = {"description": "the screen or client that asks, e.g. phone:visit-form"}
STRING = {"type": "string", "nullable": True}


class GeoPointIn(BaseSchema):
    """A GPS fix: latitude, longitude (degrees, WGS 84), accuracy in metres."""

    lat = StrictFloat(required=True, validate=validate.Range(min=-90, max=90))
    lon = StrictFloat(required=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = StrictFloat(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000)
    )

    @validates_schema
    def inside_vietnam(self, data: dict, **_kw: Any) -> None:
        """Refuse a point far outside Vietnam (swapped lat/lon, 0,0, another country)."""
        if not in_vietnam(data["lat"], data["lon"]):
            raise ValidationError(
                str(_l("Vị trí nằm ngoài Việt Nam (kiểm tra vĩ độ, kinh độ).")), "lat"
            )


class ResidentIn(ResidenceIn, CardIn):
    """A resident found in the field (a new household, or new in a known one), with their
    residence status and room, and their card where known."""

    full_name = Name(required=True)
    date_of_birth = DateOfBirth(load_default=None, allow_none=True)
    sex = Enum(SEX, load_default=None, allow_none=True)
    id_number = IdNumber(load_default=None, allow_none=True)
    birthplace = Name(load_default=None, allow_none=True)
    ethnicity = Name(max_len=64, load_default=None, allow_none=True)
    relationship = Enum(RELATIONSHIPS, load_default=None, allow_none=True)
    presence = Enum(PRESENCE, load_default="present")
    id_card = Enum(ID_CARD, load_default="not_collected")
    eid = Enum(EID, load_default="none")
    phone = Phone(load_default=None, allow_none=True, validate=validate.Length(max=20))
    has_smartphone = StrictBoolean(load_default=None, allow_none=True)


def refuse_repeated_id_numbers(residents: list[dict], prefix: str) -> None:
    """Refuse two residents of one body with the same ID number, naming the second."""
    seen: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for index, resident in enumerate(residents):
        number = resident.get("id_number") if isinstance(resident, dict) else None
        if number and number in seen:
            errors[f"{prefix}.{index}.id_number"] = [
                str(_l("Trùng số định danh với người thứ %(n)s.", n=seen[number] + 1))
            ]
        elif number:
            seen[number] = index
    if errors:
        raise ValidationError(errors)


class HouseholdIn(SiteIn):
    """A household or site found in the field; with `client_id` the create is idempotent."""

    hamlet_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    address = Name(max_len=300, required=True)
    location = fields.Nested(GeoPointIn, load_default=None, allow_none=True)
    residents = fields.List(
        fields.Nested(ResidentIn),
        required=True,
        validate=validate.Length(min=1, max=MAX_RESIDENTS_PER_HOUSEHOLD),
    )

    @validates_schema
    def distinct_id_numbers(self, data: dict, **_kw: Any) -> None:
        """Refuse the same ID number twice in one household."""
        refuse_repeated_id_numbers(data.get("residents") or [], "residents")


class HouseholdArgs(PageArgs):
    hamlet = fields.String(load_default=None, validate=validate.Length(max=32))
    kind = Enum(HOUSEHOLD_KINDS, load_default=None, metadata={"description": "household kind"})
    q = fields.String(load_default=None, validate=validate.Length(max=100))


class ResidentPatch(ResidenceIn, CardIn):
    """Fields of a resident an officer may change; all optional."""

    full_name = Name()
    date_of_birth = DateOfBirth(allow_none=True)
    sex = Enum(SEX, allow_none=True)
    id_number = IdNumber(allow_none=True)
    birthplace = Name(allow_none=True)
    ethnicity = Name(max_len=64, allow_none=True)
    relationship = Enum(RELATIONSHIPS, allow_none=True)
    presence = Enum(PRESENCE)
    id_card = Enum(ID_CARD)
    eid = Enum(EID)
    phone = Phone(allow_none=True, validate=validate.Length(max=20))
    has_smartphone = StrictBoolean(allow_none=True)
    unable_to_travel = StrictBoolean(metadata={"description": UNABLE_DOC})
    away_until = fields.Date(allow_none=True)

    @validates_schema
    def not_empty(self, data: dict, **_kw: Any) -> None:
        """Refuse a change that changes nothing."""
        if not data:
            raise ValidationError(str(_l("Không có trường nào để sửa.")))


class ResidentIfMatch(BaseSchema):
    class Meta:
        unknown = "exclude"

    if_match = fields.String(data_key="If-Match", load_default=None)


class CorrectionArgs(PageArgs):
    status = Enum(CORRECTION_STATUS, load_default=None)
    unit = fields.String(load_default=None, validate=validate.Length(max=32))
    resident = QueryId(load_default=None)
    household = QueryId(load_default=None)
    field = Enum(CORRECTION_FIELDS, load_default=None)
    source = Enum(
        CORRECTION_SOURCES,
        load_default=None,
        metadata={"description": "`officer`, `server` or `card_scan` (read from the ID card's QR)"},
    )
    hamlet = fields.String(
        load_default=None, validate=validate.Length(max=32), metadata={"description": "hamlet code"}
    )
    found_by = QueryId(load_default=None, metadata={"description": "id of the user who found it"})


class CorrectionPatch(BaseSchema):
    """A decision on a correction: `fixed` needs `fixed_on` (the day it was fixed in the
    national population data: not in the future, not before it was found); `dismissed` needs
    a `reason`."""

    status = Enum(("verified", "fixed", "dismissed"), required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    proposed = fields.String(validate=validate.Length(min=1, max=300))
    fixed_on = fields.Date(load_default=None, allow_none=True)


class RevealArgs(BaseSchema):
    """`?reveal=id_number` asks for full ID numbers; `client` names the screen that asks."""

    class Meta:
        unknown = "exclude"

    reveal = Enum(("id_number",), load_default=None)
    client = fields.String(
        load_default=None, validate=validate.Regexp(CLIENT_PATTERN), metadata=CLIENT_DOC
    )


class ClientHeader(BaseSchema):
    """`X-Client: phone:visit-form`, the same as the `client` query argument."""

    class Meta:
        unknown = "exclude"

    client = fields.String(
        data_key="X-Client",
        load_default=None,
        validate=validate.Regexp(CLIENT_PATTERN),
        metadata=CLIENT_DOC,
    )


# --- answers ---------------------------------------------------------------------------
# Village heads see residents' names and nothing personal beyond them; officers and up see ID
# numbers masked to the last 4 digits everywhere, in full only in an answer that asked for
# them with `?reveal=id_number` (see app/people/reveal.py, which audits it and calls
# `reveal_id_numbers`).


def reveal_id_numbers() -> None:
    """Let the answer being shaped (`app.schemas.shaped_for`) show ID numbers in full."""
    Context.get()["reveal_id_numbers"] = True


def shown_id_number(number: str | None) -> str | None:
    """An ID number as the answer being shaped shows it: masked unless revealed."""
    if not number or Context.get(default={}).get("reveal_id_numbers"):
        return number
    return mask_id_number(number)


def _shown_value(name: str) -> Any:
    """A correction or history value, masked when its field is the ID number."""

    def shown(obj: Any) -> str | None:
        value = get_value(obj, name)
        return shown_id_number(value) if get_value(obj, "field") == "id_number" else value

    return shown


NAMES_ONLY_RESIDENT = ("id", "household_id", "full_name")
NAMES_ONLY_HOUSEHOLD = ("id", "code", "address", "hamlet_code", "residents")


def names_only(user: Any = None) -> bool:
    """Tell whether a user (by default the answer's viewer) may see names only: a village head."""
    user = user if user is not None else viewer()
    return user is None or user.role == "village_head"


class HouseholdLocationOut(OutSchema):
    lat = fields.Float()
    lon = fields.Float()
    source = fields.String(allow_none=True, attribute="location_source")


class ResidentOut(OutSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    full_name = fields.String()
    date_of_birth = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    id_number = fields.Method("get_id_number", allow_none=True, metadata={"type": "string"})
    birthplace = fields.String(allow_none=True)
    ethnicity = fields.String(allow_none=True)
    relationship = fields.String(allow_none=True, attribute="relationship_to_head")
    presence = fields.String()
    id_card = fields.String()
    eid = fields.String()
    phone = fields.String(allow_none=True)
    has_smartphone = fields.Boolean(allow_none=True)
    unable_to_travel = fields.Boolean(metadata={"description": UNABLE_DOC})
    pending = fields.Boolean()
    away_until = fields.Date(allow_none=True)
    residence = fields.String()
    home_address = fields.String(allow_none=True)
    home_province_code = fields.String(allow_none=True)
    residence_until = fields.Date(allow_none=True)
    room = fields.String(allow_none=True)
    card_issue = fields.String(allow_none=True, metadata={"description": CARD_ISSUE_DOC})
    card_issued_on = fields.Date(allow_none=True, metadata={"description": ISSUED_ON_DOC})
    card_renewal_due = fields.Date(allow_none=True, metadata={"description": RENEWAL_DOC})
    version = fields.Integer()

    def get_id_number(self, resident: Any) -> str | None:
        return shown_id_number(resident.id_number)

    @post_dump
    def for_viewer(self, data: dict, **_kw: Any) -> dict:
        """Keep names only for a village head."""
        if names_only():
            return {k: v for k, v in data.items() if k in NAMES_ONLY_RESIDENT}
        return data


class ResidentHistoryOut(OutSchema):
    field = fields.String()
    old = fields.Function(_shown_value("old_value"), allow_none=True, metadata=STRING)
    new = fields.Function(_shown_value("new_value"), allow_none=True, metadata=STRING)
    at = fields.DateTime()
    visit_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)


class CorrectionOut(OutSchema):
    """A correction; `resident_name` and `hamlet_code` come from its service (`Shown`)."""

    id = fields.Integer()
    household_id = fields.Integer()
    resident_id = fields.Integer(allow_none=True)
    resident_name = fields.String(allow_none=True)
    related_resident_id = fields.Integer(allow_none=True)
    hamlet_code = fields.String(allow_none=True)
    field = fields.String()
    problem = fields.String()
    current = fields.Function(_shown_value("current_value"), allow_none=True, metadata=STRING)
    proposed = fields.Function(_shown_value("proposed_value"), allow_none=True, metadata=STRING)
    note = fields.String(allow_none=True)
    source = fields.String()
    rule = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True, attribute="resolution_reason")
    visit_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    details = fields.Dict(allow_none=True)
    version = fields.Integer()
    fixed_on = fields.Date(allow_none=True)
    found_by = fields.Integer(allow_none=True, attribute="created_by_id")
    resolved_by = fields.Integer(allow_none=True, attribute="resolved_by_id")


class OpenedCorrectionOut(OutSchema):
    """A correction a change opened (a visit, a resident's edit), as its answer lists it."""

    id = fields.Integer()
    resident_id = fields.Integer(allow_none=True)
    field = fields.String()
    current = fields.Function(_shown_value("current"), allow_none=True, metadata=STRING)
    proposed = fields.Function(_shown_value("proposed"), allow_none=True, metadata=STRING)
    source = fields.String()
    rule = fields.String(allow_none=True)


class ResidentHouseholdOut(OutSchema):
    id = fields.Integer()
    code = fields.String(allow_none=True)
    address = fields.String()
    hamlet_code = fields.String(allow_none=True)


class ResidentDetailOut(ResidentOut):
    household = fields.Nested(ResidentHouseholdOut)
    history = fields.List(fields.Nested(ResidentHistoryOut))
    corrections = fields.List(fields.Nested(CorrectionOut))
    opened = fields.List(fields.Nested(OpenedCorrectionOut))


class HouseholdWarningOut(OutSchema):
    """A similar household already on file; the create went ahead, a correction is open."""

    code = fields.String(metadata={"description": "similar_household"})
    rule = fields.String(metadata={"description": "same_address or probable_duplicate"})
    household_id = fields.Integer()
    household_code = fields.String(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    correction_id = fields.Integer(allow_none=True)
    message = fields.String()


class HouseholdOut(OutSchema):
    """A household; `hamlet_code` (and `corrections`, where shown) come from its service."""

    id = fields.Integer()
    code = fields.String(allow_none=True)
    address = fields.String()
    hamlet_code = fields.String(allow_none=True)
    location = Inline(HouseholdLocationOut, present="lat")
    source = fields.String()
    kind = fields.String()
    site_name = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    rooms = fields.List(fields.String(), allow_none=True)
    client_id = fields.String(allow_none=True)
    last_visit_at = fields.DateTime(allow_none=True)
    residents = fields.List(fields.Nested(ResidentOut))
    corrections = fields.List(fields.Nested(CorrectionOut))
    warnings = fields.List(
        fields.Nested(HouseholdWarningOut),
        metadata={"description": "on a create: similar households already on file"},
    )
    scheduled_visit = fields.Nested(
        ScheduledVisitOut,
        allow_none=True,
        metadata={"description": "the day and time window of its hamlet's visit plan, or null"},
    )

    @post_dump
    def for_viewer(self, data: dict, **_kw: Any) -> dict:
        """Keep names only for a village head."""
        if names_only():
            return {k: v for k, v in data.items() if k in NAMES_ONLY_HOUSEHOLD}
        return data
