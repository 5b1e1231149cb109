"""The daily renewals job (`flask followups renewals`): card renewal dates and renew_card
follow-ups, kept in step with the residents' data.

1. recompute `card_renewal_due` where it is stale (data loaded around the usual paths, a rule
   that moved, a day that passed nothing: the computation does not depend on today);
2. close the open renew_card follow-ups whose card no longer needs renewing within 90 days
   (done: a new issue date was recorded) or whose person is no longer present (cancelled);
3. open a renew_card for every present, confirmed resident whose card must be renewed within
   90 days or is overdue and who has none open (rerunning opens nothing twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups import rules
from app.followups.assignment import Assigner
from app.followups.models import Followup
from app.followups.service import close, new_followup
from app.people.models import Household, Resident
from app.people.renewal import DUE_SOON_DAYS, refresh_renewal_due

CHUNK = 1000


@dataclass
class RenewalCounts:
    """What one run did."""

    recomputed: int = 0
    opened: int = 0
    closed: int = 0
    due: int = 0  # residents with a renewal due within 90 days or overdue, after the run


def recompute_due_dates() -> int:
    """Recompute card_renewal_due for every resident with a card date or a stored due date;
    return how many changed."""
    query = (
        select(Resident)
        .where(or_(Resident.card_issued_on.is_not(None), Resident.card_renewal_due.is_not(None)))
        .order_by(Resident.id)
        .execution_options(yield_per=CHUNK)
    )
    changed = 0
    for resident in db.session.scalars(query):
        changed += refresh_renewal_due(resident)
    db.session.flush()
    return changed


def close_settled(on: date) -> int:
    """Close the open renew_card follow-ups the residents' state settles; return how many."""
    rows = db.session.execute(
        select(Followup, Resident)
        .join(Resident, Resident.id == Followup.resident_id)
        .where(Followup.kind == "renew_card", Followup.status == "open")
    ).all()
    closed = 0
    for followup, resident in rows:
        status = rules.settled_for_resident("renew_card", resident, on)
        if status is not None:
            close(followup, status)
            closed += 1
    db.session.flush()
    return closed


def open_due(on: date) -> tuple[int, int]:
    """Open a renew_card for each resident due within 90 days (or overdue) with none open;
    return (opened, residents due)."""
    taken = set(
        db.session.scalars(
            select(Followup.resident_id).where(
                Followup.kind == "renew_card", Followup.status == "open"
            )
        )
    )
    rows = db.session.execute(
        select(Resident, Household)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.card_renewal_due <= on + timedelta(days=DUE_SOON_DAYS))
        .order_by(Resident.hamlet_id, Resident.household_id, Resident.id)
    ).all()
    assigner, opened, due = Assigner(), 0, 0
    for resident, household in rows:
        rule = rules.renewal_rule(resident, on)
        if rule is None:
            continue
        due += 1
        if resident.id in taken:
            continue
        renewal = resident.card_renewal_due
        assignee = assigner.pick(rule.pool, household.hamlet_id, household.commune_id)
        assigner.charge(assignee)
        since = rules.renewal_since(rule, renewal, on)
        new_followup(
            rule,
            due=since + timedelta(days=rule.due_days or 0),
            place=household,
            resident_id=resident.id,
            assignee_id=assignee,
            reason={"due": renewal.strftime("%d/%m/%Y")},
        )
        taken.add(resident.id)
        opened += 1
    db.session.flush()
    return opened, due


def run_renewals(on: date | None = None) -> RenewalCounts:
    """Run the three steps for the whole database, as of `on` (today in Vietnam)."""
    on = on or today_in_vietnam()
    counts = RenewalCounts()
    counts.recomputed = recompute_due_dates()
    counts.closed = close_settled(on)
    counts.opened, counts.due = open_due(on)
    return counts
