"""Overdue work on the commander's pages: who owns it, a summary by hamlet and officer, the
whole list page by page, and reassigning one follow-up (the same service as the API's PATCH)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.clock import today_in_vietnam
from app.errors import ForbiddenError
from app.extensions import db
from app.followups import changes, lists
from app.followups.models import Followup
from app.paging import paginate
from app.people.models import Household
from app.units.models import Unit

REASSIGN_ROLES = ("commander", "admin")
PAGE_SIZE = 50
SUMMARY_SHOWN = 20
LIST_LIMIT = 20


def hamlet_names(ids: set[int | None]) -> dict[int, str]:
    """Map unit ids to their names (one query)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).all())


def overdue_followups(
    user: User, unit: Unit, limit: int = LIST_LIMIT, page: int = 1
) -> dict[str, Any]:
    """Return the most overdue open follow-ups of a unit (one page), and how many there are."""
    where = [
        rows_inside(Followup, unit),
        scope_clause(user, Followup),
        Followup.status == "open",
        Followup.due_date < today_in_vietnam(),
    ]
    query = (
        select(Followup, Household.code, Household.address, User.full_name, User.username)
        .outerjoin(Household, Household.id == Followup.household_id)
        .outerjoin(User, User.id == Followup.assignee_id)
        .where(*where)
        .order_by(Followup.due_date, Followup.priority, Followup.id)
    )
    result = paginate(query, page, limit, rows=True)
    rows = result.items
    names = hamlet_names({row[0].hamlet_id for row in rows})
    now = today_in_vietnam()
    items = [
        {
            "id": f.id,
            "kind": f.kind,
            "due_date": f.due_date,
            "days_late": (now - f.due_date).days,
            "hamlet": names.get(f.hamlet_id, ""),
            "household": code,
            "address": address,
            "reason": f.reason,
            "commune_id": f.commune_id,
            "assignee_id": f.assignee_id,
            "assignee": (full_name or username) if f.assignee_id else None,
        }
        for f, code, address, full_name, username in rows
    ]
    return {"total": result.total, "items": items, "page": page, "per_page": limit}


def assignee_choices(items: list[dict[str, Any]]) -> dict[int, dict[str, list[tuple[int, str]]]]:
    """Map each commune of the items to its active officers and commanders (one query)."""
    communes = {item["commune_id"] for item in items}
    choices: dict[int, dict[str, list[tuple[int, str]]]] = {
        c: {"officer": [], "commander": []} for c in communes
    }
    if not communes:
        return choices
    rows = db.session.execute(
        select(User.id, User.full_name, User.username, User.role, User.unit_id)
        .where(
            User.active.is_(True),
            User.unit_id.in_(communes),
            or_(User.role == "officer", User.role == "commander"),
        )
        .order_by(User.full_name, User.username, User.id)
    ).all()
    for user_id, full_name, username, role, unit_id in rows:
        choices[unit_id][role].append((user_id, full_name or username))
    return choices


def options_for(item: dict[str, Any], choices: dict[int, dict[str, list]]) -> list[tuple]:
    """Return who may own an item: its commune's officers (and commanders for a location check)."""
    pool = choices.get(item["commune_id"], {"officer": [], "commander": []})
    if item["kind"] == "location_check":
        return pool["officer"] + pool["commander"]
    return pool["officer"]


def overdue_summary_rows(user: User, unit: Unit, limit: int | None = None) -> dict[str, Any]:
    """Return the overdue counts by hamlet and assignee of a unit (the API's summary)."""
    summary = lists.overdue_summary(user, unit.code)
    rows = summary["items"]
    return {
        "overdue": summary["overdue"],
        "rows": rows if limit is None else rows[:limit],
        "more": 0 if limit is None else max(len(rows) - limit, 0),
    }


def reassign(user: User, followup_id: int, assignee_id: int) -> tuple[Followup, str]:
    """Give a follow-up to another officer of its commune (commanders and admins in scope);
    return it with the new assignee's name."""
    if user.role not in REASSIGN_ROLES:
        raise ForbiddenError(_("Chỉ chỉ huy mới giao lại việc hoặc đổi hạn."))
    followup = changes.update_followup(user, followup_id, {"assignee_id": assignee_id})
    assignee = db.session.get(User, assignee_id)
    return followup, (assignee.full_name or assignee.username) if assignee else ""
