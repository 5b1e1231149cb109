"""Rows inside a unit, for the reports' GROUP BY queries: the unit-scope columns to group by,
the conditions that keep a unit's rows (in the caller's scope, of one household kind)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.people.models import Household
from app.units.models import Unit


def of_kind(model: Any, kind: str | None) -> list[ColumnElement[bool]]:
    """Conditions restricting a household-linked model's rows to households of one kind."""
    if kind is None:
        return []
    if model is Household:
        return [Household.kind == kind]
    return [model.household_id.in_(select(Household.id).where(Household.kind == kind))]


def pair_of(model: Any) -> tuple[Any, Any]:
    """The (commune, hamlet) columns of a unit-scoped model."""
    return model.commune_id, model.hamlet_id


def inside(
    user: User | None, model: Any, unit: Unit, kind: str | None = None
) -> list[ColumnElement[bool]]:
    """Conditions keeping a model's rows inside a unit (in the user's scope, of a kind)."""
    conditions = [rows_inside(model, unit), *of_kind(model, kind)]
    if user is not None:
        conditions.append(scope_clause(user, model))
    return conditions


# A figure family's key: (commune, hamlet), then (province, household kind) for the rollup.
Key = tuple[Any, ...]


def keyed(rows: Iterable[Any], width: int, names: tuple[str, ...]) -> dict[Key, dict[str, Any]]:
    """Map each GROUP BY row's first `width` columns (its key) to its named figures: sums (of
    no rows: 0) as integers; the last visit stays a moment or None."""
    out: dict[Key, dict[str, Any]] = {}
    for row in rows:
        values = row[width:]
        out[tuple(row[:width])] = {
            name: value if name == "last_visit_at" else int(value or 0)
            for name, value in zip(names, values, strict=True)
        }
    return out
