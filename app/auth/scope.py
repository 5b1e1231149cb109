"""Scope: a user sees and changes only what lies inside their unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select

from app.auth.models import User
from app.extensions import db
from app.units.models import Unit


def _district_communes(district_id: int):
    return select(Unit.id).where(Unit.parent_id == district_id, Unit.level == "commune")


def scope_clause(user: User, model: Any) -> ColumnElement[bool]:
    """SQL condition keeping rows of a unit-scoped model that lie inside the user's unit."""
    unit = user.unit
    if unit.level == "province":
        return model.province_id == unit.id
    if unit.level == "district":
        return model.commune_id.in_(_district_communes(unit.id))
    if unit.level == "commune":
        return model.commune_id == unit.id
    if unit.level == "hamlet":
        return model.hamlet_id == unit.id
    return false()


def unit_scope_clause(user: User) -> ColumnElement[bool]:
    """SQL condition keeping units at or below the user's unit."""
    unit = user.unit
    if unit.level == "province":
        return or_(Unit.id == unit.id, Unit.province_id == unit.id)
    if unit.level == "district":
        return or_(
            Unit.id == unit.id,
            Unit.parent_id == unit.id,
            Unit.parent_id.in_(_district_communes(unit.id)),
        )
    if unit.level == "commune":
        return or_(Unit.id == unit.id, Unit.parent_id == unit.id)
    return Unit.id == unit.id


def unit_in_scope(user: User, unit: Unit) -> bool:
    """Answer whether the unit is the user's unit or lies below it."""
    current: Unit | None = unit
    for _ in range(6):
        if current is None:
            return False
        if current.id == user.unit_id:
            return True
        current = db.session.get(Unit, current.parent_id) if current.parent_id else None
    return False


def row_in_scope(user: User, row: Any) -> bool:
    """Answer whether a unit-scoped row (household, visit, ...) lies inside the user's unit."""
    unit = user.unit
    if unit.level == "province":
        return row.province_id == unit.id
    if unit.level == "commune":
        return row.commune_id == unit.id
    if unit.level == "hamlet":
        return row.hamlet_id == unit.id
    commune = db.session.get(Unit, row.commune_id)
    return commune is not None and commune.parent_id == unit.id
