"""The report's per-officer table: what each officer did in the period, as of its last day.

Kept small and apart on purpose (`app.reports.performance` may later give the same rows); the
signature is the one the performance service uses: (user, unit, start, end, asof).

- `visits`: visits the officer made in the period that had reached the server by its end.
- `households_completed`: households those visits settled (met or household moved).
- `corrections_found`: corrections the officer recorded in the period.
- `followups_done_on_time` / `followups_done_late`: follow-ups assigned to the officer and done
  in the period, on or before their due day / after it.
- `followups_overdue`: follow-ups assigned to the officer still open at the end of the period
  and due before its last day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, not_, select

from app.auth.models import User
from app.clock import start_of_day, vietnam_day
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction
from app.reports.asof import AsOf
from app.reports.coverage import DONE_OUTCOMES
from app.reports.summary_counts import inside
from app.units.models import Unit
from app.visits.models import Visit

OFFICER_FIGURES = (
    "visits",
    "households_completed",
    "corrections_found",
    "followups_done_on_time",
    "followups_done_late",
    "followups_overdue",
)


def _visits(user: User, unit: Unit, since: Any, asof: AsOf) -> dict[int, dict[str, int]]:
    settled = Visit.outcome.in_(DONE_OUTCOMES)
    stmt = (
        select(
            Visit.officer_id,
            func.count(Visit.id),
            func.count(func.distinct(case((settled, Visit.household_id)))),
        )
        .where(*inside(user, Visit, unit), *asof.visits(), Visit.visited_at >= since)
        .group_by(Visit.officer_id)
    )
    return {
        officer: {"visits": n, "households_completed": done}
        for officer, n, done in db.session.execute(stmt)
    }


def _corrections(user: User, unit: Unit, since: Any, asof: AsOf) -> dict[int, int]:
    stmt = (
        select(Correction.created_by_id, func.count(Correction.id))
        .where(
            *inside(user, Correction, unit),
            Correction.created_by_id.is_not(None),
            Correction.created_at >= since,
            asof.existed(Correction),
        )
        .group_by(Correction.created_by_id)
    )
    return dict(db.session.execute(stmt).all())


def _followups(user: User, unit: Unit, since: Any, asof: AsOf) -> dict[int, dict[str, int]]:
    closed = and_(Followup.closed_at.is_not(None), asof.known(Followup.closed_at))
    done_now = and_(closed, Followup.status == "done", Followup.closed_at >= since)
    late_now = and_(not_(closed), Followup.due_date < asof.day)
    stmt = select(Followup.assignee_id, Followup.due_date, Followup.closed_at, done_now).where(
        *inside(user, Followup, unit),
        Followup.assignee_id.is_not(None),
        asof.existed(Followup),
        done_now | late_now,
    )
    out: dict[int, dict[str, int]] = {}
    for officer, due, closed_at, done in db.session.execute(stmt):
        row = out.setdefault(officer, dict.fromkeys(OFFICER_FIGURES[3:], 0))
        if not done:
            row["followups_overdue"] += 1
        elif vietnam_day(closed_at) <= due:
            row["followups_done_on_time"] += 1
        else:
            row["followups_done_late"] += 1
    return out


def officers_table(
    user: User, unit: Unit, start: date, end: date, asof: AsOf
) -> list[dict[str, Any]]:
    """One row per officer who did anything counted in the period, most visits first.

    `end` is the period's last day, the `asof` day itself; counting stops at its end."""
    since = start_of_day(start)
    visits = _visits(user, unit, since, asof)
    corrections = _corrections(user, unit, since, asof)
    followups = _followups(user, unit, since, asof)
    ids = set(visits) | set(corrections) | set(followups)
    if not ids:
        return []
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    rows = []
    for officer_id in ids:
        person = people.get(officer_id)
        row: dict[str, Any] = dict.fromkeys(OFFICER_FIGURES, 0)
        row.update(visits.get(officer_id, {}))
        row["corrections_found"] = corrections.get(officer_id, 0)
        row.update(followups.get(officer_id, {}))
        row.update(
            id=officer_id,
            username=person.username if person else "",
            full_name=(person.full_name if person else None) or "",
        )
        rows.append(row)
    rows.sort(key=lambda r: (-r["visits"], r["full_name"] or r["username"]))
    return rows
