"""Time the walking-route ordering for an officer's day: 200 random stops in about 5 km.

Run: .venv/bin/python bench/bench_route.py [--stops 200] [--runs 30] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, record, within

from app.followups.walking import (
    nearest_neighbour_order,
    order_route,
    route_length,
)

# A commune centre in Thừa Thiên Huế; ±0.0225° latitude and ±0.0235° longitude is about 5 km.
CENTRE = (16.4637, 107.5909)
HALF_SPAN = (0.0225, 0.0235)
MAX_RUNS = 1000


def random_day(rng: random.Random, stops: int) -> tuple[tuple[float, float], list]:
    """Return a start and random stops spread over about 5 km x 5 km."""

    def jitter() -> tuple[float, float]:
        return (
            CENTRE[0] + rng.uniform(-HALF_SPAN[0], HALF_SPAN[0]),
            CENTRE[1] + rng.uniform(-HALF_SPAN[1], HALF_SPAN[1]),
        )

    return jitter(), [jitter() for _ in range(stops)]


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def main() -> None:
    """Run the benchmark and print timings and route quality."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    runs = min(max(args.runs, 1), MAX_RUNS)
    rng = random.Random(args.seed)

    start, points = random_day(rng, args.stops)
    order_route(start, points)  # warm up imports and numpy

    timings_ms, cpu_ms, gains, plain_ms = [], [], [], []
    for _ in range(runs):
        start, points = random_day(rng, args.stops)
        began, began_cpu = time.perf_counter(), time.process_time()
        order = order_route(start, points)
        timings_ms.append((time.perf_counter() - began) * 1000)
        cpu_ms.append((time.process_time() - began_cpu) * 1000)
        began = time.perf_counter()
        plain = nearest_neighbour_order(start, points)
        plain_ms.append((time.perf_counter() - began) * 1000)
        nn = route_length(start, points, plain)
        gains.append(1 - route_length(start, points, order) / nn)

    print(f"order_route: {args.stops} stops in ~5 km, {runs} runs")
    for label, values in (("wall", timings_ms), ("cpu ", cpu_ms)):
        print(
            f"  {label}  median {statistics.median(values):.1f} ms"
            f"   p95 {percentile(values, 0.95):.1f} ms   max {max(values):.1f} ms"
        )
    print(
        f"  route shorter than plain nearest neighbour by {statistics.mean(gains):.1%} on average"
    )
    median = statistics.median(timings_ms)
    record(
        [
            Figure(
                f"walking route, {args.stops} stops (median)",
                median,
                "ms",
                "nearest neighbour alone",
                statistics.median(plain_ms),
                "< 200 ms",
                within(median, at_most=200),
            )
        ]
    )


if __name__ == "__main__":
    main()
