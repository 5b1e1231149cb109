"""Build the goal province on PostgreSQL with COPY: households, residents, visits and the rest.

The default size is the province of issue 17: 1,000,000 households of 3 residents in 3,000
hamlets (300 communes of 10), 2,000,000 visits, status changes, follow-ups, corrections and a
campaign; every size scales with --households. Rows are generated in Python in chunks and sent
with psycopg's COPY FROM STDIN, so memory stays flat. A province already there with the same
size and seed is kept (a row in `bench_meta` says so); --rebuild drops the schema and loads
it again.

The load runs with `session_replication_role = replica` on its connection (the benchmark
connects as the superuser): triggers (foreign-key checks, markers of changed hamlets) do not
fire for the rows copied, so `after_load` rebuilds what those triggers would have kept.

Run: .venv/bin/python bench/province.py [--households 1000000] [--rebuild]
     BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench ...
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

FORMAT = 1  # bump when the generated rows change: an older province is then rebuilt
PROVINCE = "99"
PROVINCE_ID = 1
OFFICER_ID = 2
BASE = (16.0, 107.0)  # a corner of the synthetic province
HAMLET_DEG = 0.02  # each hamlet a 2 km square
CHUNK = 50_000
MAX_HOUSEHOLDS = 2_000_000
MIN_KEPT = 1000  # the smallest province the scripts keep for a check (`kept_households`)
FIRST_COMMUNE = 90000  # the code of the first commune; the others follow it
OUTCOMES = ("met",) * 8 + ("nobody_home", "refused")
PRESENCE = ("present",) * 8 + ("away_working", "moved")
ID_CARD = ("issued",) * 5 + ("collected",) * 2 + ("not_collected",) * 3
EID = ("level2_active",) * 3 + ("level1", "level2_applied", "none", "none")
DAY_MINUTES = 60 * 24


@dataclass(frozen=True)
class Size:
    """How big the province is; everything else follows from the household count."""

    households: int = 1_000_000
    hamlets_per_commune: int = 10
    residents_per: int = 3
    visits_per: float = 2.0
    seed: int = 6  # bench_coverage.py's default: its --full run finds this province
    hamlet_count: int = 0  # 0: one hamlet per 333 households, as in the goal province

    @property
    def hamlets(self) -> int:
        wanted = self.hamlet_count or round(self.households / 333.33)
        return max(self.hamlets_per_commune, wanted)

    @property
    def communes(self) -> int:
        return max(1, self.hamlets // self.hamlets_per_commune)

    @property
    def per_hamlet(self) -> int:
        return max(1, self.households // (self.communes * self.hamlets_per_commune))

    @property
    def total_households(self) -> int:
        return self.per_hamlet * self.communes * self.hamlets_per_commune

    @property
    def visits(self) -> int:
        return int(self.total_households * self.visits_per)

    def fingerprint(self) -> str:
        return (
            f"format={FORMAT};households={self.total_households};communes={self.communes};"
            f"hamlets={self.hamlets_per_commune};residents={self.residents_per};"
            f"visits={self.visits};seed={self.seed}"
        )


# The goal province (issue 17): what `make bench-province` measures, kept between runs.
GOAL = Size()


def kept_households(households: int) -> int:
    """A province size asked of a script, within what the scripts keep."""
    return min(max(households, MIN_KEPT), MAX_HOUSEHOLDS)


# The benchmarks' database when BENCH_DATABASE_URL is not set (`make bench-province`'s).
BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench"


def province_url(url: str | None = None) -> str:
    """The database kept for the goal province: BENCH_PROVINCE_URL, or the name of `url` (else
    of BENCH_DATABASE_URL, else of BENCH_URL) with "_province"."""
    if os.environ.get("BENCH_PROVINCE_URL"):
        return os.environ["BENCH_PROVINCE_URL"]
    target = sa.engine.make_url(url or os.environ.get("BENCH_DATABASE_URL") or BENCH_URL)
    return target.set(database=f"{target.database}_province").render_as_string(False)


def _square(lat: float, lon: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _text(value: Any) -> str:
    """One value in COPY's text format (the generated values hold no tab, newline or \\)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Generator:
    """The province's rows, table by table, computed from ids (no lists kept in memory)."""

    def __init__(self, size: Size) -> None:
        self.size = size
        self.rng = random.Random(size.seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        side = max(int(size.communes**0.5), 1)
        h_side = max(int(size.hamlets_per_commune**0.5 + 0.999), 1)
        self.commune_side, self.hamlet_side = side, h_side
        self.reach = [self.rng.uniform(0.3, 0.95) for _ in range(size.communes)]

    # Ids: the province is 1, commune c (0-based) is 2 + c * (per + 1), its hamlet h follows.
    def commune_id(self, c: int) -> int:
        return 2 + c * (self.size.hamlets_per_commune + 1)

    def hamlet_of(self, household_id: int) -> tuple[int, int]:
        """(hamlet id, commune id) of a household id."""
        index = (household_id - 1) // self.size.per_hamlet
        c, h = divmod(index, self.size.hamlets_per_commune)
        return self.commune_id(c) + 1 + h, self.commune_id(c)

    def corner(self, c: int, h: int) -> tuple[float, float]:
        step = HAMLET_DEG * (self.hamlet_side + 1)
        lat = BASE[0] + (c // self.commune_side) * step + (h // self.hamlet_side) * HAMLET_DEG
        lon = BASE[1] + (c % self.commune_side) * step + (h % self.hamlet_side) * HAMLET_DEG
        return lat, lon

    def units(self) -> Iterator[tuple]:
        now = self.now
        yield (PROVINCE_ID, PROVINCE, "Tỉnh Thử Nghiệm", "tinh thu nghiem", "province", None,
               None, PROVINCE_ID, BASE[0] + 0.3, BASE[1] + 0.3, None, "bench", now,
               now)  # fmt: skip
        for c in range(self.size.communes):
            cid, code = self.commune_id(c), f"{FIRST_COMMUNE + c}"
            lat, lon = self.corner(c, 0)
            yield (cid, code, f"Xã Thử {c + 1}", f"xa thu {c + 1}", "commune", None, PROVINCE_ID,
                   PROVINCE_ID, lat + HAMLET_DEG, lon + HAMLET_DEG, None, "bench", now,
                   now)  # fmt: skip
            for h in range(self.size.hamlets_per_commune):
                lat, lon = self.corner(c, h)
                geometry = _square(lat, lon, HAMLET_DEG) if h % 5 else None
                yield (cid + 1 + h, f"{code}-{h + 1:03d}", f"Thôn {h + 1}", f"thon {h + 1}",
                       "hamlet", "thôn", cid, PROVINCE_ID, lat + HAMLET_DEG / 2,
                       lon + HAMLET_DEG / 2, geometry, "bench", now, now)  # fmt: skip

    def users(self) -> Iterator[tuple]:
        yield (1, "bench-admin", "x", "Bench", "admin", PROVINCE_ID, False, True, False,
               self.now, "bench bench-admin")  # fmt: skip
        yield (OFFICER_ID, "bench-officer", "x", "Bench", "officer", self.commune_id(0), False,
               True, False, self.now, "bench bench-officer")  # fmt: skip

    def households(self) -> Iterator[tuple]:
        rng, now = self.rng, self.now
        for hid in range(1, self.size.total_households + 1):
            hamlet_id, commune_id = self.hamlet_of(hid)
            index = (hid - 1) // self.size.per_hamlet
            lat, lon = self.corner(*divmod(index, self.size.hamlets_per_commune))
            yield (hid, f"HO-{hid:07d}", f"Số {hid}", f"so {hid}",
                   round(lat + rng.uniform(0.001, HAMLET_DEG - 0.001), 6),
                   round(lon + rng.uniform(0.001, HAMLET_DEG - 0.001), 6), "known", "list",
                   "family", hamlet_id, commune_id, PROVINCE_ID, now, now)  # fmt: skip

    def residents(self) -> Iterator[tuple]:
        rng, now, per = self.rng, self.now, self.size.residents_per
        for hid in range(1, self.size.total_households + 1):
            hamlet_id, commune_id = self.hamlet_of(hid)
            for k in range(per):
                rid = (hid - 1) * per + k + 1
                year = rng.randint(1935, 2024)
                born = date(year, rng.randint(1, 12), rng.randint(1, 28))
                yield (rid, hid, f"Người {rid}", f"nguoi {rid}",
                       born if rng.random() < 0.8 else None, year, rng.choice(("male", "female")),
                       rng.choice(PRESENCE), rng.choice(ID_CARD), rng.choice(EID), False, False,
                       "permanent", 1, hamlet_id, commune_id, PROVINCE_ID, now, now)  # fmt: skip

    def visited(self, hid: int) -> bool:
        """Whether a household is among the visited ones (its commune's reach)."""
        commune_index = (hid - 1) // (self.size.per_hamlet * self.size.hamlets_per_commune)
        return (hid * 2654435761 % 1000) / 1000 < self.reach[commune_index]

    def visits(self) -> Iterator[tuple]:
        rng, now, n = self.rng, self.now, self.size.total_households
        for vid in range(1, self.size.visits + 1):
            hid = rng.randint(1, n)
            while not self.visited(hid):
                hid = rng.randint(1, n)
            hamlet_id, commune_id = self.hamlet_of(hid)
            flagged = rng.random() < 0.03
            yield (vid, f"bench-{vid}", "0" * 64, hid, OFFICER_ID,
                   now - timedelta(minutes=rng.randint(0, 60 * DAY_MINUTES)), now,
                   rng.choice(OUTCOMES), None, None, 10.0,
                   ["outside_hamlet"] if flagged else [], flagged, "", {}, hamlet_id,
                   commune_id, PROVINCE_ID)  # fmt: skip

    def status_changes(self) -> Iterator[tuple]:
        rng, residents = self.rng, self.size.total_households * self.size.residents_per
        for sid in range(1, self.size.visits // 4 + 1):
            column, new = rng.choice((("id_card", "collected"), ("eid", "level2_active")))
            yield (sid, rng.randint(1, residents),
                   rng.randint(1, self.size.visits) if rng.random() < 0.5 else None, column,
                   "none" if column == "eid" else "not_collected", new,
                   self.now - timedelta(minutes=rng.randint(0, 60 * DAY_MINUTES)))  # fmt: skip

    def followups(self) -> Iterator[tuple]:
        rng, n = self.rng, self.size.total_households
        for fid in range(1, n // 5 + 1):
            hid = rng.randint(1, n)
            hamlet_id, commune_id = self.hamlet_of(hid)
            yield (fid, "revisit", rng.choice(("open", "open", "done")), "", 2, 0, False,
                   self.today + timedelta(days=rng.randint(-20, 10)), hid, hamlet_id,
                   commune_id, PROVINCE_ID, self.now)  # fmt: skip

    def corrections(self) -> Iterator[tuple]:
        rng, n = self.rng, self.size.total_households
        for cid in range(1, n // 10 + 1):
            hid = rng.randint(1, n)
            hamlet_id, commune_id = self.hamlet_of(hid)
            yield (cid, hid, "date_of_birth", "wrong", "server", rng.choice(("open", "fixed")),
                   hamlet_id, commune_id, PROVINCE_ID, self.now, 1)  # fmt: skip

    def campaigns(self) -> Iterator[tuple]:
        metrics = ["households_visited", "id_collected", "eid_level2_active"]
        yield (1, "Bench", PROVINCE_ID, self.today - timedelta(days=30),
               self.today + timedelta(days=30), metrics, self.now, False)  # fmt: skip


# table: (columns, the generator's method)
TABLES: list[tuple[str, str, str]] = [
    ("units", "id, code, name, name_folded, level, kind, parent_id, province_id, centroid_lat, "
     "centroid_lon, geometry, source, created_at, updated_at", "units"),
    ("users", "id, username, password_hash, full_name, role, unit_id, mobile_team, active, "
     "must_change_password, created_at, name_folded", "users"),
    ("households", "id, code, address, search_text, lat, lon, location_source, source, kind, "
     "hamlet_id, commune_id, province_id, created_at, updated_at", "households"),
    ("residents", "id, household_id, full_name, name_folded, birth_date, birth_year, sex, "
     "presence, id_card, eid, unable_to_travel, pending, residence, version, hamlet_id, "
     "commune_id, province_id, created_at, updated_at", "residents"),
    ("visits", "id, client_id, body_hash, household_id, officer_id, visited_at, received_at, "
     "outcome, lat, lon, accuracy_m, flags, flagged, note, body, hamlet_id, commune_id, "
     "province_id", "visits"),
    ("status_changes", "id, resident_id, visit_id, field, old_value, new_value, at",
     "status_changes"),
    ("followups", "id, kind, status, reason, priority, attempts, needs_village_head, due_date, "
     "household_id, hamlet_id, commune_id, province_id, created_at", "followups"),
    ("corrections", "id, household_id, field, problem, source, status, hamlet_id, commune_id, "
     "province_id, created_at, version", "corrections"),
    ("campaigns", "id, name, unit_id, starts_on, ends_on, metrics, created_at, "
     "show_ranking_to_officers", "campaigns"),
]  # fmt: skip


def copy_rows(cursor: Any, table: str, columns: str, rows: Iterator[tuple]) -> int:
    """COPY the rows into the table in chunks of text; answer how many."""
    total = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(_text, row)))
            buffer.write("\n")
            total += 1
            if total % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return total


def _secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint: dropped for the load, made again after."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
        "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname)",
        (table,),
    )
    return list(cursor.fetchall())


def psycopg_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL."""
    return (
        sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def load_rows(url: str, size: Size, log: Callable[[str], None] = print) -> dict[str, Any]:
    """COPY every table of the province in one transaction; answer the counts and seconds."""
    import psycopg

    generator = Generator(size)
    counts: dict[str, Any] = {}
    with psycopg.connect(psycopg_url(url)) as conn, conn.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for table, columns, method in TABLES:
            started = time.perf_counter()
            indexes = _secondary_indexes(cursor, table)
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            counts[table] = copy_rows(cursor, table, columns, getattr(generator, method)())
            copied = time.perf_counter() - started
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
            log(
                f"  {table:<15} {counts[table]:>10,} rows  copy {copied:6.1f} s, "
                f"indexes {time.perf_counter() - started - copied:5.1f} s"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        conn.commit()
    return counts


def create_database(url: str) -> None:
    """Create the benchmark database when it does not exist yet."""
    target = sa.engine.make_url(url)
    if "bench" not in (target.database or ""):
        sys.exit("the province's database must have 'bench' in its name (it is emptied)")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def _meta(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("bench_meta"):
            return None
        return conn.scalar(sa.text("SELECT value FROM bench_meta WHERE key = 'province'"))


def _reset(engine: sa.Engine) -> None:
    name = engine.url.database or ""
    if "bench" not in name:
        sys.exit(f"refusing to empty {name!r}: the benchmark database's name must hold 'bench'")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))


def after_load(app: Any) -> str:
    """Rebuild what the triggers skipped during the COPY: the coverage rollup
    (`app.reports.coverage.rebuild_rollup`, as `flask coverage rebuild` does)."""
    from app.extensions import db
    from app.reports.coverage import rebuild_rollup

    with app.app_context():
        started = time.perf_counter()
        rows = rebuild_rollup()
        db.session.commit()
    print(f"rollup: {rows:,} rows rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    return "rebuilt"


def ensure(url: str, size: Size, rebuild: bool = False) -> dict[str, Any]:
    """Have the province of this size on the database: kept when there, else loaded.

    Answers {"loaded": bool, "seconds": load time, "counts": {...}}."""
    from flask_migrate import upgrade

    from app import create_app

    if not url.startswith("postgresql"):
        sys.exit("the province generator needs PostgreSQL (COPY)")
    create_database(url)
    engine = sa.create_engine(url)
    try:
        kept = not rebuild and _meta(engine) == size.fingerprint()
        if not kept:
            _reset(engine)
    finally:
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))  # a kept province gets the new migrations
        from app.extensions import db

        db.engine.dispose()
    if kept:
        print(f"province kept: {size.fingerprint()}", flush=True)
        return {"loaded": False, "seconds": 0.0, "counts": {}}
    print(f"loading province: {size.fingerprint()}", flush=True)
    started = time.perf_counter()
    counts = load_rows(url, size)
    after_load(app)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_meta "
                                 "(key text PRIMARY KEY, value text NOT NULL)"))  # fmt: skip
            conn.execute(
                sa.text("INSERT INTO bench_meta VALUES ('province', :v) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                {"v": size.fingerprint()},
            )  # fmt: skip
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    print(f"province loaded in {seconds:.1f} s (COPY, indexes, rollup, VACUUM ANALYZE)")
    return {"loaded": True, "seconds": seconds, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--hamlets", type=int, default=0, help="default: households / 333")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--rebuild", action="store_true", help="load even when it is there")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("give --database-url or BENCH_DATABASE_URL (PostgreSQL)")
    size = Size(
        households=min(max(args.households, 10), MAX_HOUSEHOLDS),
        seed=args.seed,
        hamlet_count=min(max(args.hamlets, 0), 20_000),
    )
    result = ensure(args.database_url, size, args.rebuild)
    print(json.dumps(result["counts"]))


if __name__ == "__main__":
    main()
