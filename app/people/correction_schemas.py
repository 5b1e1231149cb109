"""Inputs and answers of the corrections review beyond the single PATCH (schemas.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from app.people.fields import Enum, Id
from app.people.schemas import CorrectionOut
from app.schemas import BaseSchema, OutSchema


class CorrectionReviewIn(BaseSchema):
    """One decision for many corrections; `versions[i]` is the version of `ids[i]` the
    reviewer saw."""

    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200))
    versions = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=10**9)),
        required=True,
        validate=validate.Length(min=1, max=200),
    )
    status = Enum(("verified", "fixed", "dismissed"), required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    fixed_on = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def same_lengths(self, data: dict, **_kw: Any) -> None:
        """One version per id, no id twice."""
        ids, versions = data.get("ids") or [], data.get("versions") or []
        if len(ids) != len(versions):
            raise ValidationError(str(_l("Cần đúng một phiên bản cho mỗi mã.")), "versions")
        if len(set(ids)) != len(ids):
            raise ValidationError(str(_l("Có mã bị lặp lại.")), "ids")


class CorrectionReviewResultOut(OutSchema):
    """What became of one id: `ok` with the record, `conflict` (an old version, or already
    resolved) with the current record, `error` (not found, refused, invalid) with errors."""

    id = fields.Integer()
    result = fields.String(metadata={"enum": ["ok", "conflict", "error"]})
    code = fields.Integer()
    message = fields.String()
    errors = fields.Dict()
    correction = fields.Nested(CorrectionOut, allow_none=True)


class CorrectionReviewOut(OutSchema):
    results = fields.List(fields.Nested(CorrectionReviewResultOut))
