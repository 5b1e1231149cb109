"""Units as a user may see them: lookups and hamlet creation inside the user's scope."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import unit_in_scope
from app.errors import NotFoundError
from app.extensions import db
from app.units.models import Unit
from app.units.service import create_hamlet, get_unit


def unit_for(user: User, code: str) -> Unit:
    """Return a unit in the user's scope, or answer 404."""
    unit = get_unit(code)
    if unit is None or not unit_in_scope(user, unit):
        raise NotFoundError(_("Không tìm thấy đơn vị %(code)s.", code=code))
    return unit


def children_of(user: User, code: str) -> list[Unit]:
    """Return the children of a unit in the user's scope, by code."""
    unit = unit_for(user, code)
    return list(
        db.session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))
    )


def create_hamlet_for(user: User, commune_code: str, **fields: Any) -> Unit:
    """Create a hamlet in a commune inside the user's scope."""
    commune = unit_for(user, commune_code)
    return create_hamlet(commune, **fields)
