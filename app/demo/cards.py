"""The demo's cards: two people who cannot travel (their open capture follow-up turns
at home), a lost card
with its reissue_card follow-up, and a card whose renewal falls in the next 90 days with its
renew_card follow-up, so the new figures, screens and lists show something at once.

Each is picked deterministically from the demo's own residents and changed through the same
paths as real work (app/people/cards.py, then `resident_changed` for the follow-ups); a second
load finds them done and changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.cards import apply_card_fields
from app.people.models import Resident
from app.people.renewal import DUE_SOON_DAYS, birthday
from app.people.signals import resident_changed
from app.units.models import Unit

UNABLE_TO_TRAVEL = 2
# A renewal due between these days from today: inside the 90 days of the follow-up rule.
RENEWAL_WINDOW = (20, DUE_SOON_DAYS - 10)


def _residents(commune: Unit) -> list[Resident]:
    return list(
        db.session.scalars(
            select(Resident)
            .where(
                Resident.commune_id == commune.id,
                Resident.presence == "present",
                Resident.pending.is_(False),
                Resident.birth_date.is_not(None),
            )
            .order_by(Resident.id)
        )
    )


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _change(resident: Resident, changes: dict) -> bool:
    changed = apply_card_fields(resident, changes, None)
    if changed:
        db.session.flush()
        resident_changed.send(resident, fields=changed, actor=None)
    return bool(changed)


def _renewal_issue(born: date, today: date) -> date | None:
    """An issue date (5 years before 25 or 40) whose renewal falls in the window, if any."""
    for age in (25, 40):
        due = birthday(born, age)
        if RENEWAL_WINDOW[0] <= (due - today).days <= RENEWAL_WINDOW[1]:
            return birthday(born, age - 5)
    return None


def mark_cards(commune: Unit) -> dict[str, int]:
    """Set the demo's card cases where they are not set yet; answer how many were set."""
    today = today_in_vietnam()
    people = _residents(commune)
    done = {"unable_to_travel": 0, "lost_card": 0, "renewal_due": 0}
    capture = set(
        db.session.scalars(
            select(Followup.resident_id).where(
                Followup.commune_id == commune.id,
                Followup.status == "open",
                Followup.kind.in_(("id_capture", "id_capture_at_home")),
            )
        )
    )
    unable = [
        r
        for r in people
        if r.id in capture and r.id_card == "not_collected" and 30 <= _age(r.birth_date, today) < 70
    ][:UNABLE_TO_TRAVEL]
    for resident in unable:
        done["unable_to_travel"] += _change(resident, {"unable_to_travel": True})
    holders = [r for r in people if r.id_card == "issued" and 25 <= _age(r.birth_date, today) < 50]
    if holders and not any(r.card_issue for r in people):
        done["lost_card"] += _change(holders[0], {"card_issue": "lost"})
    for resident in people:
        issued = (
            _renewal_issue(resident.birth_date, today) if resident.id_card == "issued" else None
        )
        if issued is None or resident in unable:
            continue
        if resident.card_issued_on is None:
            done["renewal_due"] += _change(resident, {"card_issued_on": issued})
        break
    return done
