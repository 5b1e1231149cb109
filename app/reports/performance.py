"""Officers' performance over a period, as of a day: one line of figures per officer.

Everything counted lies inside the unit (and the acting user's scope), was done inside the
period's days (Vietnam's calendar), no later than the `asof` day, and had reached the server by
the end of that day — so the figures for a past day never move when later visits arrive.

The officers listed are those of the unit (officers whose own unit is the unit or lies inside
it), and anyone else who made visits inside the unit in the period (a mobile team).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause, scope_of, units_clause
from app.clock import end_of_day, start_of_day, to_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction
from app.reports.asof import AsOf
from app.reports.coverage import DONE_OUTCOMES
from app.units.models import Unit
from app.visits.models import Visit

# The fields of one officer's line, in the order the tables show them.
FIELDS = (
    "visits",
    "visits_per_day",
    "active_days",
    "households_completed",
    "corrections_found",
    "followups_done_on_time",
    "followups_done_late",
    "followups_overdue",
)
SORT_KEYS = ("name", *FIELDS)


def _window(start: date, end: date, asof: AsOf) -> tuple[Any, Any, int]:
    """The first instant, the instant after the last counted day, and the number of days."""
    last = min(end, asof.day)
    days = max((last - start).days + 1, 0)
    return start_of_day(start), end_of_day(last), days


def _visit_where(user: User, unit: Unit, since: Any, until: Any, asof: AsOf) -> list:
    return [
        rows_inside(Visit, unit),
        scope_clause(user, Visit),
        Visit.visited_at >= since,
        Visit.visited_at < until,
        *asof.visits(),
    ]


def _visit_figures(where: list[ColumnElement[bool]]) -> dict[int, dict[str, Any]]:
    """Visits, days with a visit and households settled, per officer."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    days: dict[int, set[date]] = defaultdict(set)
    for officer_id, visited_at in db.session.execute(
        select(Visit.officer_id, Visit.visited_at).where(*where)
    ):
        days[officer_id].add(to_vietnam(visited_at).date())
        out[officer_id]["visits"] = out[officer_id].get("visits", 0) + 1
    for officer_id, day_set in days.items():
        out[officer_id]["active_days"] = len(day_set)
    settled = db.session.execute(
        select(Visit.officer_id, func.count(func.distinct(Visit.household_id)))
        .where(*where, Visit.outcome.in_(DONE_OUTCOMES))
        .group_by(Visit.officer_id)
    )
    for officer_id, n in settled:
        out[officer_id]["households_completed"] = n
    return out


def _corrections(user: User, unit: Unit, since: Any, until: Any, asof: AsOf) -> dict[int, int]:
    """Corrections found per officer: on a visit of theirs in the window, or entered by them."""
    finder = func.coalesce(Visit.officer_id, Correction.created_by_id)
    found_at = func.coalesce(Visit.visited_at, Correction.created_at)
    rows = db.session.execute(
        select(finder, func.count(Correction.id))
        .select_from(Correction)
        .outerjoin(Visit, Visit.id == Correction.visit_id)
        .where(
            rows_inside(Correction, unit),
            scope_clause(user, Correction),
            found_at >= since,
            found_at < until,
            asof.existed(Correction),
            Correction.source == "officer",
        )
        .group_by(finder)
    )
    return {officer_id: n for officer_id, n in rows if officer_id is not None}


def _followups_done(
    user: User, unit: Unit, since: Any, until: Any, asof: AsOf
) -> dict[int, dict[str, int]]:
    """Follow-ups done in the window, by their due date or later: credited to the officer of
    the visit that closed them, or else to their assignee (closed by hand)."""
    who = func.coalesce(Visit.officer_id, Followup.assignee_id)
    when = func.coalesce(Visit.visited_at, Followup.closed_at)
    rows = db.session.execute(
        select(who, when, Followup.due_date)
        .select_from(Followup)
        .outerjoin(Visit, Visit.id == Followup.closed_by_visit_id)
        .where(
            rows_inside(Followup, unit),
            scope_clause(user, Followup),
            Followup.status == "done",
            when >= since,
            when < until,
            Followup.closed_at.is_not(None),
            asof.known(Followup.closed_at),
        )
    )
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0})
    for officer_id, done_at, due in rows:
        if officer_id is not None:
            out[officer_id]["on_time" if to_vietnam(done_at).date() <= due else "late"] += 1
    return out


def _followups_overdue(user: User, unit: Unit, asof: AsOf) -> dict[int, int]:
    """Follow-ups assigned to the officer still open at the end of the day, past their due."""
    rows = db.session.execute(
        select(Followup.assignee_id, func.count(Followup.id))
        .where(
            rows_inside(Followup, unit),
            scope_clause(user, Followup),
            Followup.assignee_id.is_not(None),
            asof.existed(Followup),
            Followup.due_date < asof.day,
            or_(
                and_(Followup.closed_at.is_(None), Followup.status == "open"),
                Followup.closed_at >= asof.end,
            ),
        )
        .group_by(Followup.assignee_id)
    )
    return dict(rows.all())


def _officers(unit: Unit, extra_ids: set[int]) -> list[User]:
    """The officers of the unit, and the other users who did counted work in it."""
    units_inside = select(Unit.id).where(units_clause(scope_of(unit)))
    return list(
        db.session.scalars(
            select(User)
            .where(
                or_(
                    and_(User.role == "officer", User.unit_id.in_(units_inside)),
                    User.id.in_(sorted(extra_ids) or [-1]),
                )
            )
            .order_by(User.full_name, User.username, User.id)
        )
    )


def officer_performance(
    user: User, unit: Unit, start: date, end: date, asof: AsOf
) -> list[dict[str, Any]]:
    """Return one line of figures per officer of a unit for the days `start`..`end` (inclusive),
    counted as of the end of the `asof` day (days after it are not counted).

    Each line: `user_id`, `username`, `name` (full name, or the username), `active` and
    - `visits`: visits made in the window (any outcome);
    - `days`: the days of the window up to the as-of day (the same for every officer);
    - `visits_per_day`: `visits / days`, one decimal (0.0 when the window has not begun);
    - `active_days`: days on which the officer made at least one visit;
    - `households_completed`: households a visit of theirs settled (outcome in DONE_OUTCOMES);
    - `corrections_found`: corrections found on their visits (or entered by them) in the window;
    - `followups_done_on_time` / `followups_done_late`: follow-ups done in the window, on or
      before the due day / after it, by a visit of theirs (or, closed by hand, assigned to them);
    - `followups_overdue`: follow-ups assigned to them still open at the end of the as-of day
      and past their due day (whenever they were due).
    Lines are ordered by name; nothing is ranked here (the page decides who may see a ranking).
    """
    since, until, days = _window(start, end, asof)
    figures = _visit_figures(_visit_where(user, unit, since, until, asof))
    corrections = _corrections(user, unit, since, until, asof)
    done = _followups_done(user, unit, since, until, asof)
    overdue = _followups_overdue(user, unit, asof)
    worked = set(figures) | set(corrections) | set(done)
    lines = []
    for officer in _officers(unit, worked):
        own = figures.get(officer.id, {})
        visits = own.get("visits", 0)
        lines.append(
            {
                "user_id": officer.id,
                "username": officer.username,
                "name": officer.full_name or officer.username,
                "active": officer.active,
                "visits": visits,
                "days": days,
                "visits_per_day": round(visits / days, 1) if days else 0.0,
                "active_days": own.get("active_days", 0),
                "households_completed": own.get("households_completed", 0),
                "corrections_found": corrections.get(officer.id, 0),
                "followups_done_on_time": done.get(officer.id, {}).get("on_time", 0),
                "followups_done_late": done.get(officer.id, {}).get("late", 0),
                "followups_overdue": overdue.get(officer.id, 0),
            }
        )
    return lines


def sort_lines(lines: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Return the lines sorted by one field (names alphabetically), ties by name."""
    if key not in SORT_KEYS:
        key = "name"
    by_name = sorted(lines, key=lambda line: (line["name"].casefold(), line["user_id"]))
    return sorted(by_name, key=lambda line: line[key], reverse=descending)
