"""Vietnamese error messages for every marshmallow field, validator and schema, by default.

marshmallow builds a field's messages from its class's `default_error_messages` when the field
is made, and a validator formats its class's `message_*` / `default_message` when it fails.
`install()` sets them all when this module is imported, which app/__init__.py does first,
before any schema exists, so every schema of every domain (and flask-smorest's own) answers in
Vietnamese without naming a message; a field or validator given its own `error=` keeps it.

A message is a `Message`: a `str` (marshmallow checks for one) whose text is the Vietnamese
msgid with its values, and which keeps the msgid and the values. marshmallow fills the values
in with `str.format` (`{min}`), so `Message.format` keeps them as gettext values (`%(min)s`)
instead; `app.errors.flatten_errors` asks each for `translated()` when the answer is written,
so `Accept-Language: en` gets the English of the Babel catalogue (app/translations/en/).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import Schema, fields, validate


class _Keep(dict):
    """Values for `%` that leave a placeholder not known yet as it is."""

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


class Message(str):
    """A Vietnamese validation message that can be given in the request's language."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        self = super().__new__(cls, msgid % _Keep(params) if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def __getnewargs_ex__(self) -> tuple[tuple, dict[str, Any]]:
        return (self.msgid,), self.params

    def __copy__(self) -> Message:
        return self

    def __deepcopy__(self, _memo: dict) -> Message:
        return self

    def format(self, *_args: Any, **values: Any) -> Message:  # type: ignore[override]
        """Keep marshmallow's values ({min}, {choices}, {input}) for translation."""
        return Message(self.msgid, **{**self.params, **values})

    def translated(self) -> str:
        """The message in the current request's language, its values filled in."""
        values = {k: translated(v) for k, v in self.params.items()}
        return gettext(self.msgid, **values) if values else gettext(self.msgid)


def _l(msgid: str) -> Message:
    """Mark a msgid (extracted like lazy_gettext's); translated when the answer is written."""
    return Message(msgid)


INVALID = _l("Giá trị không hợp lệ.")
ONE_OF = _l("Phải là một trong: %(choices)s.")

FIELD_MESSAGES: dict[type, dict[str, Message]] = {
    fields.Field: {
        "required": _l("Trường này là bắt buộc."),
        "null": _l("Trường này không được để trống."),
        "validator_failed": INVALID,
    },
    fields.Nested: {"type": _l("Kiểu dữ liệu không hợp lệ.")},
    fields.List: {"invalid": _l("Phải là danh sách.")},
    fields.Tuple: {"invalid": _l("Phải là danh sách.")},
    fields.String: {
        "invalid": _l("Phải là chuỗi ký tự."),
        "invalid_utf8": _l("Phải là chuỗi ký tự UTF-8."),
    },
    fields.UUID: {"invalid_uuid": _l("Không phải UUID hợp lệ.")},
    fields.Number: {"invalid": _l("Phải là số."), "too_large": _l("Số quá lớn.")},
    fields.Integer: {"invalid": _l("Phải là số nguyên.")},
    fields.Float: {"special": _l("Không chấp nhận NaN hoặc vô cực.")},
    fields.Decimal: {"special": _l("Không chấp nhận NaN hoặc vô cực.")},
    fields.Boolean: {"invalid": _l("Phải là đúng/sai (true/false).")},
    # The base of DateTime, Date and Time (private, but where their messages are set).
    fields._TemporalField: {
        "invalid": _l("Thời gian không hợp lệ."),
        "invalid_awareness": _l("Thời gian không hợp lệ."),
    },
    fields.DateTime: {"invalid": _l("Thời gian không hợp lệ.")},
    fields.AwareDateTime: {"invalid_awareness": _l("Thời gian phải ghi rõ múi giờ.")},
    fields.NaiveDateTime: {"invalid_awareness": _l("Thời gian không được ghi múi giờ.")},
    fields.Time: {"invalid": _l("Giờ không hợp lệ.")},
    fields.Date: {"invalid": _l("Ngày không hợp lệ.")},
    fields.TimeDelta: {"invalid": _l("Khoảng thời gian không hợp lệ.")},
    fields.Mapping: {"invalid": _l("Phải là một đối tượng JSON.")},
    fields.Url: {"invalid": _l("Địa chỉ URL không hợp lệ.")},
    fields.Email: {"invalid": _l("Địa chỉ email không hợp lệ.")},
    fields.IP: {"invalid_ip": _l("Địa chỉ IP không hợp lệ.")},
    fields.IPv4: {"invalid_ip": _l("Địa chỉ IP không hợp lệ.")},
    fields.IPv6: {"invalid_ip": _l("Địa chỉ IP không hợp lệ.")},
    fields.IPInterface: {"invalid_ip_interface": _l("Địa chỉ IP không hợp lệ.")},
    fields.IPv4Interface: {"invalid_ip_interface": _l("Địa chỉ IP không hợp lệ.")},
    fields.IPv6Interface: {"invalid_ip_interface": _l("Địa chỉ IP không hợp lệ.")},
    fields.Enum: {"unknown": ONE_OF},
}

# Range puts "greater than or equal to" (min_op) into its messages when it is made.
VALIDATOR_MESSAGES: dict[type, dict[str, Message]] = {
    validate.Range: {
        "message_min": _l("Phải %(min_op)s %(min)s."),
        "message_max": _l("Phải %(max_op)s %(max)s."),
        "message_all": _l("Phải %(min_op)s %(min)s và %(max_op)s %(max)s."),
        "message_gte": _l("lớn hơn hoặc bằng"),
        "message_gt": _l("lớn hơn"),
        "message_lte": _l("nhỏ hơn hoặc bằng"),
        "message_lt": _l("nhỏ hơn"),
    },
    validate.Length: {
        "message_min": _l("Quá ngắn: tối thiểu %(min)s."),
        "message_max": _l("Quá dài: tối đa %(max)s."),
        "message_all": _l("Độ dài phải từ %(min)s đến %(max)s."),
        "message_equal": _l("Độ dài phải đúng %(equal)s."),
    },
    validate.OneOf: {"default_message": ONE_OF},
    validate.ContainsOnly: {"default_message": _l("Có lựa chọn không thuộc: %(choices)s.")},
    validate.ContainsNoneOf: {"default_message": _l("Có lựa chọn không được phép: %(values)s.")},
    validate.NoneOf: {"default_message": INVALID},
    validate.Predicate: {"default_message": INVALID},
    validate.Equal: {"default_message": _l("Phải bằng %(other)s.")},
    validate.Regexp: {"default_message": _l("Sai định dạng.")},
    validate.URL: {"default_message": _l("Địa chỉ URL không hợp lệ.")},
    validate.Email: {"default_message": _l("Địa chỉ email không hợp lệ.")},
}

SCHEMA_MESSAGES = {
    "type": _l("Kiểu dữ liệu không hợp lệ."),
    "unknown": _l("Trường không được chấp nhận."),
}


def install() -> None:
    """Set the Vietnamese messages on marshmallow's classes (before any schema is made)."""
    for cls, messages in FIELD_MESSAGES.items():
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **messages}
    for cls, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(cls, name, message)
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}


def translated(message: Any) -> str:
    """A validation message in the request's language (other texts are already in it)."""
    return message.translated() if isinstance(message, Message) else str(message)


install()
