"""Sites and temporary residents in the coverage figures; `?kind=`; workers whose stay ended.

A boarding house with three temporary residents (one whose stay ended yesterday, one staying
until tomorrow, one with no end date) and a family household sit in hamlet 001; a dormitory
with one short-stay worker who is recorded as moved in hamlet 002.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.clock import start_of_day, today_in_vietnam
from app.extensions import db
from app.people.models import Resident
from app.reports.coverage import eligible_clause, temporary_clause
from app.reports.eligibility import must_hold_card
from tests.factories import api_get
from tests.reports.conftest import adult

TODAY = today_in_vietnam()


@pytest.fixture
def sites(make_household, add_visit):
    """The boarding house (visited, met), the family (visited), the dormitory (not visited)."""
    family = make_household("20179-001", residents=[adult("Gia Đình", id_card="issued")])
    boarding = make_household(
        "20179-001",
        residents=[
            adult("Trọ Một", residence="temporary", room="P101", id_card="collected"),
            adult(
                "Trọ Hai",
                residence="temporary",
                room="P102",
                residence_until=TODAY - timedelta(days=1),
            ),
            adult(
                "Trọ Ba",
                residence="staying",
                room="P103",
                residence_until=TODAY + timedelta(days=1),
                eid="level2_active",
            ),
        ],
    )
    boarding.kind, boarding.site_name = "boarding_house", "Nhà trọ Hoa Sen"
    dorm = make_household(
        "20179-002", residents=[adult("Ký Túc", residence="staying", presence="moved")]
    )
    dorm.kind, dorm.site_name = "dormitory", "KTX Công ty May"
    db.session.commit()
    add_visit(boarding)
    add_visit(family)
    return {"family": family, "boarding": boarding, "dorm": dorm}


def _coverage(client, headers, query=""):
    status, body = api_get(client, f"/api/v1/coverage?unit=20179{query}", headers)
    assert status == 200, body
    return body


def test_sites_and_temporary_residents_are_counted(client, sites, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    body = _coverage(client, headers)
    rows = {child["code"]: child for child in body["children"]}
    one, two = rows["20179-001"], rows["20179-002"]
    assert (one["households_total"], one["sites_total"], one["sites_visited"]) == (2, 1, 1)
    assert (two["households_total"], two["sites_total"], two["sites_visited"]) == (1, 1, 0)
    # Trọ Hai's stay ended yesterday: out of the denominator and of the temporary residents.
    assert one["residents_eligible"] == 3
    assert one["temporary_residents"] == 2
    assert two["temporary_residents"] == 0  # the dormitory's worker moved
    assert body["totals"]["sites_total"] == 2
    assert body["totals"]["sites_visited"] == 1
    assert body["totals"]["temporary_residents"] == 2
    assert body["kind"] is None


def test_kind_restricts_the_figures(client, sites, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    boarding = _coverage(client, headers, "&kind=boarding_house")
    assert boarding["kind"] == "boarding_house"
    totals = boarding["totals"]
    assert totals["households_total"] == 1
    assert totals["households_visited"] == 1
    assert totals["residents_eligible"] == 2
    assert totals["id_collected"] == 1
    assert totals["eid_level2_active"] == 1
    family = _coverage(client, headers, "&kind=family")["totals"]
    assert (family["households_total"], family["sites_total"]) == (1, 0)
    assert (family["residents_eligible"], family["id_collected"]) == (1, 1)
    assert family["temporary_residents"] == 0
    dorm = _coverage(client, headers, "&kind=dormitory")["totals"]
    assert (dorm["households_total"], dorm["households_visited"]) == (1, 0)


@pytest.mark.parametrize("kind", ["hostel", "", "FAMILY"])
def test_a_bad_kind_is_a_422_in_vietnamese(client, sites, make_user, token_for, kind):
    headers = token_for(make_user("commander", "20179"))
    status, body = api_get(client, f"/api/v1/coverage?unit=20179&kind={kind}", headers)
    assert status == 422, body
    assert "kind" in str(body["errors"])
    assert body["message"] and body["code"]


def _count(condition) -> int:
    return db.session.scalar(select(func.count(Resident.id)).where(condition))


def test_a_stay_counts_until_its_last_day_and_not_after(sites):
    """The clause takes the day counted: a past day sees the worker who has left since."""
    names = {r.full_name: r for r in db.session.scalars(select(Resident))}
    ended = names["Trọ Hai"].residence_until
    assert _count(eligible_clause(TODAY)) == 3
    assert _count(eligible_clause(ended)) == 4  # on their last day they are still here
    assert _count(eligible_clause(ended + timedelta(days=3))) == 2  # Trọ Ba left too
    assert _count(must_hold_card(TODAY)) == 4  # the moved worker: presence decides, not age
    assert _count(temporary_clause(ended)) == 3
    assert _count(temporary_clause(TODAY)) == 2
    # The rows and their history stay.
    assert db.session.get(Resident, names["Trọ Hai"].id).residence == "temporary"


def test_the_weekly_report_counts_a_stay_as_of_its_last_day(
    client, make_household, make_user, token_for
):
    """A past week's report keeps the worker who left after it and drops the one who had left."""
    sunday = TODAY - timedelta(days=TODAY.weekday() + 8)
    monday = sunday - timedelta(days=6)
    home = make_household(
        "20179-001",
        residents=[
            adult("Ở Lại", residence="temporary", residence_until=sunday + timedelta(days=3)),
            adult("Đã Đi", residence="temporary", residence_until=sunday - timedelta(days=1)),
            adult("Đúng Hạn", residence="staying", residence_until=sunday),
            adult("Thường Trú"),
        ],
    )
    listed = start_of_day(monday - timedelta(days=10))
    home.created_at = listed
    for resident in home.residents:
        resident.created_at = listed
    db.session.commit()
    headers = token_for(make_user("commander", "20179"))
    status, body = api_get(
        client, f"/api/v1/reports/summary?unit=20179&from={monday}&to={sunday}", headers
    )
    assert status == 200, body
    assert body["totals"]["residents_required"] == 3  # Ở Lại, Đúng Hạn, Thường Trú
    # Today both temporary stays have ended: coverage counts the permanent resident only.
    status, live = api_get(client, "/api/v1/coverage?unit=20179", headers)
    assert live["totals"]["residents_eligible"] == 1
