"""Reconciliation schemas: the upload form, the list with its counts, rows and decisions."""

from __future__ import annotations

from marshmallow import fields, validate

from app.reconcile.models import CLASSES, DECISIONS, SECTORS, STATUSES
from app.schemas import BaseSchema, OutSchema, PageArgs


def _d(text: str) -> dict:
    return {"metadata": {"description": text}}


class UploadForm(BaseSchema):
    """The multipart form's text fields."""

    class Meta:
        unknown = "exclude"  # the file travels in the same form

    sector = fields.String(
        required=True,
        validate=validate.OneOf(SECTORS),
        **_d("Whose list it is: " + ", ".join(SECTORS)),
    )
    unit = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        **_d("The commune code whose residents the list is matched against (in your scope)"),
    )


class UploadFile(BaseSchema):
    """The multipart form's file."""

    class Meta:
        unknown = "exclude"

    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "The list, XLSX or CSV"},
    )


class UploadDoc(UploadForm, UploadFile):
    """The upload as one multipart form (documentation: the route reads its text fields and
    its file apart)."""


# The upload's request body as OpenAPI 3 says one: a single multipart/form-data schema.
UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": UploadDoc}}}


class CountsOut(OutSchema):
    rows = fields.Integer(**_d("Rows received"))
    matched = fields.Integer(**_d("ID number and person agree"))
    wrong_id_number = fields.Integer(**_d("Person found, the number differs"))
    no_id_number = fields.Integer(**_d("Person found, no number in the row"))
    wrong_details = fields.Integer(**_d("Number right, name or date of birth differ"))
    ambiguous = fields.Integer(**_d("Several candidates"))
    not_found = fields.Integer(**_d("Nobody in the commune"))
    fixed = fields.Integer(**_d("Rows the commander confirmed (matched rows not counted)"))


class HamletCountsOut(OutSchema):
    code = fields.String(allow_none=True, **_d("Hamlet code; null for rows of no known hamlet"))
    name = fields.String()
    counts = fields.Nested(CountsOut)


class ReconciliationOut(OutSchema):
    id = fields.Integer()
    unit = fields.String(**_d("The commune's code"))
    sector = fields.String(**_d("One of " + ", ".join(SECTORS)))
    file_name = fields.String()
    status = fields.String(**_d("One of " + ", ".join(STATUSES)))
    progress = fields.Integer(**_d("Percent done, 0 to 100"))
    message = fields.String(allow_none=True, **_d("Why it failed, when status is failed"))
    counts = fields.Nested(CountsOut)
    hamlets = fields.List(fields.Nested(HamletCountsOut), **_d("The counts per hamlet"))
    created_at = fields.DateTime()


class RowsArgs(PageArgs):
    """`?class=&page=&per_page=`."""

    row_class = fields.String(
        data_key="class",
        validate=validate.OneOf(CLASSES),
        **_d("Only rows of this class: " + ", ".join(CLASSES)),
    )


class CandidateOut(OutSchema):
    resident_id = fields.Integer()
    score = fields.Integer(**_d("0 to 100: name similarity, date of birth, sex and hamlet"))
    full_name = fields.String(allow_none=True)
    birth = fields.String(allow_none=True, **_d("dd/mm/yyyy, or the year alone"))
    id_number = fields.String(allow_none=True, **_d("Masked to the last 4 digits"))
    hamlet = fields.String(allow_none=True)


class RowOut(OutSchema):
    row = fields.Integer(**_d("The row's number in the file (1-based, as a spreadsheet shows)"))
    row_class = fields.String(data_key="class", **_d("One of " + ", ".join(CLASSES)))
    full_name = fields.String(allow_none=True)
    birth = fields.String(allow_none=True, **_d("The date of birth as read, or the year"))
    id_number = fields.String(allow_none=True, **_d("The row's number, masked"))
    hamlet = fields.String(allow_none=True, **_d("The hamlet named in the row"))
    resident_id = fields.Integer(allow_none=True, **_d("The resident the row matched"))
    score = fields.Integer(allow_none=True)
    candidates = fields.List(fields.Nested(CandidateOut))
    differs = fields.List(
        fields.String(),
        **_d(
            "Fields that differ (full_name, date_of_birth, sex) or how the number differs "
            "(one_digit, swapped_digits, old_number, other_person, other)"
        ),
    )
    decision = fields.String(allow_none=True, **_d("One of " + ", ".join(DECISIONS)))
    followup_id = fields.Integer(allow_none=True)
    correction_id = fields.Integer(allow_none=True)


class RowListOut(OutSchema):
    items = fields.List(fields.Nested(RowOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class DecisionIn(BaseSchema):
    row = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    resident_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        **_d("Confirm the row as this resident of the commune"),
    )
    action = fields.String(
        validate=validate.OneOf(("follow_up", "correct_record")),
        **_d(
            "follow_up: a verify_documents follow-up for the hamlet's officer; "
            "correct_record (with resident_id): the sector is right, open corrections"
        ),
    )


class DecisionsIn(BaseSchema):
    decisions = fields.List(
        fields.Nested(DecisionIn), load_default=list, validate=validate.Length(max=5000)
    )
    min_score = fields.Integer(
        validate=validate.Range(min=0, max=100),
        **_d("Also confirm every undecided row whose best candidate scores at least this"),
    )


class DecisionsOut(OutSchema):
    decided = fields.Integer(**_d("Rows decided by this request"))
    counts = fields.Nested(CountsOut)
