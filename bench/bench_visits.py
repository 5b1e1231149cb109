"""Time visit batches: 500-visit batches into a synthetic commune of a few thousand households.

Seeds one commune (20 hamlets with boundaries, --households households, 1-5 residents each)
in a fresh SQLite file, and in PostgreSQL when BENCH_DATABASE_URL is set (its public schema is
dropped and rebuilt, so the database name must contain "bench"). Then posts
--batches batches of --size visits through the in-process test client (no network) and
prints visits per second and the median and p95 time per batch.

With --province the batches go to the goal province instead (bench/province.py: 1,000,000
households, 3,000,000 residents, 2,000,000 visits), on PostgreSQL only, kept on
BENCH_DATABASE_URL between runs (loaded when missing): an officer of its first commune posts
visits to that commune's households, so every write, index and rule meets the province's
tables. Each run adds its visits to the province, as bench_http.py --province does.

Run: .venv/bin/python bench/bench_visits.py [--households 3000] [--batches 8] [--size 500]
     BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench_province \
     .venv/bin/python bench/bench_visits.py --province [--batches 8]
"""

from __future__ import annotations

import argparse
import os
import random
import runpy
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import province  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from figures import Figure, Statements, database_version, record, within  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.auth import service as auth_service  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.extensions import db  # noqa: E402
from app.people.models import Household, Resident  # noqa: E402
from app.text import fold  # noqa: E402
from app.units.models import Unit  # noqa: E402

CENTRE = (16.066, 107.717)
HAMLETS = 20
MAX_BATCHES = 50
NAMES = ["Hồ Văn", "Lê Thị", "Trần Văn", "Nguyễn Thị", "Phan Văn", "Đặng Thị", "A Lăng"]
GIVEN = ["Nhờ", "Mai", "Lan", "Tư", "Hoa", "Đức", "Bình", "Xuân", "Thu", "Nam", "Sơn", "Hà"]


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def square(lat: float, lon: float, half: float) -> dict:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def seed(households: int, rng: random.Random) -> tuple[dict, list[tuple[int, list[int]]]]:
    """Create the commune, an officer with a token, households and residents (bulk inserts)."""
    province = Unit(code="46", name="Thành phố Huế", name_folded="thanh pho hue", level="province")
    db.session.add(province)
    db.session.flush()
    province.province_id = province.id
    commune = Unit(
        code="20179",
        name="Xã Nam Đông",
        name_folded="xa nam dong",
        level="commune",
        parent_id=province.id,
        province_id=province.id,
        centroid_lat=CENTRE[0],
        centroid_lon=CENTRE[1],
    )
    db.session.add(commune)
    db.session.flush()
    hamlets = []
    for i in range(HAMLETS):
        lat = CENTRE[0] + (i // 5) * 0.02
        lon = CENTRE[1] + (i % 5) * 0.02
        hamlet = Unit(
            code=f"20179-{i + 1:03d}",
            name=f"Thôn {i + 1}",
            name_folded=f"thon {i + 1}",
            level="hamlet",
            parent_id=commune.id,
            province_id=province.id,
            geometry=square(lat, lon, 0.0099),
            centroid_lat=lat,
            centroid_lon=lon,
        )
        db.session.add(hamlet)
        hamlets.append(hamlet)
    db.session.flush()
    officer = auth_service.create_user(
        username="bench", password="bench-pass", role="officer", unit_code="20179"
    )
    raw, _ = auth_service.issue_token(officer)
    db.session.commit()

    rows = []
    for n in range(households):
        hamlet = hamlets[n % HAMLETS]
        lat = hamlet.centroid_lat + rng.uniform(-0.008, 0.008)
        lon = hamlet.centroid_lon + rng.uniform(-0.008, 0.008)
        rows.append(
            {
                "code": f"HO-{n:06d}",
                "address": f"{hamlet.name}, xã Nam Đông",
                "search_text": fold(f"{hamlet.name} xa nam dong"),
                "lat": lat,
                "lon": lon,
                "location_source": "known",
                "source": "list",
                "hamlet_id": hamlet.id,
                "commune_id": commune.id,
                "province_id": province.id,
            }
        )
    db.session.execute(sa.insert(Household), rows)
    ids = db.session.execute(sa.select(Household.id, Household.hamlet_id)).all()
    people = []
    for household_id, hamlet_id in ids:
        for _ in range(rng.randint(1, 5)):
            name = f"{rng.choice(NAMES)} {rng.choice(GIVEN)}"
            year = rng.randint(1940, 2015)
            people.append(
                {
                    "household_id": household_id,
                    "full_name": name,
                    "name_folded": fold(name),
                    "birth_year": year,
                    "birth_date": datetime(year, rng.randint(1, 12), rng.randint(1, 28)).date(),
                    "sex": rng.choice(["male", "female"]),
                    "presence": "present",
                    "id_card": "not_collected",
                    "eid": "none",
                    "version": 1,
                    "hamlet_id": hamlet_id,
                    "commune_id": commune.id,
                    "province_id": province.id,
                }
            )
    db.session.execute(sa.insert(Resident), people)
    db.session.commit()
    members: dict[int, list[int]] = {}
    for rid, hid in db.session.execute(sa.select(Resident.id, Resident.household_id)):
        members.setdefault(hid, []).append(rid)
    located = {h.id: (h.lat, h.lon) for h in db.session.scalars(sa.select(Household))}
    headers = {"Authorization": f"Bearer {raw}"}
    return {"headers": headers, "located": located}, list(members.items())


def visit(rng: random.Random, household: tuple[int, list[int]], located: dict) -> dict:
    """A plausible visit: everyone seen, statuses moving forward, sometimes a newcomer."""
    household_id, residents = household
    lat, lon = located[household_id]
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": household_id,
        "visited_at": (datetime.now(UTC) - timedelta(hours=rng.uniform(1, 48))).isoformat(),
        "location": {
            "lat": lat + rng.gauss(0, 0.0004),
            "lon": lon + rng.gauss(0, 0.0004),
            "accuracy_m": rng.choice([5, 10, 15, 30, 120]),
        },
        "outcome": "met",
        "residents": [
            {
                "resident_id": rid,
                "presence": "present",
                "id_card": rng.choice(["not_collected", "collected", "issued"]),
                "eid": rng.choice(["none", "level1", "level2_applied"]),
                "has_smartphone": rng.random() < 0.7,
            }
            for rid in residents
        ],
    }
    if rng.random() < 0.05:
        body["new_residents"] = [
            {
                "full_name": f"Hồ Văn {rng.choice(GIVEN)}",
                "date_of_birth": str(rng.randint(1950, 2020)),
            }
        ]
    return body


def plain_rows(items: list[dict], homes_units: dict, officer_id: int) -> float:
    """The limit: the batch's rows (visit, a row per resident seen, a status change per
    resident) inserted with executemany in one transaction; answer the seconds."""
    from app.people.models import StatusChange
    from app.visits.models import Visit, VisitResident

    now = datetime.now(UTC)
    visits = [
        {
            "client_id": f"plain-{uuid.uuid4().hex}", "body_hash": "0" * 64,
            "household_id": item["household_id"], "officer_id": officer_id,
            "visited_at": datetime.fromisoformat(item["visited_at"]), "received_at": now,
            "outcome": item["outcome"], "lat": item["location"]["lat"],
            "lon": item["location"]["lon"], "accuracy_m": item["location"]["accuracy_m"],
            "flags": [], "flagged": False, "note": "", "body": item,
            **homes_units[item["household_id"]],
        }
        for item in items
    ]  # fmt: skip
    started = time.perf_counter()
    with db.engine.begin() as conn:
        ids = conn.scalars(
            sa.insert(Visit).returning(Visit.id, sort_by_parameter_order=True), visits
        ).all()
        seen = [
            {"visit_id": vid, "resident_id": r["resident_id"], "presence": r["presence"],
             "id_card": r["id_card"], "eid": r["eid"], "has_smartphone": r["has_smartphone"],
             "is_new": False}
            for vid, item in zip(ids, items, strict=True) for r in item["residents"]
        ]  # fmt: skip
        conn.execute(sa.insert(VisitResident), seen)
        changes = [
            {"resident_id": r["resident_id"], "visit_id": r["visit_id"], "user_id": officer_id,
             "field": "id_card", "old_value": "not_collected", "new_value": r["id_card"],
             "at": now}
            for r in seen
        ]  # fmt: skip
        conn.execute(sa.insert(StatusChange), changes)
    return time.perf_counter() - started


PROVINCE_COMMUNE = str(province.FIRST_COMMUNE)  # the officer's commune: the first


def in_province(url: str, households: int) -> tuple[dict, list[tuple[int, list[int]]]]:
    """Keep (or load) a province of this many households, made as the goal province is; have
    an officer of its first commune with a token; answer run's context and that commune's
    households with their residents."""
    province.ensure(url, province.Size(households=households))
    commune = db.session.scalar(sa.select(Unit).where(Unit.code == PROVINCE_COMMUNE))
    officer = db.session.scalar(sa.select(User).where(User.username == "bench"))
    if officer is None:
        officer = auth_service.create_user(
            username="bench", password="bench-pass", role="officer", unit_code=PROVINCE_COMMUNE
        )
    raw, _ = auth_service.issue_token(officer)
    db.session.commit()
    located, members = {}, {}
    for hid, lat, lon in db.session.execute(
        sa.select(Household.id, Household.lat, Household.lon)
        .where(Household.commune_id == commune.id)
    ):  # fmt: skip
        located[hid] = (lat, lon)
    for rid, hid in db.session.execute(
        sa.select(Resident.id, Resident.household_id)
        .where(Resident.commune_id == commune.id)
        .order_by(Resident.id)
    ):  # fmt: skip
        members.setdefault(hid, []).append(rid)
    return {"headers": {"Authorization": f"Bearer {raw}"}, "located": located}, list(
        members.items()
    )


def run(url: str, households: int, batches: int, size: int, seed_value: int, goal: int = 0) -> dict:
    """Seed a database (or keep a province of `goal` households), post the batches, return
    the timings."""
    rng = random.Random(seed_value)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        started = time.perf_counter()
        if goal:
            context, homes = in_province(url, goal)
        else:
            if url.startswith("postgresql"):
                if "bench" not in (sa.engine.make_url(url).database or ""):
                    sys.exit("refusing to reset a PostgreSQL database whose name lacks 'bench'")
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                    conn.execute(sa.text("CREATE SCHEMA public"))
            upgrade(directory=str(ROOT / "migrations"))
            context, homes = seed(households, rng)
        seeded = time.perf_counter() - started
        residents = db.session.scalar(sa.select(sa.func.count(Resident.id)))
        homes_units = {
            hid: {"hamlet_id": h, "commune_id": c, "province_id": p}
            for hid, h, c, p in db.session.execute(
                sa.select(Household.id, Household.hamlet_id, Household.commune_id,
                          Household.province_id)
                .where(Household.id.in_([hid for hid, _members in homes]))
            )
        }  # fmt: skip
        officer_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = 'bench'"))
        db.session.remove()

    def limit() -> float:
        chosen = rng.sample(homes, min(size, len(homes)))
        items = [visit(rng, home, context["located"]) for home in chosen]
        with app.app_context():
            return plain_rows(items, homes_units, officer_id)

    limits = [limit()]
    # Each request gets its own app context and session, as in production; the process's
    # garbage collector set as a gunicorn worker's (gunicorn.conf.py).
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))["post_worker_init"](None)
    client = app.test_client()
    times, created, statements, spent = [], 0, Statements(), []
    with app.app_context():
        statements.listen(db.engine)  # the batches' statements: the database's share
    for _ in range(batches):
        chosen = rng.sample(homes, min(size, len(homes)))
        items = [visit(rng, home, context["located"]) for home in chosen]
        statements.kinds.clear()
        statements.on, started = True, time.perf_counter()
        response = client.post(
            "/api/v1/visits/batch", json={"visits": items}, headers=context["headers"]
        )
        times.append(time.perf_counter() - started)
        statements.on = False
        spent.append(statements.wall())
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        created += sum(r["status"] == "created" for r in response.get_json()["results"])
    limits.append(limit())
    with app.app_context():
        db.engine.dispose()
    return {
        "seeded_s": seeded,
        "residents": residents,
        "times": times,
        "created": created,
        "limit": statistics.mean(limits),
        "statements": spent,
        "homes": homes,
    }


def main() -> None:
    """Run on SQLite, and on PostgreSQL when a URL is given; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-followups",
        action="store_true",
        help="skip the follow-up rules, to time visit capture alone",
    )
    parser.add_argument(
        "--province",
        action="store_true",
        help="post to the goal province kept on BENCH_DATABASE_URL (PostgreSQL only)",
    )
    parser.add_argument(
        "--province-households",
        type=int,
        default=province.GOAL.households,
        help="with --province: its households (the goal's by default; fewer for a check)",
    )
    args = parser.parse_args()
    if args.no_followups:
        from app.followups import service

        service.on_visit = lambda *_args, **_details: ([], [])  # what visit_recorded calls
    batches = min(max(args.batches, 1), MAX_BATCHES)
    size = min(max(args.size, 1), 500)
    targets = []
    figures = []
    databases = {}
    with tempfile.TemporaryDirectory() as tmp:
        pg = os.environ.get("BENCH_DATABASE_URL")
        if args.province and not (pg or "").startswith("postgresql"):
            sys.exit("--province needs BENCH_DATABASE_URL (PostgreSQL)")
        if not args.province:
            targets.append(("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
        if pg:
            targets.append(("postgresql", pg))
        where = ", the province" if args.province else ""
        goal = province.kept_households(args.province_households) if args.province else 0
        for name, url in targets:
            result = run(url, args.households, batches, size, args.seed, goal=goal)
            times = result["times"]
            total = sum(times)
            where_seeded = (
                f"the province ({goal:,} households), its first commune's {len(result['homes'])}"
                if args.province
                else f"{args.households} households"
            )
            print(
                f"{name}{' (no follow-up rules)' if args.no_followups else ''}: {where_seeded}, "
                f"{result['residents']} residents "
                f"(seeded in {result['seeded_s']:.1f} s); {batches} batches x {size} visits: "
                f"{result['created']} created, {result['created'] / total:.0f} visits/s, "
                f"batch median {statistics.median(times):.2f} s, "
                f"p95 {percentile(times, 0.95):.2f} s, max {max(times):.2f} s; its statements "
                f"{statistics.median(result['statements']):.2f} s of the median batch, "
                f"{statistics.median(result['statements']) / result['limit']:.1f}x the limit"
            )
            median = statistics.median(times)
            databases[name] = database_version(url)
            figures.append(
                Figure(
                    f"POST /visits/batch of {size}{where} (median)",
                    median,
                    "s",
                    "executemany, one transaction",
                    result["limit"],
                    "<= 5 s and <= 3x limit",
                    within(median, at_most=5.0, limit=result["limit"], ratio_at_most=3.0),
                    "PostgreSQL" if name == "postgresql" else "SQLite",
                )
            )
    record(figures, databases=databases)


if __name__ == "__main__":
    main()
