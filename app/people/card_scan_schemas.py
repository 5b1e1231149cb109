"""Input and answer of `POST /api/v1/residents/<id>/card-scan` (reading an ID card's QR)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from app.people.cardqr import QR_PARTS
from app.people.schemas import OpenedCorrectionOut
from app.people.site_schemas import CLIENT_ID
from app.schemas import BaseSchema, OutSchema

QR_MAX_CHARS = 2000
SCAN_FIELDS = ("id_number", "full_name", "date_of_birth", "sex", "card_issued_on")


class CardScanIn(BaseSchema):
    """The raw text a scanner read from the card's QR code, under the phone's `client_id`."""

    client_id = fields.String(
        required=True,
        validate=validate.Regexp(CLIENT_ID, error=_l("Mã client_id: 8–64 ký tự chữ, số, . _ : -")),
        metadata={"description": "made by the phone: the same client_id and body again answer "
                  "the first answer; another body under it answers 409"},
    )  # fmt: skip
    qr = fields.String(
        required=True,
        validate=validate.Length(min=1, max=QR_MAX_CHARS),
        metadata={
            "description": "the QR code's text as read: `number|old number|full name|ddmmyyyy|"
            "Nam or Nữ|permanent address|ddmmyyyy issue date` (empty old number, a missing "
            "old-number slot and extra trailing fields are accepted)"
        },
    )


class CardFieldsOut(OutSchema):
    """What the card says; ID numbers masked to their last 4 digits (an old 9-digit number
    shows as stars)."""

    id_number = fields.String(metadata={"description": "12 digits, masked"})
    old_id_number = fields.String(
        allow_none=True, metadata={"description": "the old 9-digit number, masked, or null"}
    )
    full_name = fields.String(metadata={"description": "composed (NFC), each word capitalised"})
    date_of_birth = fields.String(metadata={"description": "YYYY-MM-DD"})
    sex = fields.String(metadata={"description": "`male` or `female`"})
    address = fields.String(allow_none=True, metadata={"description": "permanent address"})
    card_issued_on = fields.String(
        allow_none=True, metadata={"description": "YYYY-MM-DD, or null when the code has none"}
    )


class CardDifferenceOut(OutSchema):
    """One field where the card and the record disagree (or the record had nothing)."""

    field = fields.String(metadata={"description": "one of " + ", ".join(SCAN_FIELDS)})
    on_file = fields.String(
        allow_none=True, metadata={"description": "the record's value (ID numbers masked)"}
    )
    on_card = fields.String(
        allow_none=True, metadata={"description": "the card's value (ID numbers masked)"}
    )
    outcome = fields.String(
        metadata={
            "description": "`correction` (a correction was opened or is already open), "
            "`filled` (the record had nothing: the card's value was written, with history), "
            "`updated` (a later card issue date), `duplicate` (the number belongs to another "
            "resident: a `duplicate_record` correction)",
            "enum": ["correction", "filled", "updated", "duplicate"],
        }
    )


class CardScanOut(OutSchema):
    """The card's fields, where they differ from the record, and the corrections opened."""

    id = fields.Integer(metadata={"description": "the scan's id"})
    resident_id = fields.Integer()
    fields_ = fields.Nested(CardFieldsOut, data_key="fields", attribute="fields")
    differences = fields.List(fields.Nested(CardDifferenceOut))
    corrections = fields.List(
        fields.Nested(OpenedCorrectionOut),
        metadata={"description": "the corrections this reading opened (the first time)"},
    )


class CardScanRefusedOut(OutSchema):
    """A text that is not an ID card's QR code (or a body that does not validate): the
    reason, and the part of the text that is wrong."""

    code = fields.Integer()
    status = fields.String()
    message = fields.String(metadata={"description": "the reason, in the request's language"})
    errors = fields.Dict(metadata={"description": "`qr`: the reason; or the body's fields"})
    part = fields.String(
        metadata={
            "description": "the part of the text that is wrong: `qr` (the text as a whole) or "
            "the field read from it; absent when the body itself did not validate",
            "enum": list(QR_PARTS),
        }
    )
