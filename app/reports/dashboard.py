"""The commander's dashboard: units with progress, overdue follow-ups, flagged visits, daily
visits and running campaigns, for one unit in scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause, unit_in_scope
from app.clock import SQLITE_OFFSET, VIETNAM, start_of_day, today_in_vietnam
from app.extensions import db
from app.people.models import Household
from app.reports.campaigns import active_campaigns
from app.reports.coverage import resolve_unit, rows_for, unit_summary
from app.reports.dashboard_overdue import (
    PAGE_SIZE,
    SUMMARY_SHOWN,
    assignee_choices,
    hamlet_names,
    overdue_followups,
    overdue_summary_rows,
)
from app.reports.progress import campaign_progress
from app.units.models import Unit
from app.visits.models import Visit

LIST_LIMIT = 20
CHART_DAYS = 30


def flagged_visits(user: User, unit: Unit, limit: int = LIST_LIMIT) -> dict[str, Any]:
    """Return the latest visits the geotag flagged, and how many flagged visits there are."""
    where = [rows_inside(Visit, unit), scope_clause(user, Visit), Visit.flagged.is_(True)]
    # count(*): on PostgreSQL the flagged visits' index holds what the count reads.
    total = db.session.scalar(select(func.count()).select_from(Visit).where(*where)) or 0
    rows = db.session.execute(
        select(Visit, Household.code)
        .join(Household, Household.id == Visit.household_id)
        .where(*where)
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(limit)
    ).all()
    names = hamlet_names({v.hamlet_id for v, _c in rows} | {v.geo_hamlet_id for v, _c in rows})
    items = [
        {
            "id": v.id,
            "visited_at": v.visited_at,
            "household": code,
            "hamlet": names.get(v.hamlet_id, ""),
            "found_in": names.get(v.geo_hamlet_id, "") if v.geo_hamlet_id else "",
            "flags": list(v.flags or []),
            "distance_m": v.distance_m,
        }
        for v, code in rows
    ]
    return {"total": total, "items": items}


def _vietnam_day(column: Any) -> Any:
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone(VIETNAM.key, column), Date)
    return func.date(column, SQLITE_OFFSET)


def daily_visits(user: User, unit: Unit, days: int = CHART_DAYS) -> list[tuple[date, int]]:
    """Return the number of visits per day (Vietnam calendar) over the last days."""
    first = today_in_vietnam() - timedelta(days=days - 1)
    since = start_of_day(first)
    day = _vietnam_day(Visit.visited_at)
    rows = db.session.execute(
        select(day, func.count(Visit.id))
        .where(rows_inside(Visit, unit), scope_clause(user, Visit), Visit.visited_at >= since)
        .group_by(day)
    )
    counts = {date.fromisoformat(str(d)[:10]): n for d, n in rows if d is not None}
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def _sort_key(sort: str):
    def key(row: dict[str, Any]) -> tuple[int, Any]:
        value = row.get(sort)
        if value is None:
            return (1, 0)
        return (0, value.lower() if isinstance(value, str) else value)

    return key


def sorted_rows(rows: list[dict[str, Any]], sort: str, direction: str) -> list[dict[str, Any]]:
    """Sort unit rows by a column, rows without a value last either way."""
    present = [r for r in rows if r.get(sort) is not None]
    missing = [r for r in rows if r.get(sort) is None]
    present.sort(key=_sort_key(sort), reverse=direction == "desc")
    return present + missing


def parent_in_scope(user: User, unit: Unit) -> dict[str, Any] | None:
    """Return the unit above this one when the user may see it."""
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
    return unit_summary(parent) if parent and unit_in_scope(user, parent) else None


def dashboard_for(user: User, code: str | None, sort: str, direction: str) -> dict[str, Any]:
    """Gather the dashboard of a unit in the user's scope."""
    unit = resolve_unit(user, code)
    totals, rows = rows_for(unit, user=user)
    overdue = overdue_followups(user, unit)
    return {
        "unit": unit_summary(unit),
        "parent": parent_in_scope(user, unit),
        "totals": totals.as_dict(),
        "rows": sorted_rows([row.as_dict() for row in rows], sort, direction),
        "sort": sort,
        "dir": direction,
        "overdue": overdue,
        "overdue_summary": overdue_summary_rows(user, unit, limit=SUMMARY_SHOWN),
        "choices": assignee_choices(overdue["items"]),
        "flagged": flagged_visits(user, unit),
        "daily": daily_visits(user, unit),
        "campaigns": [campaign_progress(user, c.id) for c in active_campaigns(user, unit)],
    }


def overdue_page(user: User, code: str | None, page: int = 1) -> dict[str, Any]:
    """Gather every overdue follow-up of a unit in scope, page by page, with the summary."""
    unit = resolve_unit(user, code)
    overdue = overdue_followups(user, unit, limit=PAGE_SIZE, page=page)
    return {
        "unit": unit_summary(unit),
        "parent": parent_in_scope(user, unit),
        "overdue": overdue,
        "pages": max((overdue["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        "overdue_summary": overdue_summary_rows(user, unit),
        "choices": assignee_choices(overdue["items"]),
    }
