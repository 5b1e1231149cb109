"""A campaign metric's daily cumulative count, as of a day, and its chart against the plan.

Each household (or resident) counted by the campaign's progress on the `asof` day is placed on
the day it was first settled (or first reached the status) — the day the visit was made, in
Vietnam's calendar — with exactly the progress's conditions: so the series only ever holds
what the server had received by the end of the `asof` day, and its last point is the progress
count for that day.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import case, func, select

from app.auth.models import User
from app.auth.scope import rows_inside, scope_clause
from app.clock import to_vietnam
from app.extensions import db
from app.people.models import Resident, StatusChange
from app.reports.asof import AsOf
from app.reports.campaign_counts import status_reached
from app.reports.coverage import DONE_OUTCOMES, Period
from app.reports.models import Campaign
from app.reports.progress import progress_period
from app.units.models import Unit
from app.visits.models import Visit

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 28


def _settled_at(unit: Unit, period: Period, user: User | None) -> list[Any]:
    """The first settling visit's moment per household (grouped as `visit_counts` groups)."""
    conditions = [rows_inside(Visit, unit)]
    if user is not None:
        conditions.append(scope_clause(user, Visit))
    conditions += [Visit.visited_at >= period.start, Visit.visited_at < period.end]
    if period.known_by is not None:
        conditions.append(Visit.received_at < period.known_by)
    first_done = func.min(case((Visit.outcome.in_(DONE_OUTCOMES), Visit.visited_at)))
    stmt = (
        select(first_done)
        .where(*conditions)
        .group_by(Visit.commune_id, Visit.hamlet_id, Visit.household_id)
    )
    return [moment for (moment,) in db.session.execute(stmt) if moment is not None]


def _reached_at(unit: Unit, period: Period, metric: str, user: User | None, asof: AsOf) -> list:
    """The first counted status change's moment per resident."""
    when, conditions = status_reached(unit, period, metric, user, asof)
    stmt = (
        select(func.min(when))
        .select_from(StatusChange)
        .join(Resident, Resident.id == StatusChange.resident_id)
        .outerjoin(Visit, Visit.id == StatusChange.visit_id)
        .where(*conditions)
        .group_by(Resident.id)
    )
    return [moment for (moment,) in db.session.execute(stmt)]


def daily_cumulative(
    user: User | None, campaign: Campaign, metric: str, asof: AsOf
) -> list[tuple[date, int]]:
    """Return (day, count so far) for each day of the campaign up to the `asof` day."""
    unit = db.session.get(Unit, campaign.unit_id)
    period = progress_period(campaign, asof)
    if period.ends_on < period.starts_on:
        return []
    if metric == "households_visited":
        moments = _settled_at(unit, period, user)
    else:
        moments = _reached_at(unit, period, metric, user, asof)
    per_day = Counter(to_vietnam(moment).date() for moment in moments)
    series, total = [], 0
    for offset in range((period.ends_on - period.starts_on).days + 1):
        day = period.starts_on + timedelta(days=offset)
        total += per_day.get(day, 0)
        series.append((day, total))
    return series


def _nice_max(value: float) -> int:
    """Round a maximum up to 1, 2 or 5 times a power of ten (at least 5)."""
    value = int(value) + (0 if value == int(value) else 1)
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return value


def cumulative_svg(
    series: list[tuple[date, int]],
    *,
    starts_on: date,
    ends_on: date,
    target: int | None,
    title: str,
    chart_id: str,
) -> Markup:
    """Return the cumulative count (a line up to the as-of day) against the straight target
    line over the whole campaign, as an accessible inline SVG."""
    days = (ends_on - starts_on).days + 1
    top = _nice_max(max([n for _d, n in series] + [target or 0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date, end_of_day: bool = True) -> float:
        return LEFT + plot_w * ((day - starts_on).days + (1 if end_of_day else 0)) / days

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg class="chart progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        gy = y(top * fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>'
            f'<text x="{LEFT - 4}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{round(top * fraction)}</text>"
        )
    if target:
        parts.append(
            f'<line class="plan" x1="{LEFT}" y1="{y(0):.1f}" x2="{x(ends_on):.1f}" '
            f'y2="{y(target):.1f}"><title>{escape(_("Kế hoạch"))}: {target}</title></line>'
        )
    if series:
        points = [f"{LEFT:.1f},{y(0):.1f}"] + [f"{x(d):.1f},{y(n):.1f}" for d, n in series]
        parts.append(f'<polyline class="done" points="{" ".join(points)}"/>')
        last_day, last = series[-1]
        tip = f"{last_day:%d/%m/%Y}: {last}"
        parts.append(
            f'<circle class="done" cx="{x(last_day):.1f}" cy="{y(last):.1f}" r="4">'
            f"<title>{escape(tip)}</title></circle>"
        )
    for day in (starts_on, ends_on):
        anchor = "start" if day == starts_on else "end"
        parts.append(
            f'<text x="{x(day, day == ends_on):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
            f"{day:%d/%m}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
