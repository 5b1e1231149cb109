"""A resident's ID card: its problems (lost, damaged, expired, wrong details), the day the
current card was issued and when it must be renewed (app/people/renewal.py).

Every path that records these (a visit, PATCH /residents/<id>, a capture session's results, a
card's QR code) goes through `apply_card_fields` or the setters below, so the history rows and
the clear rule are the same everywhere. The follow-ups (reissue_card, renew_card) are opened
and closed by app.followups from the resident's state, told by `visit_recorded` or
`resident_changed`.

The clear rule of a card problem: it is cleared when a caller sets `card_issue` to null, or
when a new card is recorded, i.e. `card_issued_on` is set to a day later than the day the
problem was recorded (from the status history; with no history row, later than the issue date
on file before). `id_card: issued` does not clear it: a person whose card is lost already has
`id_card` issued, so the value cannot tell a new card from the old one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.clock import vietnam_day
from app.extensions import db
from app.people.models import Resident, StatusChange
from app.people.renewal import (
    DUE_SOON_DAYS,
    RENEWAL_AGES,
    due_soon,
    refresh_renewal_due,
    renewal_due,
    resident_renewal_due,
)
from app.people.rules import set_field

# The card fields a visit, PATCH or session may carry, in the order they are applied: the
# issue date first (it may clear a problem), then the problem itself (an explicit value wins).
CARD_FIELDS = ("unable_to_travel", "card_issued_on", "card_issue")

__all__ = [
    "CARD_FIELDS",
    "DUE_SOON_DAYS",
    "RENEWAL_AGES",
    "apply_card_fields",
    "due_soon",
    "issue_recorded_on",
    "refresh_renewal_due",
    "renewal_due",
    "resident_renewal_due",
    "set_card_issue",
    "set_card_issued_on",
]


def issue_recorded_on(resident: Resident) -> date | None:
    """The Vietnam day the resident's current card problem was recorded, from the history."""
    at = db.session.scalar(
        select(StatusChange.at)
        .where(
            StatusChange.resident_id == resident.id,
            StatusChange.field == "card_issue",
            StatusChange.new_value.is_not(None),
        )
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    return vietnam_day(at) if at is not None else None


def set_card_issue(
    resident: Resident, value: str | None, actor: User | None, visit_id: int | None = None
) -> bool:
    """Record (or clear, with None) a card problem, with a history row; answer whether it
    changed. The follow-ups react to the state: a problem opens a reissue_card, none closes it."""
    return set_field(resident, "card_issue", value, actor, visit_id)


def set_card_issued_on(
    resident: Resident, value: date | None, actor: User | None, visit_id: int | None = None
) -> bool:
    """Record the day the current card was issued (the renewal date follows); a day later than
    the day a card problem was recorded is a new card and clears the problem."""
    before = resident.card_issued_on
    if not set_field(resident, "card_issued_on", value, actor, visit_id):
        return False
    if resident.card_issue is not None and value is not None:
        since = issue_recorded_on(resident) or before
        if since is not None and value > since:
            set_card_issue(resident, None, actor, visit_id)
    return True


def apply_card_fields(
    resident: Resident,
    changes: dict[str, Any],
    actor: User | None,
    visit_id: int | None = None,
    *,
    late: bool = False,
) -> list[str]:
    """Apply the card fields a body names (unable_to_travel, card_issued_on, card_issue);
    return the names that changed. A late visit (older than the household's latest) only
    fills what is unknown."""
    changed: list[str] = []
    for name in CARD_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name == "unable_to_travel" and value is None:
            continue
        if late and (getattr(resident, name) not in (None, False)):
            continue
        if name == "card_issued_on":
            done = set_card_issued_on(resident, value, actor, visit_id)
        elif name == "card_issue":
            done = set_card_issue(resident, value, actor, visit_id)
        else:
            done = set_field(resident, name, value, actor, visit_id)
        if done:
            changed.append(name)
    return changed
