"""The people list: users inside a manager's unit, searched and filtered, a page at a time.

A commander sees the users of their unit but not its admin accounts (which only an admin
manages); an admin sees everyone inside theirs. Search folds diacritics (app.text.fold), so
"nguyen" finds "Nguyễn".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select

from app.auth.models import User, UserHamlet
from app.auth.scope import scope_of, unit_in_scope, unit_scope_clause, units_clause
from app.common import utcnow
from app.errors import NotFoundError
from app.extensions import db
from app.paging import Page, paginate
from app.schemas import Shown
from app.text import fold
from app.units.models import Unit

# `seen=` filter values: signed in or used the app within a week or a month, not for a month,
# or never.
SEEN_FILTERS = ("week", "month", "stale", "never")
# A choice of units (or hamlets) longer than this is typed as a code instead of picked.
MAX_CHOICES = 400


@dataclass(frozen=True)
class Filters:
    """What the people list is narrowed to."""

    q: str = ""
    role: str | None = None
    unit: str | None = None
    active: bool | None = None
    seen: str | None = None


def _seen_clause(seen: str, now: datetime) -> Any:
    if seen == "never":
        return User.last_seen_at.is_(None)
    if seen == "stale":
        return or_(User.last_seen_at.is_(None), User.last_seen_at < now - timedelta(days=30))
    days = 7 if seen == "week" else 30
    return User.last_seen_at >= now - timedelta(days=days)


def users_query(actor: User, filters: Filters) -> Select:
    """The users inside the actor's unit that the filters keep, by name."""
    query = select(User).join(Unit, User.unit_id == Unit.id).where(unit_scope_clause(actor))
    if actor.role != "admin":
        query = query.where(User.role != "admin")
    if filters.unit:
        unit = db.session.scalar(select(Unit).where(Unit.code == filters.unit))
        if unit is None or not unit_in_scope(actor, unit):
            raise NotFoundError(_("Không tìm thấy đơn vị %(code)s.", code=filters.unit))
        query = query.where(units_clause(scope_of(unit)))
    words = fold(filters.q or "").split()
    if words:
        query = query.where(and_(*(User.name_folded.contains(w, autoescape=True) for w in words)))
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.active.is_(filters.active))
    if filters.seen in SEEN_FILTERS:
        query = query.where(_seen_clause(filters.seen, utcnow()))
    return query.order_by(User.name_folded, User.id)


def shown_page(users: list[User]) -> list[Shown]:
    """The users of one page with their hamlets, found in one query."""
    ids = [u.id for u in users]
    hamlets: dict[int, list[Unit]] = defaultdict(list)
    if ids:
        rows = db.session.execute(
            select(UserHamlet.user_id, Unit)
            .join(Unit, UserHamlet.hamlet_id == Unit.id)
            .where(UserHamlet.user_id.in_(ids))
            .order_by(Unit.code)
        )
        for user_id, hamlet in rows:
            hamlets[user_id].append(hamlet)
    return [
        Shown(u, hamlets=[u.unit] if u.unit.level == "hamlet" else hamlets[u.id]) for u in users
    ]


def list_users(actor: User, filters: Filters, page: int, per_page: int) -> Page:
    """One page of the users the actor manages, each with their hamlets."""
    found = paginate(users_query(actor, filters), page, per_page)
    found.items = shown_page(found.items)
    return found


def unit_choices(actor: User, *, hamlets: bool = True) -> list[Unit] | None:
    """The units inside the actor's unit a user may be bound to (by level, then name), or None
    when there are too many to pick from a list."""
    query = select(Unit).where(unit_scope_clause(actor))
    if not hamlets:
        query = query.where(Unit.level != "hamlet")
    units = list(db.session.scalars(query.limit(MAX_CHOICES + 1)))
    if len(units) > MAX_CHOICES:
        return None
    order = {"province": 0, "district": 1, "commune": 2, "hamlet": 3}
    return sorted(units, key=lambda u: (order.get(u.level, 9), u.code))


def hamlet_choices(actor: User) -> list[Unit] | None:
    """The hamlets inside the actor's unit (by code), or None when too many to tick."""
    query = select(Unit).where(unit_scope_clause(actor), Unit.level == "hamlet")
    units = list(db.session.scalars(query.order_by(Unit.code).limit(MAX_CHOICES + 1)))
    return None if len(units) > MAX_CHOICES else units
