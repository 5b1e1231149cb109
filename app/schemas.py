"""Schema base classes shared by every domain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate
from marshmallow.experimental.context import Context

from app.text import has_control_chars

CONTROL_MESSAGE = _l("Không được chứa ký tự điều khiển.")
# Times a filter may name: outside these years is a typo, and at the edges (year 1, 9999)
# a time zone shift would overflow.
TIME_RANGE = validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC),
    max=datetime(2100, 1, 1, tzinfo=UTC),
    error=_l("Thời điểm phải trong khoảng năm 2000 đến 2100."),
)
# Days a plan may name (a campaign, a capture session): a year outside is a typo (0026).
DAY_RANGE = validate.Range(
    min=date(2000, 1, 1),
    max=date(2100, 12, 31),
    error=_l("Ngày phải trong khoảng năm 2000 đến 2100."),
)


def control_character_errors(items: list[tuple[Any, Any]]) -> dict[str, list[str]]:
    """The keys whose value (a string, or a list of them) holds a control character, each
    with the message that refuses it."""
    errors: dict[str, list[str]] = {}
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and has_control_chars(v) for v in values):
            errors[str(key)] = [str(CONTROL_MESSAGE)]
    return errors


class BaseSchema(Schema):
    """Input schema: unknown fields refused, control characters in text refused."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def refuse_control_characters(self, data: Any, **_kwargs: Any) -> Any:
        """Refuse any string (at this level) that carries control characters: of a JSON body
        (a dict, every key), or of the schema's own keys of a query string, form or headers
        (webargs gives a mapping of all of them: a header the app never reads, a User-Agent
        in UTF-8 read as Latin-1, must not refuse the request)."""
        if isinstance(data, dict):
            items = list(data.items())
        elif isinstance(data, Mapping):
            keys = {field.data_key or name for name, field in self.load_fields.items()}
            items = [(key, data.get(key)) for key in sorted(keys)]
        else:
            return data
        errors = control_character_errors(items)
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


_ENVELOPES: dict[tuple, type[Schema]] = {}


def paged(item: type[Schema], *, pages: bool = True, **extra: fields.Field) -> type[Schema]:
    """Return (built once) the list answer of an item schema: `{items, total, page, per_page}`.

    `pages=False` leaves out `page` and `per_page` (a list answered whole); `extra` adds fields.
    """
    key = (item, pages, tuple(sorted(extra)))
    if key not in _ENVELOPES:
        body: dict[str, Any] = {
            **extra,
            "items": fields.List(fields.Nested(item)),
            "total": fields.Integer(),
        }
        if pages:
            body |= {"page": fields.Integer(), "per_page": fields.Integer()}
        name = item.__name__.removesuffix("Out") + "ListOut"
        _ENVELOPES[key] = type(name, (OutSchema,), body)
    return _ENVELOPES[key]


class Shown:
    """A model object with the values its answer shows beside its own columns.

    Services look up what a row alone does not hold (a hamlet's code, a name from another
    table) in one query per page and hand the schema `Shown(row, hamlet_code=...)`.
    """

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


class Inline(fields.Nested):
    """A nested object drawn from the parent's own columns; null while `present` is null."""

    def __init__(self, nested: Any, *, present: str | None = None, **kwargs: Any) -> None:
        super().__init__(nested, allow_none=present is not None, **kwargs)
        self.present = present

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        if self.present is not None and getattr(obj, self.present) is None:
            return None
        return obj


def shaped_for(user: Any) -> Context:
    """Context in which answers are dumped for one user (`viewer()` inside schemas)."""
    return Context({"user": user})


def viewer() -> Any:
    """Return the user the answer being dumped is for, or None outside `shaped_for`."""
    return Context.get(default={}).get("user")


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
