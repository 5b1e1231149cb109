"""The weekly report's card figures, per (commune, hamlet), as of the period's last day.

- `cards_to_reissue`: residents present at the end whose card had a problem (lost, damaged,
  expired, wrong details) at the end: the last `card_issue` change known by then set one; a
  resident whose problem was recorded with no history row (a load) counts as it is on file.
- `renewals_due`: residents present at the end whose card must be renewed within 90 days of
  the last day, or should have been by then (`card_renewal_due`, read as it is on file: it has
  no history; app/people/renewal.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select

from app.extensions import db
from app.people.models import Resident, StatusChange
from app.people.renewal import DUE_SOON_DAYS
from app.reports.asof import AsOf
from app.reports.scoped import inside
from app.units.models import Unit

CARD_FIGURES = ("cards_to_reissue", "renewals_due")


def issue_open(asof: AsOf) -> ColumnElement[bool]:
    """Condition: the resident's card had a problem at the end of the day."""
    on_file = Resident.card_issue.is_not(None)
    if not asof.is_past:
        return on_file
    mine = and_(StatusChange.resident_id == Resident.id, StatusChange.field == "card_issue")
    known = and_(mine, StatusChange.at < asof.end)
    last_known = (
        select(StatusChange.new_value)
        .where(known)
        .order_by(StatusChange.id.desc())
        .limit(1)
        .correlate(Resident)
        .scalar_subquery()
    )
    # Changed only after the day: the value before the first change (a problem on file with
    # no history of its own, from an import or a new resident, then cleared, was open).
    first_old = asof.before_any("card_issue")
    return case(
        (exists().where(known).correlate(Resident), last_known.is_not(None)),
        (exists().where(mine).correlate(Resident), first_old.is_not(None)),
        else_=on_file,
    )


def card_counts(unit: Unit, user: Any, span: Any) -> dict[tuple, dict[str, int]]:
    """Cards to re-issue and renewals due at the end of the period (see the module)."""
    asof = span.asof
    soon = span.ends_on + timedelta(days=DUE_SOON_DAYS)
    present = asof.value("presence") == "present"
    renew = and_(Resident.card_renewal_due.is_not(None), Resident.card_renewal_due <= soon)
    stmt = (
        select(
            Resident.commune_id,
            Resident.hamlet_id,
            func.count(case((and_(present, issue_open(asof)), 1))),
            func.count(case((and_(present, renew), 1))),
        )
        .where(
            *inside(user, Resident, unit),
            asof.existed(Resident),
            Resident.pending.is_(False),
            Resident.card_issue.is_not(None)
            | renew
            | exists()
            .where(StatusChange.resident_id == Resident.id, StatusChange.field == "card_issue")
            .correlate(Resident),
        )
        .group_by(Resident.commune_id, Resident.hamlet_id)
    )
    return {
        (c, h): {"cards_to_reissue": int(n or 0), "renewals_due": int(due or 0)}
        for c, h, n, due in db.session.execute(stmt)
    }
