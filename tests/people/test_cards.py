"""Renewal of an ID card under the 2023 Law on Identification (art. 21), over its boundaries,
and the resident-side card rules (history rows, the clear rule, the stored due date)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.people.cards import (
    apply_card_fields,
    issue_recorded_on,
    renewal_due,
    set_card_issue,
    set_card_issued_on,
)
from app.people.fields import Born
from app.people.models import Resident, StatusChange
from app.people.rules import set_field

BORN = date(2000, 6, 15)  # 14 in 2014, 25 in 2025, 40 in 2040, 60 in 2060
LEAP = date(2004, 2, 29)  # 14 in 2018 (a common year), 25 in 2029, 40 in 2044 (leap)

# (case, born, issued on, renewal due)
TABLE = [
    ("issued on the 25th birthday: next age 40", BORN, date(2025, 6, 15), date(2040, 6, 15)),
    ("a day before 25, within 2 years", BORN, date(2025, 6, 14), date(2040, 6, 15)),
    ("exactly 2 years before 25: within", BORN, date(2023, 6, 15), date(2040, 6, 15)),
    ("2 years and 1 day before 25: renew at 25", BORN, date(2023, 6, 14), date(2025, 6, 15)),
    ("aged 23 years 11 months at issue: within", BORN, date(2024, 5, 15), date(2040, 6, 15)),
    ("aged 22 at issue: renew at 25", BORN, date(2022, 8, 1), date(2025, 6, 15)),
    ("issued under 14 (aged 10): renew at 14", BORN, date(2010, 7, 1), date(2014, 6, 15)),
    ("issued at 12 and a half: within 2 years of 14", BORN, date(2012, 12, 15), date(2025, 6, 15)),
    ("issued on the 14th birthday", BORN, date(2014, 6, 15), date(2025, 6, 15)),
    ("issued at 30: renew at 40", BORN, date(2030, 1, 1), date(2040, 6, 15)),
    ("issued at 37 and a half: renew at 40", BORN, date(2037, 12, 1), date(2040, 6, 15)),
    ("issued at 38: within 2 years of 40, renew at 60", BORN, date(2038, 6, 15), date(2060, 6, 15)),
    ("issued at 57: renew at 60", BORN, date(2057, 6, 15), date(2060, 6, 15)),
    ("issued a day before 58: renew at 60", BORN, date(2058, 6, 14), date(2060, 6, 15)),
    ("issued at 58: valid for life", BORN, date(2058, 6, 15), None),
    ("issued after 58: valid for life", BORN, date(2059, 3, 1), None),
    ("issued at 60: valid for life", BORN, date(2060, 6, 15), None),
    ("issued at 70: valid for life", BORN, date(2070, 1, 1), None),
    ("no issue date known: cannot be computed", BORN, None, None),
    ("under 14 with no card: nothing due", date(2018, 1, 1), None, None),
    ("no birth data: cannot be computed", None, date(2024, 1, 1), None),
    ("a year of birth alone: born 1 January", 2000, date(2022, 12, 31), date(2025, 1, 1)),
    ("a year alone, exactly 2 years before 25", 2000, date(2023, 1, 1), date(2040, 1, 1)),
    ("leap-day birthday: 14 on 28 February of a common year", LEAP, date(2015, 1, 1),
     date(2018, 2, 28)),
    ("leap-day birthday: 40 on 29 February of a leap year", LEAP, date(2030, 1, 1),
     date(2044, 2, 29)),
    ("leap-day birthday: 2 years before 25 is 28 February", LEAP, date(2027, 2, 28),
     date(2044, 2, 29)),
    ("leap-day birthday: a day earlier is not within", LEAP, date(2027, 2, 27), date(2029, 2, 28)),
]  # fmt: skip


@pytest.mark.parametrize(("case", "born", "issued", "due"), TABLE, ids=[row[0] for row in TABLE])
def test_renewal_due_over_the_boundaries(case, born, issued, due):
    assert renewal_due(born, issued) == due, case


def _born_value(born):
    if born is None:
        return None
    if isinstance(born, int):
        return Born(None, born)
    return Born(born, born.year)


@pytest.mark.parametrize(("case", "born", "issued", "due"), TABLE, ids=[row[0] for row in TABLE])
def test_the_stored_due_date_follows_the_table(case, born, issued, due, make_household):
    """Through set_field, stored and read back (SQLite and PostgreSQL)."""
    household = make_household(residents=[{"full_name": "Lê Thị Hoa", "date_of_birth": None}])
    resident = household.residents[0]
    set_field(resident, "date_of_birth", _born_value(born), None)
    set_field(resident, "card_issued_on", issued, None)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Resident, resident.id)
    assert stored.card_renewal_due == due, case


def test_a_changed_date_of_birth_moves_the_due_date(make_household):
    household = make_household(residents=[{"full_name": "Lê Văn An", "date_of_birth": "1990"}])
    resident = household.residents[0]
    set_field(resident, "card_issued_on", date(2012, 5, 1), None)
    assert resident.card_renewal_due == date(2015, 1, 1)  # 25 in 1990 + 25
    set_field(resident, "date_of_birth", Born(date(1990, 9, 9), 1990), None)
    assert resident.card_renewal_due == date(2015, 9, 9)
    set_field(resident, "card_issued_on", None, None)
    assert resident.card_renewal_due is None


def test_a_card_issue_keeps_history_and_a_later_card_clears_it(make_household):
    household = make_household(residents=[{"full_name": "Trần Văn Bình"}])
    resident = household.residents[0]
    set_field(resident, "card_issued_on", date(2021, 4, 1), None)
    assert set_card_issue(resident, "lost", None) is True
    assert set_card_issue(resident, "lost", None) is False
    db.session.commit()
    recorded = issue_recorded_on(resident)
    assert recorded is not None
    # The old card's date again, or an earlier one: not a new card.
    set_card_issued_on(resident, date(2021, 3, 1), None)
    assert resident.card_issue == "lost"
    set_card_issued_on(resident, recorded, None)  # the same day the loss was told
    assert resident.card_issue == "lost"
    set_card_issued_on(resident, recorded + timedelta(days=1), None)
    assert resident.card_issue is None
    db.session.commit()
    fields = [
        (c.field, c.old_value, c.new_value)
        for c in db.session.query(StatusChange)
        .filter_by(resident_id=resident.id)
        .order_by(StatusChange.id)
    ]
    assert ("card_issue", None, "lost") in fields
    assert ("card_issue", "lost", None) in fields


def test_apply_card_fields_applies_the_issue_date_first_and_an_explicit_value_wins(
    make_household,
):
    household = make_household(residents=[{"full_name": "Phạm Thị Cúc"}])
    resident = household.residents[0]
    changed = apply_card_fields(
        resident,
        {"card_issue": "damaged", "card_issued_on": date(2022, 1, 5), "unable_to_travel": True},
        None,
    )
    assert changed == ["unable_to_travel", "card_issued_on", "card_issue"]
    assert (resident.card_issue, resident.unable_to_travel) == ("damaged", True)
    assert apply_card_fields(resident, {"unable_to_travel": None}, None) == []
    # A late visit fills only what is unknown.
    assert apply_card_fields(resident, {"card_issue": None}, None, late=True) == []
    assert apply_card_fields(resident, {"card_issue": None}, None) == ["card_issue"]
