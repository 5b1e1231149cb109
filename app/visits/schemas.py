"""Visit shapes for the API: the visit a phone sends, batches, answers, lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from app.clock import VIETNAM
from app.people.card_schemas import CardIn
from app.people.fields import Enum, Id, QueryId, StrictBoolean, StrictFloat
from app.people.models import CORRECTION_FIELDS, EID, ID_CARD, PRESENCE
from app.people.schemas import (
    GeoPointIn,
    OpenedCorrectionOut,
    ResidentIn,
    refuse_repeated_id_numbers,
    shown_id_number,
)
from app.people.site_schemas import ResidenceIn
from app.schemas import TIME_RANGE, BaseSchema, Inline, OutSchema, PageArgs
from app.text import masked_id_numbers
from app.visits.models import LOCATION_MISSING, OUTCOMES

MAX_BATCH = 500
# A phone that sends a time without an offset is in Vietnam: it means local time (UTC+7).
CLIENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$"


class VisitLocationIn(GeoPointIn):
    """The phone's GPS fix at the door; the accuracy is required."""

    accuracy_m = StrictFloat(required=True, validate=validate.Range(min=0, max=100_000))


class VisitCorrectionIn(BaseSchema):
    """A wrong, missing, duplicate or outdated field the officer saw."""

    field = Enum(CORRECTION_FIELDS, required=True)
    proposed = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class SeenResidentIn(ResidenceIn, CardIn):
    """What the officer saw of one listed resident, their residence status if it changed, and
    their card: a problem with it, the day it was issued, whether they can travel."""

    resident_id = Id(required=True)
    presence = Enum(PRESENCE, load_default=None, allow_none=True)
    id_card = Enum(ID_CARD, load_default=None, allow_none=True)
    eid = Enum(EID, load_default=None, allow_none=True)
    has_smartphone = StrictBoolean(load_default=None, allow_none=True)
    corrections = fields.List(
        fields.Nested(VisitCorrectionIn), load_default=list, validate=validate.Length(max=20)
    )


class NewResidentIn(ResidentIn):
    """A person living in the household who is not on its list."""

    corrections = fields.List(
        fields.Nested(VisitCorrectionIn), load_default=list, validate=validate.Length(max=20)
    )


class VisitIn(BaseSchema):
    """One visit, as API.md "A visit" writes it."""

    client_id = fields.String(
        required=True,
        validate=validate.Regexp(CLIENT_ID, error=_l("Mã client_id: 8–64 ký tự chữ, số, . _ : -")),
    )
    household_id = Id(metadata={"description": "the household visited (or household_client_id)"})
    household_client_id = fields.String(
        validate=validate.Regexp(CLIENT_ID, error=_l("Mã client_id: 8–64 ký tự chữ, số, . _ : -")),
        metadata={
            "description": "instead of household_id: the client_id of a household created "
            "from the phone (POST /api/v1/households), sent before this visit"
        },
    )
    visited_at = fields.AwareDateTime(required=True, default_timezone=VIETNAM)
    location = fields.Nested(VisitLocationIn, load_default=None, allow_none=True)
    location_missing_reason = Enum(LOCATION_MISSING, load_default=None, allow_none=True)
    outcome = Enum(OUTCOMES, required=True)
    residents = fields.List(
        fields.Nested(SeenResidentIn), load_default=list, validate=validate.Length(max=100)
    )
    new_residents = fields.List(
        fields.Nested(NewResidentIn), load_default=list, validate=validate.Length(max=30)
    )
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=2000))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def whole(self, data: dict, original: Any, **_kw: Any) -> None:
        """Check what one field cannot: location or a reason, residents named once, times."""
        if not isinstance(original, dict):
            return
        errors: dict[str, list[str]] = {}
        named = [original.get(k) is not None for k in ("household_id", "household_client_id")]
        if all(named):
            errors["household_client_id"] = [
                str(_l("Chỉ gửi một trong household_id và household_client_id."))
            ]
        elif not any(named):
            errors["household_id"] = [str(_l("Cần household_id hoặc household_client_id."))]
        if data.get("location") is None and data.get("location_missing_reason") is None:
            errors["location"] = [str(_l("Cần vị trí, hoặc lý do không có vị trí."))]
        if data.get("location") is not None and data.get("location_missing_reason") is not None:
            errors["location_missing_reason"] = [str(_l("Chỉ dùng khi không có vị trí."))]
        seen: set[int] = set()
        for index, resident in enumerate(data.get("residents") or []):
            resident_id = resident.get("resident_id") if isinstance(resident, dict) else None
            if resident_id is not None and resident_id in seen:
                errors[f"residents.{index}.resident_id"] = [str(_l("Người này đã có ở trên."))]
            seen.add(resident_id)
        try:
            refuse_repeated_id_numbers(data.get("new_residents") or [], "new_residents")
        except ValidationError as exc:
            errors.update(exc.messages)  # type: ignore[arg-type]
        if isinstance(data.get("visited_at"), datetime):
            problem = visited_at_problem(data["visited_at"])
            if problem:
                errors["visited_at"] = [problem]
        if errors:
            raise ValidationError(errors)


def visited_at_problem(when: datetime, now: datetime | None = None) -> str | None:
    """Refuse a visit time more than 10 minutes ahead or more than 30 days ago."""
    now = now or datetime.now(UTC)
    try:
        when = when.astimezone(UTC)
    except (OverflowError, ValueError):
        return str(_l("Thời gian không hợp lệ."))
    if when > now + timedelta(minutes=10):
        return str(_l("Thời điểm thăm ở tương lai (kiểm tra giờ trên điện thoại)."))
    if when < now - timedelta(days=30):
        return str(_l("Thời điểm thăm cũ hơn 30 ngày, không nhận."))
    return None


class VisitRawBody(Schema):
    """Any JSON, kept as sent: the service validates it so a refused body is not lost."""

    class Meta:
        unknown = EXCLUDE

    body = fields.Raw(allow_none=True)

    @pre_load
    def wrap(self, data: Any, **_kw: Any) -> dict:
        """Hold the whole document under `body`."""
        return {"body": data}


class VisitBatchIn(BaseSchema):
    visits = fields.List(
        fields.Raw(allow_none=True), required=True, validate=validate.Length(min=1, max=MAX_BATCH)
    )


class VisitArgs(PageArgs):
    household = QueryId(load_default=None)
    since = fields.AwareDateTime(load_default=None, default_timezone=VIETNAM, validate=TIME_RANGE)
    flagged = fields.Boolean(load_default=None)
    officer = QueryId(load_default=None)


class RejectedVisitArgs(PageArgs):
    resolved = fields.Boolean(load_default=None)


# --- answers ---------------------------------------------------------------------------


class VisitGeotagOut(OutSchema):
    distance_m = fields.Float(allow_none=True)
    hamlet_code = fields.String(allow_none=True)
    flags = fields.List(fields.String())


class VisitFollowupOut(OutSchema):
    id = fields.Integer()
    kind = fields.String()
    due_date = fields.Date()
    assignee_id = fields.Integer(allow_none=True)
    status = fields.String()


class VisitFollowupsOut(OutSchema):
    created = fields.List(fields.Nested(VisitFollowupOut))
    closed = fields.List(fields.Nested(VisitFollowupOut))


class VisitNewResidentOut(OutSchema):
    id = fields.Integer()
    full_name = fields.String()


class VisitResultOut(OutSchema):
    """The answer to one submitted visit."""

    status = fields.String(metadata={"description": "created, duplicate or rejected"})
    id = fields.Integer(allow_none=True)
    client_id = fields.String(allow_none=True)
    code = fields.Integer()
    received_at = fields.DateTime()
    geotag = fields.Nested(VisitGeotagOut)
    flagged = fields.Boolean()
    followups = fields.Nested(VisitFollowupsOut)
    corrections = fields.List(fields.Nested(OpenedCorrectionOut))
    new_residents = fields.List(fields.Nested(VisitNewResidentOut))
    household_id = fields.Integer(
        metadata={"description": "the household visited (resolved from household_client_id)"}
    )
    message = fields.String()
    errors = fields.Dict()
    rejected_id = fields.Integer()
    retry = fields.Boolean(
        metadata={"description": "true: a passing clash; send the same item again later"}
    )


class VisitRejectedOut(OutSchema):
    """A refused visit: the error, and the kept copy's id (GET /api/v1/visits/rejected)."""

    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict()
    client_id = fields.String(allow_none=True)
    rejected_id = fields.Integer()
    retry = fields.Boolean()


class VisitBatchOut(OutSchema):
    results = fields.List(fields.Nested(VisitResultOut))


class VisitLocationOut(OutSchema):
    lat = fields.Float()
    lon = fields.Float()
    accuracy_m = fields.Float(allow_none=True)


class VisitSeenOut(OutSchema):
    resident_id = fields.Integer()
    presence = fields.String(allow_none=True)
    id_card = fields.String(allow_none=True)
    eid = fields.String(allow_none=True)
    has_smartphone = fields.Boolean(allow_none=True)
    is_new = fields.Boolean()


class VisitOut(OutSchema):
    """A visit; `geotag` comes from its service (`Shown`)."""

    id = fields.Integer()
    client_id = fields.String()
    household_id = fields.Integer()
    officer_id = fields.Integer()
    visited_at = fields.DateTime()
    received_at = fields.DateTime()
    outcome = fields.String()
    location = Inline(VisitLocationOut, present="lat")
    location_missing_reason = fields.String(allow_none=True)
    geotag = fields.Nested(VisitGeotagOut)
    flagged = fields.Boolean()
    note = fields.String()
    residents = fields.List(fields.Nested(VisitSeenOut))


def _masked(value: Any) -> Any:
    """A submitted ID number as answers show it; anything else (malformed input) as it came."""
    return shown_id_number(value) if isinstance(value, str) else value


def masked_body(rejected: Any) -> Any:
    """A refused submission's body with its ID numbers masked: the new people's and the
    numbers proposed by corrections (of residents seen and of new people), however written,
    then any 12-digit number left anywhere in it (a note, a field the phone misnamed)."""
    body = rejected.body
    if not isinstance(body, dict):
        return masked_id_numbers(body)
    body = dict(body)
    people = body.get("new_residents")
    if isinstance(people, list):
        body["new_residents"] = [
            _masked_corrections(
                {**p, "id_number": _masked(p["id_number"])}
                if isinstance(p, dict) and "id_number" in p
                else p
            )
            for p in people
        ]
    residents = body.get("residents")
    if isinstance(residents, list):
        body["residents"] = [_masked_corrections(r) for r in residents]
    return masked_id_numbers(body)


def _masked_corrections(resident: Any) -> Any:
    corrections = resident.get("corrections") if isinstance(resident, dict) else None
    if not isinstance(corrections, list):
        return resident
    return {
        **resident,
        "corrections": [
            {**c, "proposed": _masked(c.get("proposed"))}
            if isinstance(c, dict) and c.get("field") == "id_number"
            else c
            for c in corrections
        ],
    }


class RejectedVisitOut(OutSchema):
    id = fields.Integer()
    client_id = fields.String(allow_none=True)
    user_id = fields.Integer()
    household_id = fields.Integer(allow_none=True)
    visited_at = fields.DateTime(allow_none=True)
    # The refused body as it came (any JSON value: an officer's phone may send anything), with
    # ID numbers masked where it has the shape of a visit.
    body = fields.Function(
        masked_body, allow_none=True, metadata={"description": "the refused body, any JSON"}
    )
    errors = fields.Dict()
    message = fields.String()
    received_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by_visit_id = fields.Integer(allow_none=True)
