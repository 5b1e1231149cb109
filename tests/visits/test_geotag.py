"""Geotag at submission: distance to the household, the hamlet of the point, flags."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.people.models import Household
from app.units.extent import in_vietnam
from app.visits import geotag
from app.visits.models import Visit
from tests.factories import api_get, api_post, square


def post(client, headers, body):
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer
    return answer


def at(household, dlat=0.0, dlon=0.0, accuracy=10):
    return {"lat": household.lat + dlat, "lon": household.lon + dlon, "accuracy_m": accuracy}


def test_far_from_household_counts_the_accuracy(client, headers, household, visit_body):
    # About 500 m north, still inside Thôn 1.
    answer = post(client, headers, visit_body(location=at(household, dlat=0.0045)))
    assert 490 < answer["geotag"]["distance_m"] < 510
    assert answer["geotag"]["hamlet_code"] == "20179-001"
    assert answer["geotag"]["flags"] == ["far_from_household"]
    assert answer["flagged"] is True
    # 140 m away with a 20 m fix is within 150 m + accuracy.
    near = post(client, headers, visit_body(location=at(household, dlat=0.00126, accuracy=20)))
    assert 130 < near["geotag"]["distance_m"] < 150
    assert near["geotag"]["flags"] == []
    # 160 m away with a 5 m fix is too far; with a 15 m fix it is not.
    assert post(client, headers, visit_body(location=at(household, dlat=0.00144, accuracy=5)))[
        "geotag"
    ]["flags"] == ["far_from_household"]
    assert (
        post(client, headers, visit_body(location=at(household, dlat=0.00144, accuracy=15)))[
            "geotag"
        ]["flags"]
        == []
    )


def test_point_in_another_hamlet_is_outside_hamlet(client, headers, household, visit_body, world):
    lat, lon = world.hamlet_point("20179-002")
    answer = post(client, headers, visit_body(location={"lat": lat, "lon": lon, "accuracy_m": 8}))
    assert answer["geotag"]["hamlet_code"] == "20179-002"
    assert answer["geotag"]["flags"] == ["far_from_household", "outside_hamlet"]
    # In the commune but in no hamlet polygon.
    answer = post(client, headers, visit_body(location=at(household, dlat=0.05)))
    assert answer["geotag"]["hamlet_code"] is None
    assert "outside_hamlet" in answer["geotag"]["flags"]


def test_low_accuracy_and_no_location(client, headers, visit_body, household):
    answer = post(client, headers, visit_body(location=at(household, accuracy=150)))
    assert answer["geotag"]["flags"] == ["low_accuracy"]
    answer = post(client, headers, visit_body(location=None, location_missing_reason="denied"))
    assert answer["geotag"] == {"distance_m": None, "hamlet_code": None, "flags": ["no_location"]}
    visit = db.session.get(Visit, answer["id"])
    assert (visit.lat, visit.location_missing_reason, visit.flagged) == (None, "denied", True)


def test_flagged_visits_are_listed_for_commanders(
    client, headers, household, visit_body, make_user, token_for
):
    good = post(client, headers, visit_body())
    bad = post(client, headers, visit_body(location=at(household, dlat=0.0045)))
    commander = token_for(make_user("commander", "20179"))
    status, page = api_get(client, "/api/v1/visits?flagged=1", commander)
    assert status == 200
    assert [v["id"] for v in page["items"]] == [bad["id"]]
    assert page["items"][0]["geotag"]["flags"] == ["far_from_household"]
    status, page = api_get(client, "/api/v1/visits", commander)
    assert {v["id"] for v in page["items"]} == {good["id"], bad["id"]}
    assert page["total"] == 2


def test_household_without_location_learns_the_median_of_good_met_fixes(
    client, headers, make_household, visit_body, officer
):
    home = make_household("20179-001", location=None, residents=[{"full_name": "Lê Văn Tư"}])
    lat, lon = 16.0661, 107.6871

    def visit(dlat, accuracy, outcome="met"):
        body = visit_body(
            household_id=home.id,
            residents=[],
            outcome=outcome,
            location={"lat": lat + dlat, "lon": lon, "accuracy_m": accuracy},
        )
        return post(client, headers, body)

    first = visit(0.0, 20)
    assert first["geotag"]["distance_m"] is None
    assert "far_from_household" not in first["geotag"]["flags"]
    db.session.refresh(home)
    assert (home.lat, home.lon, home.location_source) == (lat, lon, "learned")
    visit(0.01, 80)  # a poor fix teaches nothing
    visit(0.01, 10, outcome="nobody_home")  # nor does a door nobody opened
    db.session.refresh(home)
    assert home.lat == lat
    visit(0.0002, 10)
    visit(0.0010, 30)
    db.session.refresh(home)
    assert home.lat == pytest.approx(lat + 0.0002)
    assert home.location_source == "learned"


def test_known_location_is_never_relearned(client, headers, household, visit_body):
    before = (household.lat, household.lon)
    post(client, headers, visit_body(location=at(household, dlat=0.001, accuracy=5)))
    db.session.refresh(household)
    assert (household.lat, household.lon, household.location_source) == (*before, "known")


def test_hamlet_index_is_cached_and_rebuilt_when_boundaries_change(
    client, headers, household, visit_body, world
):
    post(client, headers, visit_body())
    built = geotag.builds()
    post(client, headers, visit_body())
    assert geotag.builds() == built
    # Thôn 1's boundary moves away: the next visit sees the new polygon.
    hamlet = world["20179-001"]
    hamlet.geometry = square(16.2, 107.9)
    db.session.commit()
    answer = post(client, headers, visit_body())
    assert geotag.builds() == built + 1
    assert answer["geotag"]["hamlet_code"] is None
    assert answer["geotag"]["flags"] == ["outside_hamlet"]


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (16.07, 107.7, True),  # Huế
        (21.03, 105.85, True),  # Hà Nội
        (8.6, 104.7, True),  # Cà Mau
        (10.38, 114.36, True),  # Trường Sa
        (16.5, 112.0, True),  # Hoàng Sa
        (0.0, 0.0, False),
        (107.7, 16.07, False),  # swapped
        (13.75, 100.5, False),  # Bangkok
        (39.9, 116.4, False),  # Beijing
    ],
)
def test_vietnam_box(lat, lon, inside):
    assert in_vietnam(lat, lon) is inside


def test_point_far_outside_vietnam_is_refused(client, headers, visit_body):
    status, answer = api_post(
        client,
        "/api/v1/visits",
        headers,
        visit_body(location={"lat": 13.75, "lon": 100.5, "accuracy_m": 10}),
    )
    assert status == 422
    assert list(answer["errors"]) == ["location.lat"]
    assert db.session.query(Household).count() == 1
