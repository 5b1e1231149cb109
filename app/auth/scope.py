"""Scope: one rule decides what lies inside a unit, and so what a user sees and changes.

`scope_of` is that rule. It answers with a `Scope`: the column rows are matched on
(province_id, commune_id or hamlet_id) and the unit ids allowed in it. A province matches
on its own id; a district on its communes; a commune on its id; a hamlet on its id; a
village head on the hamlets they work in. Everything else is derived from a `Scope`: the SQL
condition on unit-scoped rows, the same check on a loaded row, the check on a unit and the
SQL condition on the units table, so lists, access checks and aggregates cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from app.auth.models import User, UserHamlet
from app.extensions import db
from app.units.models import Unit

KEY_LEVELS = ("province", "commune", "hamlet")  # the unit-id columns rows carry


@dataclass(frozen=True)
class Scope:
    """Rows whose `<level>_id` is one of `ids` lie inside; so do units anchored there."""

    level: str
    ids: frozenset[int]
    root_id: int | None = None  # the unit the scope was made of (a district has no column)


def scope_of(unit: Unit, hamlet_ids: Iterable[int] | None = None) -> Scope:
    """Return what lies inside a unit, or only inside the given hamlets of it."""
    if hamlet_ids is not None and unit.level == "hamlet":
        return Scope("hamlet", frozenset(hamlet_ids) & {unit.id})
    if hamlet_ids is not None:
        inside = units_clause(scope_of(unit))
        ids = select(Unit.id).where(Unit.id.in_(list(hamlet_ids)), Unit.level == "hamlet", inside)
        return Scope("hamlet", frozenset(db.session.scalars(ids)))
    if unit.level == "district":
        communes = select(Unit.id).where(Unit.parent_id == unit.id, Unit.level == "commune")
        return Scope("commune", frozenset(db.session.scalars(communes)), unit.id)
    if unit.level in KEY_LEVELS:
        return Scope(unit.level, frozenset({unit.id}), unit.id)
    return Scope("hamlet", frozenset())


def hamlet_ids_of(user: User) -> list[int]:
    """Return the hamlets a user works in: assigned ones, or their own hamlet."""
    if user.unit.level == "hamlet":
        return [user.unit_id]
    return list(
        db.session.scalars(select(UserHamlet.hamlet_id).where(UserHamlet.user_id == user.id))
    )


def user_scope(user: User) -> Scope:
    """Return what lies inside a user's unit: a village head's is their hamlets."""
    if user.role == "village_head":
        return scope_of(user.unit, hamlet_ids_of(user))
    return scope_of(user.unit)


def rows_clause(scope: Scope, model: Any) -> ColumnElement[bool]:
    """SQL condition keeping rows of a unit-scoped model that lie inside a scope."""
    if not scope.ids:
        return false()
    column = getattr(model, f"{scope.level}_id")
    if len(scope.ids) == 1:
        return column == next(iter(scope.ids))
    return column.in_(sorted(scope.ids))


def holds_row(scope: Scope, row: Any) -> bool:
    """Answer whether a loaded unit-scoped row lies inside a scope."""
    return getattr(row, f"{scope.level}_id") in scope.ids


def _anchor(unit: Unit, level: str) -> int | None:
    """The id a unit's rows would carry in a level's column (None above that level)."""
    if level == "province":
        return unit.id if unit.level == "province" else unit.province_id
    if level == "commune":
        return {"commune": unit.id, "hamlet": unit.parent_id}.get(unit.level)
    return unit.id if unit.level == "hamlet" else None


def holds_unit(scope: Scope, unit: Unit) -> bool:
    """Answer whether a unit is the scope's own unit or lies inside it."""
    return unit.id == scope.root_id or _anchor(unit, scope.level) in scope.ids


def units_clause(scope: Scope) -> ColumnElement[bool]:
    """SQL condition keeping units that `holds_unit` keeps."""
    ids = sorted(scope.ids)
    if scope.level == "province":
        anchored = or_(
            and_(Unit.level == "province", Unit.id.in_(ids)),
            and_(Unit.level != "province", Unit.province_id.in_(ids)),
        )
    elif scope.level == "commune":
        anchored = or_(
            and_(Unit.level == "commune", Unit.id.in_(ids)),
            and_(Unit.level == "hamlet", Unit.parent_id.in_(ids)),
        )
    else:
        anchored = and_(Unit.level == "hamlet", Unit.id.in_(ids))
    return or_(Unit.id == scope.root_id, anchored) if scope.root_id is not None else anchored


def rows_inside(model: Any, unit: Unit) -> ColumnElement[bool]:
    """SQL condition keeping unit-scoped rows that lie inside a unit."""
    return rows_clause(scope_of(unit), model)


def scope_clause(user: User, model: Any) -> ColumnElement[bool]:
    """SQL condition keeping rows of a unit-scoped model that lie inside the user's unit."""
    return rows_clause(user_scope(user), model)


def unit_scope_clause(user: User) -> ColumnElement[bool]:
    """SQL condition keeping units at or below the user's unit."""
    return units_clause(user_scope(user))


def unit_in_scope(user: User, unit: Unit) -> bool:
    """Answer whether the unit is the user's unit or lies below it."""
    return holds_unit(user_scope(user), unit)


def row_in_scope(user: User, row: Any) -> bool:
    """Answer whether a unit-scoped row (household, visit, ...) lies inside the user's unit."""
    return holds_row(user_scope(user), row)
