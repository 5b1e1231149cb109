"""Walking-route ordering: validity, quality against nearest neighbour and brute force."""

from __future__ import annotations

import itertools
import random

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from app.followups.walking import (
    distance_m,
    distance_matrix,
    nearest_neighbour_order,
    order_route,
    route_length,
)

HUE = (16.4637, 107.5909)

# Stops within about 5 km of a commune centre in Thừa Thiên Huế.
offsets = st.tuples(
    st.floats(min_value=-0.0225, max_value=0.0225),
    st.floats(min_value=-0.0235, max_value=0.0235),
)
stops = st.lists(offsets.map(lambda o: (HUE[0] + o[0], HUE[1] + o[1])), max_size=40)


def random_stops(rng: random.Random, n: int) -> list[tuple[float, float]]:
    """Return n random stops within about 5 km of Huế."""
    return [
        (HUE[0] + rng.uniform(-0.0225, 0.0225), HUE[1] + rng.uniform(-0.0235, 0.0235))
        for _ in range(n)
    ]


def brute_force_length(start: tuple[float, float], points: list[tuple[float, float]]) -> float:
    """Return the shortest open route length over every order of the points."""
    dist = distance_matrix([start, *points]).tolist()
    best = float("inf")
    for perm in itertools.permutations(range(1, len(points) + 1)):
        length, here = 0.0, 0
        for node in perm:
            length += dist[here][node]
            here = node
        best = min(best, length)
    return best


def test_distance_matches_geodesic_at_walking_scale() -> None:
    rng = random.Random(7)
    for _ in range(200):
        a = (rng.uniform(8.5, 23.4), rng.uniform(102.1, 109.5))
        b = (a[0] + rng.uniform(-0.05, 0.05), a[1] + rng.uniform(-0.05, 0.05))
        expected = geodesic(a, b).meters
        assert distance_m(a, b) == pytest.approx(expected, rel=1e-6)


def test_distance_known_value() -> None:
    # One minute of latitude at 16°N is 1,844.31 m on WGS84 (geopy's geodesic).
    assert distance_m((16.0, 107.0), (16.0 + 1 / 60, 107.0)) == pytest.approx(1844.31, abs=0.01)
    assert distance_m(HUE, HUE) == 0.0


def test_distance_matrix_is_symmetric_with_zero_diagonal() -> None:
    points = random_stops(random.Random(1), 20)
    dist = distance_matrix(points)
    assert (dist == dist.T).all()
    assert (dist.diagonal() == 0).all()


def test_no_stops() -> None:
    assert order_route(HUE, []) == []
    assert nearest_neighbour_order(HUE, []) == []
    assert route_length(HUE, [], []) == 0.0


def test_one_stop() -> None:
    stop = (HUE[0] + 0.01, HUE[1])
    assert order_route(HUE, [stop]) == [0]
    assert route_length(HUE, [stop], [0]) == pytest.approx(distance_m(HUE, stop))


def test_duplicate_points() -> None:
    a, b = (HUE[0] + 0.001, HUE[1]), (HUE[0] + 0.002, HUE[1])
    points = [b, a, b, a, HUE]
    order = order_route(HUE, points)
    assert sorted(order) == [0, 1, 2, 3, 4]
    # Straight north along one line: the walk is exactly the distance to the farthest stop.
    assert route_length(HUE, points, order) == pytest.approx(distance_m(HUE, b), rel=1e-9)


def test_all_stops_at_the_start() -> None:
    assert sorted(order_route(HUE, [HUE] * 5)) == [0, 1, 2, 3, 4]
    assert route_length(HUE, [HUE] * 5, [0, 1, 2, 3, 4]) == 0.0


def test_points_on_a_line_are_walked_in_order() -> None:
    points = [(HUE[0] + 0.001 * k, HUE[1]) for k in (5, 1, 4, 2, 3)]
    assert order_route(HUE, points) == [1, 3, 4, 2, 0]


def test_untangles_a_crossing() -> None:
    # Nearest neighbour from the start goes to the close middle stop and then zig-zags.
    points = [(HUE[0], HUE[1] + 0.01), (HUE[0] + 0.0101, HUE[1]), (HUE[0] + 0.01, HUE[1] + 0.01)]
    nn = nearest_neighbour_order(HUE, points)
    best = order_route(HUE, points)
    assert route_length(HUE, points, best) <= route_length(HUE, points, nn)
    assert route_length(HUE, points, best) == pytest.approx(brute_force_length(HUE, points))


def test_refuses_bad_coordinates() -> None:
    with pytest.raises(ValueError):
        order_route(HUE, [(float("nan"), 107.0)])
    with pytest.raises(ValueError):
        order_route((91.0, 107.0), [HUE])
    with pytest.raises(ValueError):
        route_length(HUE, [HUE], [1])


@given(points=stops)
@settings(max_examples=60, deadline=None)
def test_order_is_a_permutation_never_longer_than_nearest_neighbour(
    points: list[tuple[float, float]],
) -> None:
    order = order_route(HUE, points)
    assert sorted(order) == list(range(len(points)))
    nn = nearest_neighbour_order(HUE, points)
    assert sorted(nn) == list(range(len(points)))
    assert route_length(HUE, points, order) <= route_length(HUE, points, nn) + 1e-6


@pytest.mark.parametrize("seed", range(12))
def test_within_ten_percent_of_optimum_for_eight_stops(seed: int) -> None:
    points = random_stops(random.Random(seed), 8)
    found = route_length(HUE, points, order_route(HUE, points))
    optimum = brute_force_length(HUE, points)
    assert optimum <= found + 1e-6
    assert found <= optimum * 1.10


def test_two_hundred_stops_stay_a_permutation() -> None:
    points = random_stops(random.Random(200), 200)
    order = order_route(HUE, points)
    assert sorted(order) == list(range(200))
    assert route_length(HUE, points, order) <= route_length(
        HUE, points, nearest_neighbour_order(HUE, points)
    )
