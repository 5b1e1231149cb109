"""When an ID card must be renewed, under the 2023 Law on Identification (Luật Căn cước 2023,
article 21).

A card must be renewed when its holder reaches 14, 25, 40 and 60. A card issued (or renewed)
within the 2 years before one of those ages stays valid until the next one; a card issued at
58 or later is valid for life.

Choices where the law leaves the data short:
- no issue date known: no due date (None); such a card is counted nowhere, and the visit or
  the card's QR code fills the date in;
- a year of birth alone: born on 1 January of that year (the earliest day, so no card lapses
  unnoticed; the eligibility rule counts a year alone from 1 January too);
- born on 29 February: the birthday of a common year is 28 February (again the earlier day);
- "within the 2 years before": an issue exactly 2 years before the birthday counts as within
  (the card lasts to the next age); 2 years and 1 day before does not;
- issued on the birthday itself: that age is reached, the card lasts to the next age.

This module is pure (models only): `app.people.rules.set_field` calls `refresh_renewal_due`
whenever the date of birth or the issue date changes, and so does every path that writes them.
"""

from __future__ import annotations

from datetime import date

from app.people.models import Resident

RENEWAL_AGES = (14, 25, 40, 60)
GRACE_YEARS = 2  # issued within this many years before an age: valid to the next age
DUE_SOON_DAYS = 90  # a renewal due within this many days (or overdue) calls for a follow-up


def birthday(born: date, age: int) -> date:
    """The day a person born on `born` reaches `age` (29 February: 28 February if need be)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February in a common year
        return date(born.year + age, 2, 28)


def assumed_birth_date(born: date | int | None) -> date | None:
    """A full date of birth, or 1 January of a year alone, or None."""
    if born is None or isinstance(born, date):
        return born
    return date(born, 1, 1)


def renewal_due(born: date | int | None, issued_on: date | None) -> date | None:
    """Return the day a card issued on `issued_on` to a person born on `born` (a date, or a
    year alone) must be renewed; None when valid for life or when it cannot be computed."""
    birth = assumed_birth_date(born)
    if birth is None or issued_on is None:
        return None
    for age in RENEWAL_AGES:
        reached = birthday(birth, age)
        if issued_on >= reached:
            continue  # this age was reached before the card was made
        if issued_on >= birthday(birth, age - GRACE_YEARS):
            continue  # issued within the 2 years before: valid to the next age
        return reached
    return None  # issued at 58 or later: valid for life


def resident_renewal_due(resident: Resident) -> date | None:
    """The renewal due date of a resident's current card, from what is on file."""
    born = resident.birth_date if resident.birth_date is not None else resident.birth_year
    return renewal_due(born, resident.card_issued_on)


def refresh_renewal_due(resident: Resident) -> bool:
    """Keep `card_renewal_due` in step with the date of birth and the issue date; answer
    whether it changed. The one place the column is written."""
    due = resident_renewal_due(resident)
    if resident.card_renewal_due == due:
        return False
    resident.card_renewal_due = due
    return True


def due_soon(due: date | None, today: date) -> bool:
    """Tell whether a renewal is due within 90 days of today, or overdue."""
    return due is not None and (due - today).days <= DUE_SOON_DAYS
