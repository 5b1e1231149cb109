"""Strict input fields shared by the people and visits schemas.

JSON from phones is taken as typed: a number must be a JSON number, a boolean a JSON boolean;
marshmallow's defaults would quietly accept "12.5", "yes" or 1.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from app.clock import today_in_vietnam
from app.people.idnumber import InvalidIdNumber, parse_id_number

# Database integer keys are 32-bit on PostgreSQL; a larger id cannot exist.
MAX_ID = 2**31 - 1
OLDEST_BIRTH_YEAR = 1880
_YEAR = re.compile(r"^\d{4}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^\+?\d{8,15}$")


class StrictFloat(fields.Float):
    """A JSON number (never a string or boolean), finite."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON boolean: true or false, nothing else."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Id(**kwargs: Any) -> fields.Integer:
    """A strict positive integer key."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def QueryId(**kwargs: Any) -> fields.Integer:
    """A positive integer key in a query string (text like `812`)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Enum(values: tuple[str, ...], **kwargs: Any) -> fields.String:
    """A string that must be one of the machine values."""
    return fields.String(validate=validate.OneOf(values), **kwargs)


class Born(NamedTuple):
    """A date of birth: the full date when known, the year always."""

    date: date | None
    year: int

    @property
    def text(self) -> str:
        """The API form: `1987-03-02` or `1987`."""
        return self.date.isoformat() if self.date else str(self.year)


class DateOfBirth(fields.String):
    """A full date (`1987-03-02`) or a year alone (`1987`); loads as a Born."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Born:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        return parse_date_of_birth(text)


def parse_date_of_birth(text: str) -> Born:
    """Parse a date of birth written as `YYYY-MM-DD` or `YYYY`; raise ValidationError."""
    born: date | None = None
    if _YEAR.match(text):
        year = int(text)
    else:
        try:
            if len(text) != 10:
                raise ValueError(text)
            born = date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(
                str(_l("Ngày sinh phải là YYYY-MM-DD hoặc chỉ năm YYYY."))
            ) from exc
        year = born.year
    now = today_in_vietnam()
    if year < OLDEST_BIRTH_YEAR or year > now.year or (born is not None and born > now):
        raise ValidationError(str(_l("Ngày sinh không hợp lý.")))
    return Born(born, year)


class IdNumber(fields.String):
    """A 12-digit personal ID number; spaces, dots and dashes inside are dropped."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            number = parse_id_number(text).number
        except InvalidIdNumber as exc:
            raise ValidationError(str(_l("Số định danh phải gồm đúng 12 chữ số."))) from exc
        return number


class Phone(fields.String):
    """A phone number: digits with an optional leading +, separators dropped."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = _PHONE_SEPARATORS.sub("", super()._deserialize(value, attr, data, **kwargs))
        if not _PHONE.match(text) or not text.isascii():
            raise ValidationError(str(_l("Số điện thoại không hợp lệ.")))
        return text


class Name(fields.String):
    """A person's or place's name: one line, single spaces, not empty."""

    def __init__(self, *, max_len: int = 200, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(min=1, max=max_len), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return " ".join(super()._deserialize(value, attr, data, **kwargs).split())
