"""Unit shapes for the API."""

from marshmallow import fields, validate

from app.schemas import BaseSchema, OutSchema, paged
from app.units.models import HAMLET_KINDS


class UnitOut(OutSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    kind = fields.String(allow_none=True)
    parent_code = fields.Method("get_parent_code")
    centroid = fields.Method("get_centroid")
    area_km2 = fields.Float(allow_none=True)
    geometry = fields.Method("get_geometry")

    def get_parent_code(self, unit) -> str | None:
        return unit.parent.code if unit.parent_id else None

    def get_centroid(self, unit) -> dict | None:
        if unit.centroid_lat is None:
            return None
        return {"lat": unit.centroid_lat, "lon": unit.centroid_lon}

    def get_geometry(self, unit) -> dict | None:
        return unit.geometry if self.context_geometry() else None

    def context_geometry(self) -> bool:
        from flask import g

        return g.get("with_geometry", True)


# A unit's children: the list is answered whole, with the unit above them.
UnitChildrenOut = paged(UnitOut, pages=False, unit=fields.Nested(UnitOut))


class UnitArgs(BaseSchema):
    class Meta:
        unknown = "exclude"

    geometry = fields.Boolean(load_default=True)


class HamletIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="thôn", validate=validate.OneOf(HAMLET_KINDS))
    geometry = fields.Dict(load_default=None, allow_none=True)
