"""Who a card is owed to on a day: the one eligibility clause every denominator uses.

Coverage, campaigns (spread by eligible residents), the weekly report (as of its last day) and
the maps all count residents through `must_hold_card(on)`: old enough on the day, and — for a
temporary resident or a short stay (`residence` temporary or staying) — a stay that had not
ended before the day (`residence_until`). A worker whose stay ended, or who is recorded as
moved (presence, read as of the day by `AsOf.value`), drops out of the denominators from that
day on; their row, visits and status history stay as they were.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import ColumnElement, and_, not_, or_

from app.clock import today_in_vietnam
from app.people.models import Resident

# Residence statuses that end: a temporary resident or a short stay, counted while it lasts.
PASSING = ("temporary", "staying")


def eligible_cutoff(on: date, age: int) -> date:
    """Return the latest birth date of a person who is `age` years old on a day."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February
        return on.replace(year=on.year - age, day=28)


def old_enough(on: date) -> ColumnElement[bool]:
    """SQL condition for residents old enough for a card on a day.

    A year of birth alone counts from 1 January of the year the resident reaches the age; a
    resident with no birth data at all counts (the gap stays visible until it is corrected).
    """
    age = current_app.config.get("ELIGIBLE_AGE", 14)
    cutoff = eligible_cutoff(on, age)
    return or_(
        Resident.birth_date <= cutoff,
        and_(
            Resident.birth_date.is_(None),
            or_(Resident.birth_year <= on.year - age, Resident.birth_year.is_(None)),
        ),
    )


def residence_lapsed(on: date) -> ColumnElement[bool]:
    """SQL condition for a temporary (or short-stay) resident whose stay ended before a day.

    From the day after `residence_until` the worker has moved on: they leave the denominators
    from that day, and their row and history stay (nothing is deleted or rewritten).
    """
    return and_(
        Resident.residence.in_(PASSING),
        Resident.residence_until.is_not(None),
        Resident.residence_until < on,
    )


def must_hold_card(on: date) -> ColumnElement[bool]:
    """SQL condition for residents a card is owed to on a day, whatever their presence: old
    enough, and not a temporary resident whose stay had ended by then. The one place every
    denominator (coverage, campaigns, the weekly report, maps) takes its eligibility from."""
    return and_(old_enough(on), not_(residence_lapsed(on)))


def eligible_clause(on: date | None = None) -> ColumnElement[bool]:
    """SQL condition for residents counted in ID coverage: present, confirmed, old enough and
    (for a temporary resident) still staying on the day."""
    on = on or today_in_vietnam()
    return and_(Resident.presence == "present", Resident.pending.is_(False), must_hold_card(on))


def present_clause(on: date | None = None) -> ColumnElement[bool]:
    """SQL condition for residents living here on a day, any age: present, confirmed, and
    (for a temporary resident) still staying."""
    on = on or today_in_vietnam()
    return and_(
        Resident.presence == "present", Resident.pending.is_(False), not_(residence_lapsed(on))
    )


def temporary_clause(on: date | None = None) -> ColumnElement[bool]:
    """SQL condition for temporary residents and short stays present on a day (any age)."""
    on = on or today_in_vietnam()
    return and_(
        Resident.presence == "present",
        Resident.pending.is_(False),
        Resident.residence.in_(PASSING),
        not_(residence_lapsed(on)),
    )
