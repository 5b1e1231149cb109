"""Who gets a follow-up: the least loaded person of the rule's pool.

A follow-up goes to the officer assigned to the hamlet (UserHamlet) with the fewest open
follow-ups; with none, to the commune's officer with the fewest; `id_capture_at_home` to a
mobile-team officer of the commune (else as any other); `location_check` to a commander of the
commune, or to nobody. Ties go to the lowest user id, so the choice is reproducible.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select

from app.auth.models import User, UserHamlet
from app.extensions import db
from app.followups.models import Followup
from app.followups.rules import COMMANDER, HAMLET_OFFICER, MOBILE_TEAM

PoolKey = tuple[str, int | None]


class Assigner:
    """Draw assignees from pools, loading each pool (with open counts) once."""

    def __init__(self) -> None:
        self.load: dict[int, int] = {}
        self._pools: dict[PoolKey, list[int]] = {}

    def _members(self, key: PoolKey) -> list[int]:
        """Return the active users of a pool, loading them and their open counts once."""
        self._load([key])
        return self._pools[key]

    def _load(self, keys: list[PoolKey]) -> None:
        """Load the pools not loaded yet, with their members' open counts, in one query: each
        pool's condition is both a column (who belongs) and a term of the filter."""
        keys = [key for key in keys if key[1] is not None and key not in self._pools]
        if not keys:
            return
        kinds = tuple(kind for kind, _unit in keys)
        units = {f"unit_{i}": unit_id for i, (_kind, unit_id) in enumerate(keys)}
        rows = db.session.execute(_pools_statement(kinds), units).all()
        members: dict[PoolKey, list[int]] = {key: [] for key in keys}
        for user_id, count, *belongs in rows:
            self.load.setdefault(user_id, count)
            for key, member in zip(keys, belongs, strict=True):
                if member:
                    members[key].append(user_id)
        for key, found in members.items():
            self._pools[key] = sorted(found)

    def _load_place(self, hamlet_id: int | None, commune_id: int) -> None:
        """Load every pool of a hamlet and its commune (the hamlet's officers, the commune's
        mobile team, commanders and officers) in one query."""
        self._load(
            [("hamlet", hamlet_id), ("mobile", commune_id), ("commander", commune_id),
             ("commune", commune_id)]
        )  # fmt: skip

    def pick(self, pool: str, hamlet_id: int | None, commune_id: int) -> int | None:
        """Return the least loaded user of the pool for this hamlet, or None."""
        chain = _chain(pool, hamlet_id, commune_id)
        if chain:
            self._load_place(hamlet_id, commune_id)
        for key in chain:
            members = self._members(key)
            if members:
                return min(members, key=lambda user_id: (self.load[user_id], user_id))
        return None

    def preload(self, hamlet_id: int | None, commune_id: int) -> None:
        """Load every pool a pick for this hamlet may draw from (a batch's, at its start)."""
        self._load_place(hamlet_id, commune_id)

    def recount(self, user_id: int | None, count: int) -> None:
        """Follow a change of a loaded user's open follow-ups (made after their pool loaded)."""
        if user_id is not None and user_id in self.load:
            self.load[user_id] += count

    def charge(self, user_id: int | None, count: int = 1) -> None:
        """Count follow-ups just given to a user, so the next pick sees them."""
        if user_id is not None:
            self.load[user_id] = self.load.get(user_id, 0) + count


def _chain(pool: str, hamlet_id: int | None, commune_id: int) -> list[PoolKey]:
    """The pools a rule's pool draws from, first to last (without an unknown hamlet)."""
    if pool == COMMANDER:
        chain = [("commander", commune_id)]
    elif pool == MOBILE_TEAM:
        chain = [("mobile", commune_id), ("hamlet", hamlet_id), ("commune", commune_id)]
    elif pool == HAMLET_OFFICER:
        chain = [("hamlet", hamlet_id), ("commune", commune_id)]
    else:
        return []
    return [key for key in chain if key[1] is not None]


@cache
def _pools_statement(kinds: tuple[str, ...]) -> Select:
    """The query of `Assigner._load` for pools of these kinds, each of the unit given as the
    parameter unit_<its place>: built once per kinds (it keeps its cache key)."""
    conditions = [_condition(kind, bindparam(f"unit_{i}")) for i, kind in enumerate(kinds)]
    return (
        select(User.id, func.count(Followup.id), *conditions)
        .outerjoin(Followup, and_(Followup.assignee_id == User.id, Followup.status == "open"))
        .where(User.active.is_(True), or_(*conditions))
        .group_by(User.id)
    )


def _condition(kind: str, unit_id: Any) -> ColumnElement[bool]:
    """Who belongs to a pool of this kind (`unit_id` a value or a parameter)."""
    if kind == "hamlet":
        assigned = select(UserHamlet.user_id).where(UserHamlet.hamlet_id == unit_id)
        return and_(User.role == "officer", User.id.in_(assigned))
    if kind == "mobile":
        return and_(User.role == "officer", User.unit_id == unit_id, User.mobile_team.is_(True))
    if kind == "commander":
        return and_(User.role == "commander", User.unit_id == unit_id)
    return and_(User.role == "officer", User.unit_id == unit_id)


def is_commune_officer(user: User | None, commune_id: int) -> bool:
    """Tell whether a user is an active officer of the commune (a valid assignee)."""
    return (
        user is not None and user.active and user.role == "officer" and user.unit_id == commune_id
    )
