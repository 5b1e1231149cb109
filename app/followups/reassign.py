"""Work that lost its assignee, given again to whom its rule's pool gives it now.

An officer deactivated, moved to another unit or given another role keeps no open follow-up
they can no longer do (it would stay on nobody's list: out of their scope now, or on an
account nobody uses); a household moved to another hamlet takes its open follow-ups to that
hamlet's officer. Each goes to the least loaded member of its rule's pool, as a new one would
(app.followups.assignment), or to nobody when the pool is empty; the change is audited as any.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.followups.assignment import Assigner, is_commune_officer
from app.followups.models import Followup
from app.followups.rules import COMMANDER, HAMLET_OFFICER, RULE, RULES
from app.people.models import Household

# A follow-up's pool by its kind, for rows whose rule is not on file.
POOL_OF_KIND = {rule.kind: rule.pool for rule in reversed(RULES) if rule.kind}


def _pool(followup: Followup) -> str:
    rule = RULE.get(followup.rule or "")
    return rule.pool if rule else POOL_OF_KIND.get(followup.kind, HAMLET_OFFICER)


def may_do(user: User, followup: Followup) -> bool:
    """Whether the user can still do this follow-up: an active officer of its commune, or for
    a location check (the commanders' pool) an active commander of it."""
    if _pool(followup) != COMMANDER:
        return is_commune_officer(user, followup.commune_id)
    return user.active and user.role == "commander" and user.unit_id == followup.commune_id


def reassign(followups: Iterable[Followup]) -> list[Followup]:
    """Give each follow-up to the least loaded member of its pool now (one draw after the
    other, so they spread); answer those whose assignee changed."""
    assigner = Assigner()
    changed = []
    for followup in sorted(followups, key=lambda f: f.id):
        chosen = assigner.pick(_pool(followup), followup.hamlet_id, followup.commune_id)
        if chosen == followup.assignee_id:
            continue
        assigner.recount(followup.assignee_id, -1)
        followup.assignee_id = chosen
        assigner.charge(chosen)
        changed.append(followup)
    db.session.flush()
    return changed


def release_work_of(user: User) -> list[Followup]:
    """Reassign the user's open follow-ups they can no longer do (after a change of their
    account is flushed)."""
    mine = db.session.scalars(
        select(Followup).where(Followup.assignee_id == user.id, Followup.status == "open")
    )
    return reassign([f for f in mine if not may_do(user, f)])


def follow_moved_households(household_ids: Iterable[int]) -> list[Followup]:
    """The open follow-ups of households moved to another hamlet (rows already moved): their
    copy of the household's location, and their assignee from the new hamlet's pool."""
    ids = sorted(set(household_ids))
    if not ids:
        return []
    # Columns, not objects: the rows were written by bulk statements the objects may predate.
    places = select(Household.id, Household.lat, Household.lon).where(Household.id.in_(ids))
    homes = {hid: (lat, lon) for hid, lat, lon in db.session.execute(places)}
    moving = list(
        db.session.scalars(
            select(Followup)
            .where(Followup.household_id.in_(ids), Followup.status == "open")
            .execution_options(populate_existing=True)
        )
    )
    for followup in moving:
        followup.lat, followup.lon = homes[followup.household_id]
    return reassign(moving)
