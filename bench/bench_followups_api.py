"""Time an officer's "today" list: GET /api/v1/followups?mine=1&status=open&near=<lat>,<lon>.

One officer has 200 open follow-ups (5 % urgent, 10 % overdue, 10 % without a location) over
about 5 km; the commune around holds many more for other officers (default 20,000), so the
filter has to use its index. The request runs in-process through the Flask test client (JSON
parsing, scope, query, route ordering, serialisation; no network), on a fresh SQLite file and,
when BENCH_DATABASE_URL is set, on that PostgreSQL database too (emptied first: its name must
contain "bench").

Run: .venv/bin/python bench/bench_followups_api.py [--stops 200] [--others 20000] [--runs 50]
     BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench_followups ...
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from figures import Figure, database_version, record, within  # noqa: E402

CENTRE = (16.4637, 107.5909)
HALF_SPAN = (0.0225, 0.0235)  # about 5 km by 5 km
HAMLETS = 5
CHUNK = 5000


def _reset_postgres(url: str) -> None:
    if "bench" not in url:
        sys.exit("BENCH_DATABASE_URL must name a database with 'bench' in it (it is emptied).")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _load(db: Any, stops: int, others: int, seed: int) -> dict[str, int]:
    """Insert units, two officers, households and follow-ups with bulk statements."""
    from app.auth.models import User
    from app.clock import today_in_vietnam as today
    from app.common import utcnow
    from app.followups.models import Followup
    from app.people.models import Household
    from app.units.models import Unit

    rng = random.Random(seed)
    now, day = utcnow(), today()
    unit = {"source": "bench", "created_at": now, "updated_at": now}
    db.session.execute(
        sa.insert(Unit),
        [
            {"id": 1, "code": "46", "name": "Huế", "name_folded": "hue", "level": "province",
             "province_id": 1, **unit},
            {"id": 2, "code": "20179", "name": "Nam Đông", "name_folded": "nam dong",
             "level": "commune", "parent_id": 1, "province_id": 1, **unit},
        ]
        + [
            {"id": 10 + i, "code": f"20179-{i:03d}", "name": f"Thôn {i}",
             "name_folded": f"thon {i}", "level": "hamlet", "parent_id": 2, "province_id": 1,
             **unit}
            for i in range(1, HAMLETS + 1)
        ],
    )  # fmt: skip
    db.session.execute(
        sa.insert(User),
        [
            {"id": 1, "username": "bench-officer", "password_hash": "x", "role": "officer",
             "unit_id": 2, "full_name": "Cán bộ", "created_at": now},
            {"id": 2, "username": "bench-other", "password_hash": "x", "role": "officer",
             "unit_id": 2, "full_name": "Cán bộ khác", "created_at": now},
        ],
    )  # fmt: skip
    total = stops + others
    households, followups = [], []
    for i in range(1, total + 1):
        hamlet = 10 + 1 + i % HAMLETS
        placed = rng.random() >= 0.1
        lat = CENTRE[0] + rng.uniform(-HALF_SPAN[0], HALF_SPAN[0]) if placed else None
        lon = CENTRE[1] + rng.uniform(-HALF_SPAN[1], HALF_SPAN[1]) if placed else None
        scope = {"hamlet_id": hamlet, "commune_id": 2, "province_id": 1}
        households.append(
            {"id": i, "code": f"HO-{i}", "address": f"Số {i}, thôn {hamlet - 10}", "lat": lat,
             "lon": lon, "search_text": "", "source": "bench", "created_at": now,
             "updated_at": now, **scope}
        )  # fmt: skip
        draw = rng.random()
        due = day - timedelta(days=2) if draw < 0.10 else day + timedelta(days=rng.randint(0, 7))
        followups.append(
            {"id": i, "kind": "id_capture", "rule": "id_capture", "status": "open",
             "reason": "Chưa thu nhận hồ sơ cấp thẻ căn cước.", "priority": 0 if draw > 0.95 else 2,
             "due_date": due, "household_id": i, "assignee_id": 1 if i <= stops else 2,
             "needs_village_head": False, "attempts": 0, "lat": lat, "lon": lon,
             "created_at": now, **scope}
        )  # fmt: skip
    for rows, model in ((households, Household), (followups, Followup)):
        for start in range(0, len(rows), CHUNK):
            db.session.execute(sa.insert(model), rows[start : start + CHUNK])
    db.session.commit()
    return {"households": total, "followups": total, "mine": stops}


def _figures(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def _time(client: Any, url: str, headers: dict, runs: int) -> tuple[tuple, tuple, Any]:
    """Return (wall median, p95), (CPU median, p95) in ms, and the last answer."""
    client.get(url, headers=headers)  # warm-up: first query plans, caches
    wall, cpu, body = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
    return _figures(wall), _figures(cpu), body


def run(url: str, args: argparse.Namespace) -> tuple[list[str], dict[str, float]]:
    """Load one database and time the list with and without `near`."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth import service as auth_service
    from app.auth.models import User
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
    lines = []
    medians: dict[str, float] = {}
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        start = time.perf_counter()
        counts = _load(db, args.stops, args.others, args.seed)
        lines.append(f"load   {time.perf_counter() - start:.1f} s  {counts}")
        raw, _token = auth_service.issue_token(db.session.get(User, 1))
        db.session.commit()
        headers = {"Authorization": f"Bearer {raw}"}
        client = app.test_client()
        base = "/api/v1/followups?mine=1&status=open&per_page=200"
        here = f"&near={CENTRE[0]},{CENTRE[1]}"
        for label, path in (("near", base + here), ("plain", base)):
            (median, p95), (cpu, cpu_p95), body = _time(client, path, headers, args.runs)
            walked = sum(i["distance_m"] or 0 for i in body["items"])
            medians[label] = median
            lines.append(
                f"{label:<6} wall median {median:6.1f} ms  p95 {p95:6.1f} ms | "
                f"cpu median {cpu:6.1f} ms  p95 {cpu_p95:6.1f} ms | "
                f"items {len(body['items'])}/{body['total']}"
                + (f", route {walked / 1000:.1f} km" if label == "near" else "")
            )
        db.session.remove()
        db.engine.dispose()
    return lines, medians


def main() -> None:
    """Parse the sizes, run on SQLite (and PostgreSQL when asked), print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=200)
    parser.add_argument("--others", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.stops <= 500 or not 0 <= args.others <= 1_000_000:
        parser.error("--stops must be 1..500 (the route limit), --others 0..1,000,000")
    os.environ.setdefault("RATELIMIT_ENABLED", "0")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if os.environ.get("BENCH_DATABASE_URL"):
            _reset_postgres(os.environ["BENCH_DATABASE_URL"])
            targets.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
        for name, url in targets:
            print(f"== {name}: GET /api/v1/followups?mine=1&status=open&near=… ({args.runs} runs)")
            lines, medians = run(url, args)
            for line in lines:
                print("  " + line)
            backend = "PostgreSQL" if name == "postgresql" else "SQLite"
            record(
                [
                    Figure(
                        f"GET /followups?mine=1&near= ({args.stops} stops, median)",
                        medians["near"], "ms", "the same list without near", medians["plain"],
                        "< 200 ms", within(medians["near"], at_most=200), backend,
                    )
                ],
                databases={name: database_version(url)},
            )  # fmt: skip


if __name__ == "__main__":
    main()
