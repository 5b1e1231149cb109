"""Units API: the unit tree as the caller may see it (here, above units, since it needs one)."""

from __future__ import annotations

from flask import g

from app.auth import units
from app.auth.access import acting_user, require
from app.extensions import Blueprint, db
from app.units.schemas import HamletIn, UnitArgs, UnitChildrenOut, UnitOut

blp = Blueprint("units", __name__, description="Đơn vị hành chính / Administrative units")


@blp.route("/units/<code>")
@require()
@blp.arguments(UnitArgs, location="query")
@blp.response(200, UnitOut)
def get_unit(args: dict, code: str):
    """Show one unit in the caller's scope."""
    g.with_geometry = args["geometry"]
    return units.unit_for(acting_user(), code)


@blp.route("/units/<code>/children")
@require()
@blp.arguments(UnitArgs, location="query")
@blp.response(200, UnitChildrenOut)
def children(args: dict, code: str):
    """List the units directly below a unit in the caller's scope."""
    g.with_geometry = args["geometry"]
    user = acting_user()
    items = units.children_of(user, code)
    return {"unit": units.unit_for(user, code), "items": items, "total": len(items)}


@blp.route("/units/<code>/hamlets", methods=["POST"])
@require("admin", "commander")
@blp.arguments(HamletIn)
@blp.response(201, UnitOut)
def create_hamlet(args: dict, code: str):
    """Create a hamlet in a commune."""
    hamlet = units.create_hamlet_for(acting_user(), code, **args)
    db.session.commit()
    return hamlet
