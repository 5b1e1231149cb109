"""Request and response shapes of the users API (accounts, phone sessions, passwords)."""

from marshmallow import fields, validate

from app.auth.models import ROLES
from app.auth.schemas import UnitRef
from app.auth.user_directory import SEEN_FILTERS
from app.schemas import BaseSchema, OutSchema, PageArgs, paged

PHONE = validate.Regexp(r"^\+?[0-9 .\-]{6,20}$")


def _hamlet_codes() -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=32)), validate=validate.Length(max=200)
    )


class AccountOut(OutSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    unit = fields.Nested(UnitRef)
    hamlets = fields.List(fields.Nested(UnitRef))
    phone = fields.String(allow_none=True)
    mobile_team = fields.Boolean()
    active = fields.Boolean()
    must_change_password = fields.Boolean()
    last_seen_at = fields.DateTime(allow_none=True)


AccountListOut = paged(AccountOut)


class NewAccountOut(AccountOut):
    one_time_password = fields.String()


class AccountListArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(validate=validate.OneOf(ROLES))
    unit = fields.String(validate=validate.Length(min=1, max=32))
    active = fields.Boolean()
    seen = fields.String(validate=validate.OneOf(SEEN_FILTERS))


class AccountIn(BaseSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    hamlet_codes = _hamlet_codes()
    phone = fields.String(allow_none=True, validate=PHONE)


class AccountPatch(BaseSchema):
    full_name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    unit_code = fields.String(validate=validate.Length(min=1, max=32))
    hamlet_codes = _hamlet_codes()
    phone = fields.String(allow_none=True, validate=PHONE)
    active = fields.Boolean(truthy={True}, falsy={False})


class SessionOut(OutSchema):
    id = fields.Integer()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime()
    client = fields.String(allow_none=True)


class SessionList(OutSchema):
    items = fields.List(fields.Nested(SessionOut))
    total = fields.Integer()


class OneTimePasswordOut(OutSchema):
    one_time_password = fields.String()


class PasswordChangeIn(BaseSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
