"""Where a single visit's time goes, in process: CPU and Python calls per visit, and each SQL
statement kind it sends. A diagnostic beside bench_http.py, with no target: nothing is added
to bench/results.json; docs/BENCHMARKS.md quotes its figures.

On PostgreSQL only (BENCH_DATABASE_URL; the database name must contain "bench"). Loads
bench_http.py's commune afresh (households of 3 residents), signs in its officer, posts 30
visits to warm up and then --visits single visits of bench_http.py's body (3 residents with
status changes, one correction) through the test client (no network), and prints the CPU time
(process time) and wall time per visit, the statements and flushes per visit, and per kind of
statement its count per visit, the client's CPU and the wall time it took. A second pass of
as many visits runs under cProfile and prints the Python calls per visit (`--no-calls` skips
it), the measure that moves least with the machine's load.

Run: BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench \\
     .venv/bin/python bench/profile_visits.py [--visits 300] [--no-calls]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_http  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from figures import Statements  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

MAX_VISITS = 5000


def post(client: Any, headers: dict, bodies: list[dict]) -> None:
    for body in bodies:
        answer = client.post("/api/v1/visits", json=body, headers=headers)
        if answer.status_code != 201:
            raise RuntimeError(f"visit refused: {answer.status_code} {answer.get_json()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--no-calls", action="store_true")
    parser.add_argument(
        "--top",
        type=int,
        default=0,
        help="also print the N functions with the most own time, then cumulative",
    )
    args = parser.parse_args()
    visits = min(max(args.visits, 10), MAX_VISITS)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql") or "bench" not in url.rsplit("/", 1)[-1]:
        print("skipped: needs BENCH_DATABASE_URL, a PostgreSQL database named *bench*")
        return
    with contextlib.redirect_stdout(io.StringIO()):
        data = bench_http.prepare(url, 3000)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "profile-" * 4,
                      "RATELIMIT_ENABLED": False})  # fmt: skip
    client = app.test_client()
    officer = {"username": "bench-http", "password": bench_http.PASSWORD}
    answer = client.post("/api/v1/auth/token", json=officer)
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    rng = random.Random(5)
    bodies = [bench_http.visit_body(rng, rng.choice(data["homes"]), data["residents_per"])
              for _ in range(30 + 2 * visits)]  # fmt: skip
    post(client, headers, bodies[:30])
    seen = Statements()
    with app.app_context():
        seen.listen(db.engine)
    sa.event.listen(Session, "after_flush", seen.flushed)
    seen.on = True
    cpu, wall = time.process_time(), time.perf_counter()
    post(client, headers, bodies[30 : 30 + visits])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    seen.on = False
    sa.event.remove(Session, "after_flush", seen.flushed)
    report(visits, cpu, wall, seen)
    if not args.no_calls:
        profile = cProfile.Profile()
        profile.runcall(post, client, headers, bodies[30 + visits :])
        calls = sum(entry[1] for entry in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]
        print(f"  Python calls per visit (cProfile, a second pass): {calls / visits:,.0f}")
        if args.top:
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
                print(out.getvalue())


def report(visits: int, cpu: float, wall: float, seen: Statements) -> None:
    sent = sum(kind[0] for kind in seen.kinds.values())
    print(f"  {visits} single visits [PostgreSQL]: CPU {cpu / visits * 1000:.2f} ms per visit, "
          f"wall {wall / visits * 1000:.2f} ms; {sent / visits:.1f} statements and "
          f"{seen.flushes / visits:.2f} flushes per visit")  # fmt: skip
    print("  per visit   client CPU   wall   statement")
    for name, (count, cpu_s, wall_s) in sorted(seen.kinds.items(), key=lambda kv: -kv[1][2]):
        print(f"  {count / visits:9.2f}  {cpu_s / count * 1000:8.3f} ms  "
              f"{wall_s / count * 1000:6.3f} ms  {name}")  # fmt: skip


if __name__ == "__main__":
    main()
