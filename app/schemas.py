"""Schema base classes shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from app.text import has_control_chars

CONTROL_MESSAGE = _l("Không được chứa ký tự điều khiển.")
# Times a filter may name: outside these years is a typo, and at the edges (year 1, 9999)
# a time zone shift would overflow.
TIME_RANGE = validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC),
    max=datetime(2100, 1, 1, tzinfo=UTC),
    error=_l("Thời điểm phải trong khoảng năm 2000 đến 2100."),
)


class BaseSchema(Schema):
    """Input schema: unknown fields refused, control characters in text refused."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def refuse_control_characters(self, data: Any, **_kwargs: Any) -> Any:
        """Refuse any string (at this level) that carries control characters."""
        if not isinstance(data, dict):
            return data
        errors: dict[str, list[str]] = {}
        for key, value in data.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and has_control_chars(v) for v in values):
                errors[str(key)] = [str(CONTROL_MESSAGE)]
        if errors:
            raise ValidationError(errors)
        return data


class OutSchema(Schema):
    """Output schema."""

    class Meta:
        unknown = EXCLUDE
        ordered = True


class PageArgs(BaseSchema):
    """`?page=` and `?per_page=` (max 200)."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_of(query_result: list, total: int, page: int, per_page: int) -> dict[str, Any]:
    """Wrap one page of items with the list's totals."""
    return {"items": query_result, "total": total, "page": page, "per_page": per_page}


def Text(
    *, max_len: int, required: bool = False, allow_none: bool = False, **kw: Any
) -> fields.String:
    """A string field with a length limit."""
    return fields.String(
        required=required,
        allow_none=allow_none,
        validate=validate.Length(max=max_len),
        **kw,
    )
