"""GET /api/v1/followups?near=: urgent and overdue first, each class as a short walk."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups import lists
from app.followups.rules import URGENT
from app.followups.walking import distance_matrix, nearest_neighbour_order, route_length
from tests.factories import CENTROID, api_get, api_post
from tests.followups.conftest import HAMLET1, HAMLET2

START = CENTROID


def walk(items: list[dict]) -> float:
    return sum(i["distance_m"] for i in items)


def scatter(count: int, seed: int, spread: float = 0.02) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [
        (START[0] + rng.uniform(-spread, spread), START[1] + rng.uniform(-spread, spread))
        for _ in range(count)
    ]


def near(point: tuple[float, float]) -> str:
    return f"{point[0]},{point[1]}"


def test_urgent_and_overdue_first_then_the_rest_then_those_without_a_place(
    people, make_household, place_followup, client, token_for
):
    east = (START[0], START[1] + 0.01)
    officer = people.officer
    far_urgent = place_followup(
        make_household(HAMLET1, location=(START[0], START[1] + 0.02)), officer, priority=URGENT
    )
    near_overdue = place_followup(
        make_household(HAMLET1, location=east), officer, due=today_in_vietnam() - timedelta(days=1)
    )
    close_normal = place_followup(
        make_household(HAMLET1, location=(START[0] + 0.001, START[1])), officer
    )
    unplaced_2 = place_followup(make_household(HAMLET2, location=None), officer)
    unplaced_1 = place_followup(make_household(HAMLET1, location=None), officer)
    place_followup(make_household(HAMLET1), people.colleague)  # not mine
    status, body = api_get(
        client,
        f"/api/v1/followups?mine=1&status=open&near={near(START)}",
        token_for(officer),
    )
    assert status == 200, body
    order = [i["id"] for i in body["items"]]
    assert order == [near_overdue.id, far_urgent.id, close_normal.id, unplaced_1.id, unplaced_2.id]
    first, second, third, *rest = body["items"]
    assert first["overdue"] is True and second["priority_name"] == "urgent"
    assert first["distance_m"] == pytest.approx(1070, rel=0.01)  # 0.01° of longitude at 16° N
    assert second["distance_m"] == pytest.approx(1070, rel=0.01)  # from the stop before
    assert third["distance_m"] > 2000  # the normal one comes after, however near the start
    assert [i["distance_m"] for i in rest] == [None, None]
    assert [i["hamlet_code"] for i in rest] == [HAMLET1, HAMLET2]
    assert body["total"] == 5
    assert first["household_address"] and first["hamlet_code"] == HAMLET1


def test_the_route_is_never_longer_than_nearest_neighbour(
    people, make_household, place_followup, client, token_for
):
    points = scatter(40, seed=7)
    for point in points:
        place_followup(make_household(HAMLET1, location=point), people.officer)
    status, body = api_get(
        client,
        f"/api/v1/followups?mine=1&status=open&near={near(START)}&per_page=200",
        token_for(people.officer),
    )
    assert status == 200 and len(body["items"]) == 40
    stops = [(i["lat"], i["lon"]) for i in body["items"]]
    greedy = route_length(START, stops, nearest_neighbour_order(START, stops))
    assert walk(body["items"]) <= greedy + 0.5  # distances are rounded to 0.1 m


def test_eight_stops_within_ten_percent_of_the_best_route(
    people, make_household, place_followup, client, token_for
):
    for seed in (1, 2, 3):
        points = scatter(8, seed=seed)
        made = [place_followup(make_household(HAMLET1, location=p), people.officer) for p in points]
        status, body = api_get(
            client,
            f"/api/v1/followups?mine=1&status=open&near={near(START)}",
            token_for(people.officer),
        )
        assert status == 200
        dist = distance_matrix([START, *points])
        best = min(
            dist[0, p[0] + 1] + sum(dist[a + 1, b + 1] for a, b in itertools.pairwise(p))
            for p in itertools.permutations(range(8))
        )
        assert walk(body["items"]) <= best * 1.10 + 0.5
        for followup in made:
            followup.status = "done"
        db.session.commit()


def test_pages_continue_the_route(people, make_household, place_followup, client, token_for):
    for point in scatter(12, seed=4):
        place_followup(make_household(HAMLET1, location=point), people.officer)
    headers = token_for(people.officer)
    url = f"/api/v1/followups?mine=1&status=open&near={near(START)}"
    whole = api_get(client, url + "&per_page=12", headers)[1]["items"]
    first = api_get(client, url + "&per_page=5&page=1", headers)[1]
    second = api_get(client, url + "&per_page=5&page=2", headers)[1]
    assert [i["id"] for i in first["items"] + second["items"]] == [i["id"] for i in whole[:10]]
    assert first["total"] == second["total"] == 12


@pytest.mark.parametrize("bad", ["16.1", "abc,107", "16.1,107.7,1", "95,107", "16,nan"])
def test_a_bad_point_is_refused_by_field(people, client, token_for, bad):
    status, body = api_get(client, f"/api/v1/followups?near={bad}", token_for(people.officer))
    assert status == 422
    assert "near" in body["errors"]


def test_too_many_stops_for_one_route_ask_for_a_filter(
    people, make_household, place_followup, client, token_for, monkeypatch
):
    monkeypatch.setattr(lists, "ROUTE_MAX", 2)
    household = make_household(HAMLET1)
    for _ in range(3):
        place_followup(household, people.officer)
    status, body = api_get(
        client, f"/api/v1/followups?near={near(START)}", token_for(people.commander)
    )
    assert status == 422 and "near" in body["errors"]


def test_filters_and_overdue(people, make_household, place_followup, client, token_for):
    household = make_household(HAMLET1)
    late = place_followup(household, people.officer, due=today_in_vietnam() - timedelta(days=2))
    place_followup(household, people.colleague, kind="eid_support")
    headers = token_for(people.commander)
    by_kind = api_get(client, "/api/v1/followups?kind=eid_support", headers)[1]
    assert [i["kind"] for i in by_kind["items"]] == ["eid_support"]
    overdue = api_get(client, "/api/v1/followups?overdue=1", headers)[1]
    assert [i["id"] for i in overdue["items"]] == [late.id] and overdue["items"][0]["overdue"]
    assert api_get(client, f"/api/v1/followups?hamlet={HAMLET2}", headers)[1]["total"] == 0
    assert api_get(client, "/api/v1/followups?hamlet=19777-001", headers)[1]["total"] == 0
    assert api_get(client, "/api/v1/followups", headers)[1]["total"] == 2


def test_a_village_heads_returnee_comes_first_on_the_officers_route(
    make_user, make_household, place_followup, client, token_for
):
    """End to end: the flag, then the hamlet's officer's day starts with that visit."""
    officer = make_user("officer", "20179", hamlets=[HAMLET2])
    head = make_user("village_head", HAMLET2)
    here = (START[0] + 0.002, START[1])
    for offset in (0.0005, 0.001, 0.003):  # work already waiting, nearer than the returnee
        place_followup(make_household(HAMLET2, location=(here[0] + offset, here[1])), officer)
    household = make_household(
        HAMLET2,
        location=(START[0] + 0.009, START[1] + 0.008),
        residents=[
            {"full_name": "Hồ Văn Nhờ"},
            {"full_name": "Hồ Văn Về", "presence": "away_working"},
        ],
    )
    son = household.residents[1]
    status, flag = api_post(
        client,
        "/api/v1/returnees",
        token_for(head),
        {
            "resident_id": son.id,
            "returned_on": str(today_in_vietnam() - timedelta(days=1)),
            "leaving_on": str(today_in_vietnam() + timedelta(days=2)),
            "phone": "0905123456",
        },
    )
    assert status == 201, flag
    status, body = api_get(
        client, f"/api/v1/followups?mine=1&status=open&near={near(here)}", token_for(officer)
    )
    assert status == 200, body
    first = body["items"][0]
    assert first["kind"] == "returnee_visit" and first["id"] == flag["followup"]["id"]
    assert first["resident_name"] == "Hồ Văn Về"
    assert first["household_address"] == household.address
    assert first["hamlet_code"] == HAMLET2
    assert first["priority_name"] == "urgent" and first["due_date"] == str(today_in_vietnam())
    assert first["returnee"]["phone"] == "0905123456"
    assert first["distance_m"] > 1000
    assert len(body["items"]) == 4
