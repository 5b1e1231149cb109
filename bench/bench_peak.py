"""A campaign's peak at the goal province: visits in many communes, and the commander reading
the province's coverage meanwhile.

A diagnostic beside bench_http.py and bench_coverage.py, with no target: nothing is added to
bench/results.json; docs/BENCHMARKS.md quotes its figures. Each read of coverage after writes
first recounts the hamlets written since the last read (app/reports/rollup.py), so during a
peak a province's read costs what was written since the one before.

On the kept goal province (bench/province.py; PostgreSQL): officers of --communes communes
spread over the province, gunicorn with `make start`'s settings, --clients clients posting
bench_http.py's visit (3 residents, status changes, a correction) to random households of
those communes for --seconds, and one reader getting `GET /api/v1/coverage?unit=<province>`
every --read-every seconds, then at once again (that read finds only the hamlets written
during the one before). Each of --rounds runs prints the visits accepted per second and every
read's time.

Run: .venv/bin/python bench/bench_peak.py [--communes 30] [--clients 16] [--seconds 60] \\
         [--read-every 5] [--rounds 1] [--households 1000000]
     (the province's database: BENCH_PROVINCE_URL, else BENCH_DATABASE_URL's name with
     "_province", else gocua_bench_province, as `make bench-province` keeps it)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_http  # noqa: E402
import httpx  # noqa: E402
import province  # noqa: E402
import sqlalchemy as sa  # noqa: E402

PASSWORD = "bench-peak-pass-1"
MAX_SECONDS = 600
MAX_COMMUNES = 300
MAX_ROUNDS = 5


def prepare(url: str, communes: int, size: province.Size) -> dict[str, Any]:
    """Keep the province (the goal one, or one of another size made the same way); have an
    officer with a token in each of `communes` communes spread over it, and an admin with a
    token; answer the tokens and each commune's households."""
    from app import create_app
    from app.auth import service as auth_service
    from app.auth.models import User
    from app.extensions import db

    province.ensure(url, size)
    communes = min(communes, size.communes)
    step = size.communes // communes
    codes = [str(province.FIRST_COMMUNE + i * step) for i in range(communes)]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # fmt: skip
    with app.app_context():

        def token(username: str, role: str, unit_code: str) -> str:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            if user is None:
                user = auth_service.create_user(
                    username=username, password=PASSWORD, role=role, unit_code=unit_code
                )
            raw, _ = auth_service.issue_token(user)
            db.session.commit()
            return raw

        officers = {code: token(f"bench-peak-{code}", "officer", code) for code in codes}
        admin = token("bench-peak-admin", "admin", province.PROVINCE)
        homes: dict[str, list[tuple]] = {code: [] for code in codes}
        for code, hid, lat, lon in db.session.execute(
            sa.text("SELECT u.code, h.id, h.lat, h.lon FROM households h JOIN units u"
                    " ON u.id = h.commune_id WHERE u.code IN :codes ORDER BY h.id"
                    ).bindparams(sa.bindparam("codes", expanding=True)),
            {"codes": codes},
        ):  # fmt: skip
            homes[code].append((hid, lat, lon))
        db.engine.dispose()
    return {"officers": officers, "admin": admin, "homes": homes}


async def peak(base: str, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Post visits with `args.clients` clients for `args.seconds` while one reader reads the
    province's coverage every `args.read_every` seconds; answer the figures."""
    rng = random.Random(7)
    codes = sorted(data["homes"])
    accepted, refused = 0, 0
    reads: list[float] = []
    again: list[float] = []
    deadline = time.monotonic() + args.seconds
    limits = httpx.Limits(max_connections=args.clients + 1)

    async def writer(client: httpx.AsyncClient) -> None:
        nonlocal accepted, refused
        while time.monotonic() < deadline:
            code = rng.choice(codes)
            body = bench_http.visit_body(rng, rng.choice(data["homes"][code]), 3)
            headers = {"Authorization": f"Bearer {data['officers'][code]}"}
            try:
                answer = await client.post("/api/v1/visits", json=body, headers=headers)
            except httpx.TransportError:
                refused += 1
                continue
            if answer.status_code in (200, 201):
                accepted += 1
            else:
                refused += 1

    async def reader(client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {data['admin']}"}
        url = f"/api/v1/coverage?unit={province.PROVINCE}"
        while time.monotonic() + args.read_every < deadline:
            await asyncio.sleep(args.read_every)
            for took in (reads, again):  # then at once again: the marks of one read's time
                began = time.perf_counter()
                answer = await client.get(url, headers=headers)
                answer.raise_for_status()
                took.append(time.perf_counter() - began)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        began = time.perf_counter()
        await asyncio.gather(reader(client), *(writer(client) for _ in range(args.clients)))
        took = time.perf_counter() - began
    return {"visits_per_s": accepted / took, "refused": refused, "reads": reads, "again": again}


def run(url: str, data: dict[str, Any], args: argparse.Namespace) -> dict:
    """One run: gunicorn started, the peak driven, gunicorn stopped."""
    from app import create_app
    from app.extensions import db
    from app.reports import coverage, rollup
    from app.units.models import Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():  # start with no marks left over
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == province.PROVINCE))
        rollup.fresh(unit, coverage.recount, coverage.FOLLOWERS)
        db.session.commit()
        db.engine.dispose()
    port = bench_http.free_port()
    server = bench_http.start_server("app:create_app()", url, port)
    try:
        return asyncio.run(peak(f"http://127.0.0.1:{port}", data, args))
    finally:
        bench_http.stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communes", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--read-every", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--households", type=int, default=province.GOAL.households)
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 2), MAX_SECONDS)
    args.clients = min(max(args.clients, 1), 64)
    args.read_every = max(args.read_every, 0.5)
    url = province.province_url()
    size = province.Size(households=province.kept_households(args.households))
    data = prepare(url, min(max(args.communes, 1), MAX_COMMUNES), size)
    print(f"{len(data['homes'])} communes, {args.clients} clients, {args.seconds:.0f} s; "
          f"a province read every {args.read_every:g} s", flush=True)  # fmt: skip
    for _ in range(min(max(args.rounds, 1), MAX_ROUNDS)):
        result = run(url, data, args)
        reads, again = result["reads"], result["again"]
        print(
            f"  {result['visits_per_s']:6.1f} visits/s ({result['refused']} refused); "
            f"province reads median {statistics.median(reads):.3f} s, max {max(reads):.3f} s: "
            + " ".join(f"{r:.2f}" for r in reads)
            + f"; a read just after another: median {statistics.median(again):.3f} s, "
            f"max {max(again):.3f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
