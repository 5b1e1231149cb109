"""Auth request and response shapes."""

from marshmallow import fields, validate

from app.schemas import BaseSchema, OutSchema


class TokenRequest(BaseSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UnitRef(OutSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class UserOut(OutSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    mobile_team = fields.Boolean()
    unit = fields.Nested(UnitRef)
    hamlets = fields.List(fields.Nested(UnitRef))


class TokenOut(OutSchema):
    token = fields.String()
    expires_at = fields.String()
    user = fields.Nested(UserOut)


class AssignHamletsIn(BaseSchema):
    hamlets = fields.List(
        fields.String(validate=validate.Length(max=32)),
        required=True,
        validate=validate.Length(max=200),
    )
    replace = fields.Boolean(load_default=False)
