"""Time live coverage, campaign progress, maps and exports on a synthetic province, each
beside a limit measured in the same run (bench/figures.py).

The province has --communes communes of --hamlets hamlets, --households households of 3
residents and --visits visits. On PostgreSQL (BENCH_DATABASE_URL) it is loaded with COPY by
bench/province.py (its database is emptied first, so its name must contain "bench";
--reuse-postgres keeps a province of the same size already there). On SQLite, a fresh file is
filled with Core inserts (--postgres-only skips SQLite).

Limits: province coverage and campaign progress beside the plain GROUP BYs per hamlet over the
same tables, run right before and after; the maps beside folium drawing the same units with
the figures already computed.

Run: .venv/bin/python bench/bench_coverage.py [--households 200000] [--visits 400000]
     [--communes 100] [--hamlets 10] [--repeat 5] [--seed 6] [--sqlite FILE] [--reuse-postgres]
     BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench ...
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from app.clock import today_in_vietnam  # noqa: E402

MAX_HOUSEHOLDS = 2_000_000
MAX_VISITS = 4_000_000
CHUNK = 20_000
PROVINCE = "99"
BASE = (16.0, 107.0)  # a corner of the synthetic province
HAMLET_DEG = 0.02  # each hamlet a 2 km square
OUTCOMES = ("met",) * 8 + ("nobody_home", "refused")
PRESENCE = ("present",) * 8 + ("away_working", "moved")
ID_CARD = ("issued",) * 5 + ("collected",) * 2 + ("not_collected",) * 3
EID = ("level2_active",) * 3 + ("level1", "level2_applied", "none", "none")


def _square(lat: float, lon: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Province:
    """Generate the synthetic province straight into the tables with Core inserts."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.hamlets: list[tuple[int, int, float, float]] = []  # id, commune id, lat, lon
        self.now = datetime.now(UTC)

    def load(self, db: Any) -> dict[str, int]:
        """Insert units, users, households, residents, visits, follow-ups and corrections."""
        from app.auth.models import User
        from app.followups.models import Followup
        from app.people.models import Correction, Household, Resident, StatusChange
        from app.units.models import Unit
        from app.visits.models import Visit

        conn = db.session.connection()
        self._units(conn, Unit)
        conn.execute(
            sa.insert(User),
            [
                {"id": 1, "username": "bench-admin", "password_hash": "x", "role": "admin",
                 "unit_id": self.province_id, "full_name": "Bench", "active": True},
                {"id": 2, "username": "bench-officer", "password_hash": "x", "role": "officer",
                 "unit_id": self.first_commune_id, "full_name": "Bench", "active": True},
            ],
        )  # fmt: skip
        counts = {"communes": self.args.communes, "hamlets": len(self.hamlets)}
        counts["households"] = self._insert(conn, Household, self._households())
        counts["residents"] = self._insert(conn, Resident, self._residents())
        counts["visits"] = self._insert(conn, Visit, self._visits())
        counts["status_changes"] = self._insert(conn, StatusChange, self._changes())
        counts["followups"] = self._insert(conn, Followup, self._followups())
        counts["corrections"] = self._insert(conn, Correction, self._corrections())
        db.session.commit()
        return counts

    def _insert(self, conn: Any, model: Any, rows: Iterator[dict[str, Any]]) -> int:
        total = 0
        for batch in _chunks(rows):
            conn.execute(sa.insert(model), batch)
            total += len(batch)
        return total

    def _units(self, conn: Any, unit_model: Any) -> None:
        now = self.now
        common = {"source": "bench", "created_at": now, "updated_at": now}
        conn.execute(
            sa.insert(unit_model),
            [{"id": 1, "code": PROVINCE, "name": "Tỉnh Thử Nghiệm", "name_folded": "tinh thu",
              "level": "province", "province_id": 1, "centroid_lat": BASE[0] + 0.3,
              "centroid_lon": BASE[1] + 0.3, **common}],
        )  # fmt: skip
        self.province_id = 1
        rows, next_id = [], 2
        side = max(int(self.args.communes**0.5), 1)
        per = self.args.hamlets
        h_side = max(int(per**0.5 + 0.999), 1)
        for c in range(self.args.communes):
            commune_id = next_id
            next_id += 1
            c_lat = BASE[0] + (c // side) * HAMLET_DEG * (h_side + 1)
            c_lon = BASE[1] + (c % side) * HAMLET_DEG * (h_side + 1)
            code = f"{90000 + c}"
            rows.append(
                {"id": commune_id, "code": code, "name": f"Xã Thử {c + 1}",
                 "name_folded": f"xa thu {c + 1}", "level": "commune", "parent_id": 1,
                 "province_id": 1, "centroid_lat": c_lat + HAMLET_DEG,
                 "centroid_lon": c_lon + HAMLET_DEG, **common}
            )  # fmt: skip
            for h in range(per):
                lat = c_lat + (h // h_side) * HAMLET_DEG
                lon = c_lon + (h % h_side) * HAMLET_DEG
                rows.append(
                    {"id": next_id, "code": f"{code}-{h + 1:03d}", "name": f"Thôn {h + 1}",
                     "name_folded": f"thon {h + 1}", "level": "hamlet", "kind": "thôn",
                     "parent_id": commune_id, "province_id": 1,
                     "geometry": _square(lat, lon, HAMLET_DEG) if h % 5 else None,
                     "centroid_lat": lat + HAMLET_DEG / 2, "centroid_lon": lon + HAMLET_DEG / 2,
                     **common}
                )  # fmt: skip
                self.hamlets.append((next_id, commune_id, lat, lon))
                next_id += 1
        self.first_commune_id = 2
        for batch in _chunks(iter(rows)):
            conn.execute(sa.insert(unit_model), batch)

    def _households(self) -> Iterator[dict[str, Any]]:
        rng, per = self.rng, self.args.households // len(self.hamlets)
        self.household_units: list[tuple[int, int, int]] = []
        hid = 0
        for hamlet_id, commune_id, lat, lon in self.hamlets:
            for _ in range(per):
                hid += 1
                self.household_units.append((hamlet_id, commune_id, 1))
                yield {
                    "id": hid, "code": f"HO-{hid:07d}", "address": f"Số {hid}",
                    "search_text": f"so {hid}",
                    "lat": lat + rng.uniform(0.001, HAMLET_DEG - 0.001),
                    "lon": lon + rng.uniform(0.001, HAMLET_DEG - 0.001),
                    "source": "list", "hamlet_id": hamlet_id, "commune_id": commune_id,
                    "province_id": 1, "created_at": self.now, "updated_at": self.now,
                }  # fmt: skip

    def _residents(self) -> Iterator[dict[str, Any]]:
        rng, rid = self.rng, 0
        for hid, (hamlet_id, commune_id, province_id) in enumerate(self.household_units, 1):
            for _ in range(self.args.residents_per):
                rid += 1
                year = rng.randint(1935, 2024)
                yield {
                    "id": rid, "household_id": hid, "full_name": f"Người {rid}",
                    "name_folded": f"nguoi {rid}",
                    "birth_date": date(year, rng.randint(1, 12), rng.randint(1, 28))
                    if rng.random() < 0.8 else None,
                    "birth_year": year, "sex": rng.choice(("male", "female")),
                    "presence": rng.choice(PRESENCE), "id_card": rng.choice(ID_CARD),
                    "eid": rng.choice(EID), "pending": False, "unable_to_travel": False,
                    "version": 1, "hamlet_id": hamlet_id, "commune_id": commune_id,
                    "province_id": province_id, "created_at": self.now, "updated_at": self.now,
                }  # fmt: skip
        self.residents = rid

    def _visits(self) -> Iterator[dict[str, Any]]:
        rng, n = self.rng, len(self.household_units)
        reach = {c: rng.uniform(0.3, 0.95) for _, c, _, _ in self.hamlets}
        self.visit_count = 0
        visited = [
            hid for hid, (_, c, _) in enumerate(self.household_units, 1) if rng.random() < reach[c]
        ]
        for vid in range(1, self.args.visits + 1):
            hid = rng.choice(visited) if visited else rng.randint(1, n)
            hamlet_id, commune_id, province_id = self.household_units[hid - 1]
            flagged = rng.random() < 0.03
            yield {
                "id": vid, "client_id": f"bench-{vid}", "body_hash": "0" * 64,
                "household_id": hid, "officer_id": 2,
                "visited_at": self.now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                "received_at": self.now, "outcome": rng.choice(OUTCOMES),
                "lat": None, "lon": None, "accuracy_m": 10.0,
                "flags": ["outside_hamlet"] if flagged else [], "flagged": flagged, "note": "",
                "body": {}, "hamlet_id": hamlet_id, "commune_id": commune_id,
                "province_id": province_id,
            }  # fmt: skip
            self.visit_count = vid

    def _changes(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for sid in range(1, self.args.visits // 4 + 1):
            column, new = rng.choice((("id_card", "collected"), ("eid", "level2_active")))
            yield {
                "id": sid, "resident_id": rng.randint(1, self.residents),
                "visit_id": rng.randint(1, self.visit_count) if rng.random() < 0.5 else None,
                "field": column, "old_value": "none" if column == "eid" else "not_collected",
                "new_value": new, "at": self.now - timedelta(minutes=rng.randint(0, 86400)),
            }  # fmt: skip

    def _followups(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.now.date()
        for fid in range(1, len(self.household_units) // 5 + 1):
            hid = rng.randint(1, len(self.household_units))
            hamlet_id, commune_id, province_id = self.household_units[hid - 1]
            yield {
                "id": fid, "kind": "revisit", "status": rng.choice(("open", "open", "done")),
                "reason": "", "priority": 2, "attempts": 0, "needs_village_head": False,
                "due_date": today + timedelta(days=rng.randint(-20, 10)), "household_id": hid,
                "hamlet_id": hamlet_id, "commune_id": commune_id, "province_id": province_id,
                "created_at": self.now,
            }  # fmt: skip

    def _corrections(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for cid in range(1, len(self.household_units) // 10 + 1):
            hid = rng.randint(1, len(self.household_units))
            hamlet_id, commune_id, province_id = self.household_units[hid - 1]
            yield {
                "id": cid, "household_id": hid, "field": "date_of_birth", "problem": "wrong",
                "source": "server", "status": rng.choice(("open", "fixed")),
                "hamlet_id": hamlet_id, "commune_id": commune_id, "province_id": province_id,
                "created_at": self.now,
            }  # fmt: skip


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Run once to warm up, then `repeat` times; return (median s, min s, last result)."""
    result = fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs), result


def around(fn: Callable[[], Any], limit: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Time the app's work between two timings of its limit; answer (app s, limit s), medians."""
    before, _, _ = timed(limit, repeat)
    app, _, _ = timed(fn, repeat)
    after, _, _ = timed(limit, repeat)
    return app, (before + after) / 2


def _prepare(url: str) -> None:
    if url.startswith("postgresql"):
        name = sa.engine.make_url(url).database or ""
        if "bench" not in name:
            sys.exit(
                f"refusing to empty {name!r}: BENCH_DATABASE_URL's database must be a bench one"
            )
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def _load(url: str, args: argparse.Namespace) -> str | None:
    """Have the province on the database: COPY on PostgreSQL (bench/province.py), Core inserts
    on SQLite; answer a line about the load, or None when an existing one was kept."""
    if url.startswith("postgresql"):
        import province

        size = province.Size(
            households=args.households,
            hamlets_per_commune=args.hamlets,
            hamlet_count=args.communes * args.hamlets,
            residents_per=args.residents_per,
            visits_per=args.visits / args.households,
            seed=args.seed,
        )
        done = province.ensure(url, size, rebuild=not args.reuse_postgres)
        if not done["loaded"]:
            return None
        return f"{done['seconds']:.1f} s with COPY  {done['counts']}"
    if args.sqlite and Path(args.sqlite).exists():
        return None
    _prepare(url)
    return "core"


# The plainest SQL giving coverage's two main families per hamlet; the campaign variant keeps
# the visits and status changes of the campaign's period.
HOUSEHOLDS_VISITED = (
    "SELECT hamlet_id, count(DISTINCT household_id) FROM visits WHERE province_id = :p {period}"
    " GROUP BY hamlet_id"
)
RESIDENT_CARDS = (
    "SELECT hamlet_id, count(*), sum(CASE WHEN id_card <> 'not_collected' THEN 1 ELSE 0 END),"
    " sum(CASE WHEN eid = 'level2_active' THEN 1 ELSE 0 END) FROM residents"
    " WHERE province_id = :p GROUP BY hamlet_id"
)
CHANGES_IN_PERIOD = (
    "SELECT r.hamlet_id, sum(CASE WHEN s.field = 'id_card' THEN 1 ELSE 0 END),"
    " sum(CASE WHEN s.field = 'eid' THEN 1 ELSE 0 END) FROM status_changes s"
    " JOIN residents r ON r.id = s.resident_id WHERE r.province_id = :p"
    " AND s.at >= :start AND s.at < :end GROUP BY r.hamlet_id"
)


def group_bys(db: Any, period: tuple[datetime, datetime] | None) -> int:
    """Run the limit's GROUP BYs (all rows, or the campaign's period); answer the row count."""
    params: dict[str, Any] = {"p": 1}
    if period is None:
        queries = [HOUSEHOLDS_VISITED.format(period=""), RESIDENT_CARDS]
    else:
        naive = db.engine.dialect.name == "sqlite"  # SQLite keeps UTC without an offset
        params |= {
            "start": period[0].replace(tzinfo=None) if naive else period[0],
            "end": period[1].replace(tzinfo=None) if naive else period[1],
        }
        visited = HOUSEHOLDS_VISITED.format(period="AND visited_at >= :start AND visited_at < :end")
        queries = [visited, CHANGES_IN_PERIOD]
    rows = sum(len(db.session.execute(sa.text(q), params).all()) for q in queries)
    db.session.rollback()
    return rows


def folium_limit(units: list[Any]) -> str:
    """The same units drawn by folium alone: one GeoJSON layer of their polygons (a point where
    a unit has none) with the figures already computed, rendered to HTML."""
    import folium

    features = []
    for unit in units:
        geometry = unit.geometry
        if geometry is None and unit.centroid is not None:
            geometry = {"type": "Point", "coordinates": [unit.centroid[1], unit.centroid[0]]}
        if geometry is None:
            continue
        figures = {k: v for k, v in unit.figures.items() if isinstance(v, int | float | str)}
        features.append(
            {"type": "Feature", "geometry": geometry, "properties": {"name": unit.name, **figures}}
        )
    fmap = folium.Map(location=[BASE[0] + 0.3, BASE[1] + 0.3], zoom_start=9, tiles=None)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(fmap)
    return fmap.get_root().render()


def run(url: str, args: argparse.Namespace) -> tuple[list[tuple[str, str]], list[Any]]:
    """Build the province on one database and time every report on it."""
    import province
    from figures import Figure, within
    from flask_migrate import upgrade

    from app import create_app
    from app.auth import service as auth_service
    from app.auth.models import User
    from app.extensions import db
    from app.reports import campaigns, coverage, exports, mapdata, progress
    from app.reports.models import Campaign, CampaignCount, CampaignCounted, CampaignTarget
    from maps import render_html

    loaded = _load(url, args)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
    lines: list[tuple[str, str]] = []
    figures: list[Figure] = []
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    with app.app_context():
        if loaded == "core":
            upgrade(directory=str(ROOT / "migrations"))
            start = time.perf_counter()
            counts = Province(args).load(db)
            lines.append(("load", f"{time.perf_counter() - start:.1f} s  {counts}"))
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        elif loaded:
            lines.append(("load", loaded))
        for model in (CampaignTarget, CampaignCount, CampaignCounted, Campaign):
            db.session.execute(sa.delete(model))
        db.session.commit()
        admin = db.session.get(User, 1)
        token, _ = auth_service.issue_token(admin)
        db.session.commit()
        commune_code = str(province.FIRST_COMMUNE)
        campaign = Campaign(
            name="Bench", unit_id=1, starts_on=today_in_vietnam() - timedelta(days=30),
            ends_on=today_in_vietnam() + timedelta(days=30),
            metrics=["households_visited", "id_collected", "eid_level2_active"],
        )  # fmt: skip
        db.session.add(campaign)
        db.session.commit()
        campaigns.set_targets(
            admin, campaign.id, spread={"metric": "households_visited", "total": 150_000,
                                        "by": "households"}
        )  # fmt: skip
        db.session.commit()
        period = (
            datetime.combine(campaign.starts_on, datetime.min.time(), UTC) - timedelta(hours=7),
            datetime.combine(campaign.ends_on, datetime.min.time(), UTC) + timedelta(hours=17),
        )
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def get_coverage() -> dict:
            answer = client.get(f"/api/v1/coverage?unit={PROVINCE}", headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
            return answer.get_json()

        app_s, limit_s = around(get_coverage, lambda: group_bys(db, None), args.repeat)
        group_s = limit_s
        figures.append(Figure(
            f"GET /coverage province ({args.communes} communes)", app_s, "s",
            "2 GROUP BYs per hamlet", limit_s, "<= 1 s and <= 1.5x limit",
            within(app_s, at_most=1.0, limit=limit_s, ratio_at_most=1.5), backend,
        ))  # fmt: skip

        # During a campaign's peak the hamlets written since the last read are recounted by
        # the next read that holds them: marks as visits in so many hamlets leave them.
        def mark(hamlets: int, own: bool) -> None:
            picked = sa.text(
                "INSERT INTO hamlet_dirty (hamlet_id, commune_id) SELECT h.id, h.parent_id "
                "FROM units h JOIN units c ON c.id = h.parent_id WHERE h.level = 'hamlet' "
                "AND (c.code = :code) = :own ORDER BY random() LIMIT :n"
            )
            db.session.execute(picked, {"code": commune_code, "own": own, "n": hamlets})
            db.session.commit()

        def read(code: str) -> float:
            started = time.perf_counter()
            answer = client.get(f"/api/v1/coverage?unit={code}", headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
            return time.perf_counter() - started

        marked = min(100, args.communes * args.hamlets // 3)
        mark(marked, own=False)
        app_s = read(PROVINCE)
        figures.append(Figure(
            f"GET /coverage province right after visits in {marked} hamlets", app_s, "s",
            "2 GROUP BYs per hamlet", limit_s, "<= 1 s", within(app_s, at_most=1.0), backend,
        ))  # fmt: skip
        mark(marked, own=False)  # elsewhere: the commune's read leaves them
        mark(args.hamlets, own=True)
        app_s = read(commune_code)
        figures.append(Figure(
            f"GET /coverage commune right after visits in its {args.hamlets} hamlets and "
            f"{marked} elsewhere", app_s, "s", "2 GROUP BYs per hamlet", limit_s, "", None,
            backend,
        ))  # fmt: skip
        read(PROVINCE)  # takes the marks left elsewhere
        # The campaign's rollup is counted whole once a day (by its first read, or the nightly
        # `flask coverage refresh`); the figure is every read after that one.
        start = time.perf_counter()
        progress.campaign_progress(admin, campaign.id)
        db.session.rollback()
        lines.append(("campaign rollup, whole recount (once a day)",
                      f"{time.perf_counter() - start:.2f} s"))  # fmt: skip
        app_s, limit_s = around(
            lambda: progress.campaign_progress(admin, campaign.id),
            lambda: group_bys(db, period),
            args.repeat,
        )
        db.session.rollback()
        figures.append(Figure(
            "campaign progress province (3 metrics)", app_s, "s",
            "GROUP BYs in the period", limit_s, "<= 1 s", within(app_s, at_most=1.0), backend,
        ))  # fmt: skip
        # The same peak with the campaign counted: a refresh recounts its figures of the
        # marked hamlets too (app.reports.campaign_counts follows the coverage rollup).
        mark(marked, own=False)
        app_s = read(PROVINCE)
        figures.append(Figure(
            f"GET /coverage province right after visits in {marked} hamlets, a campaign "
            "running", app_s, "s", "2 GROUP BYs per hamlet", group_s, "<= 1 s",
            within(app_s, at_most=1.0), backend,
        ))  # fmt: skip

        def measure(name: str, fn: Callable[[], Any], note: Callable[[Any], str]) -> None:
            median, best, result = timed(fn, args.repeat)
            lines.append((name, f"median {median * 1000:8.1f} ms  min {best * 1000:8.1f} ms  "
                                f"{note(result)}"))  # fmt: skip
            db.session.rollback()

        measure(
            f"coverage commune ({args.hamlets} hamlets)",
            lambda: coverage.coverage_for(admin, commune_code),
            lambda r: f"children {len(r['children'])}",
        )
        measure(
            "coverage commune, campaign period",
            lambda: coverage.coverage_for(admin, commune_code, campaign.id),
            lambda r: f"visited {r['totals']['households_visited']}",
        )

        def render(code: str) -> str:
            _unit, _totals, fmap = mapdata.build_map(
                admin, code, metric="coverage", campaign_id=None, static_base="/static/vendor",
                tiles_url="/tiles/{z}/{x}/{y}.png", attribution="bench", link_template=
                "/maps/coverage?unit={code}",
            )  # fmt: skip
            return render_html(fmap)

        for label, code, seconds, megabytes in (
            ("province", PROVINCE, 3.0, 5.0),
            ("commune", commune_code, 0.5, 1.0),
        ):
            units = mapdata.map_inputs(admin, code)[2]
            db.session.rollback()
            app_s, limit_s = around(lambda c=code: render(c), lambda u=units: folium_limit(u),
                                    args.repeat)  # fmt: skip
            html_mb = len(render(code).encode()) / 1e6
            bare_mb = len(folium_limit(units).encode()) / 1e6
            db.session.rollback()
            figures.append(Figure(
                f"map {label} (build + render)", app_s, "s", "folium, same polygons", limit_s,
                f"<= {seconds:g} s", within(app_s, at_most=seconds), backend,
            ))  # fmt: skip
            figures.append(Figure(
                f"map {label} HTML", html_mb, "MB", "folium, same polygons", bare_mb,
                f"<= {megabytes:g} MB", within(html_mb, at_most=megabytes), backend,
            ))  # fmt: skip
        measure(
            "coverage.xlsx province",
            lambda: exports.coverage_workbook(admin, PROVINCE)[1],
            lambda data: f"{len(data) / 1024:.0f} KiB",
        )

        def csv_commune() -> int:
            _name, chunks = exports.visits_csv(admin, commune_code, None)
            return sum(len(c) for c in chunks)

        measure("visits.csv commune (stream)", csv_commune, lambda n: f"{n / 1024:.0f} KiB")
        db.session.remove()
        db.engine.dispose()
    return lines, figures


def main() -> None:
    """Parse the scale, run on SQLite (and PostgreSQL when asked) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=400_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--hamlets", type=int, default=10)
    parser.add_argument("--residents-per", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--sqlite", help="keep the SQLite province in this file (reused if present)"
    )
    parser.add_argument(
        "--reuse-postgres",
        action="store_true",
        help="keep a province of the same size already on PostgreSQL (bench/province.py)",
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="skip SQLite (the full province)"
    )
    args = parser.parse_args()
    args.households = min(max(args.households, args.communes * args.hamlets), MAX_HOUSEHOLDS)
    args.visits = min(max(args.visits, 0), MAX_VISITS)
    args.repeat = min(max(args.repeat, 1), 50)
    os.environ.setdefault("RATELIMIT_ENABLED", "0")
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.sqlite).resolve() if args.sqlite else Path(tmp) / "bench.db"
        if not args.postgres_only:
            targets.append(("sqlite", f"sqlite:///{path}"))
        if os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
        from figures import database_version, record

        for name, url in targets:
            print(f"== {name}")
            lines, figures = run(url, args)
            for label, text in lines:
                print(f"  {label:<40} {text}", flush=True)
            record(figures, databases={name: database_version(url)})


if __name__ == "__main__":
    main()
