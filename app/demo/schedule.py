"""The demo's visit plan: Thôn 1's households from tomorrow on, so `make run` shows one.

Planned by the hamlet's officer (canbo1) from 07:30 to 17:00, 20 minutes a household, on as
many days from tomorrow (Sundays left out) as the hamlet needs. Loading again keeps the plan
that is there.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.scope import rows_inside
from app.clock import today_in_vietnam
from app.extensions import db
from app.people.models import Household
from app.schedule import planning
from app.units.models import Unit

DEMO_HAMLET = "20179-001"
DEMO_PLANNER = "canbo1"
DAY_START, DAY_END, MINUTES = time(7, 30), time(17, 0), 20


def demo_days(count: int, after: date) -> list[date]:
    """The first `count` days after a day, Sundays left out."""
    days, day = [], after
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() != 6:
            days.append(day)
    return days


def plan_demo_schedule() -> bool:
    """Plan the demo hamlet's visits unless it has a plan; tell whether one was made."""
    hamlet = db.session.scalar(select(Unit).where(Unit.code == DEMO_HAMLET))
    planner = db.session.scalar(select(User).where(User.username == DEMO_PLANNER))
    if hamlet is None or planner is None or planning.schedule_of(hamlet) is not None:
        return False
    households = db.session.scalar(
        select(func.count(Household.id)).where(rows_inside(Household, hamlet))
    )
    per_day = planning.slots_per_day(DAY_START, DAY_END, MINUTES)
    days = demo_days(max(1, -(-households // per_day)), today_in_vietnam())
    body = {
        "days": days,
        "day_start": DAY_START,
        "day_end": DAY_END,
        "minutes_per_household": MINUTES,
    }
    planning.plan_hamlet(planner, DEMO_HAMLET, body)
    return True
