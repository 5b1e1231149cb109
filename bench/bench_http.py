"""Visits accepted per second through gunicorn, beside a bare WSGI app storing the same rows.

On PostgreSQL only (BENCH_DATABASE_URL; on SQLite a line says it is skipped). Loads a commune
of households of 3 residents with bench/province.py, signs in an officer for a token, and
starts gunicorn as `make start` does (2 workers x 4 threads, 127.0.0.1 on a free port). A
bounded asyncio client (its own HTTP/1.1 over asyncio's streams, `Client`: httpx's own CPU
capped the limit) keeps --clients requests in flight for --seconds, each one
`POST /api/v1/visits` of a new visit (unique client_id) seeing 3 residents with status
changes and one correction. Then the same client, for the same time, against bench/bare_app.py
served by gunicorn with the same settings on the same database (the limit: the visit row and
its 3 `visit_residents` rows with plain INSERTs in one transaction). Prints visits/s and p95
latency of both, each app worker's resident memory after the load, and the app's floor: its
cheapest signed-in answer (`GET /api/v1/me`) per second through the same gunicorn, for at most
10 s, beside the same limit (no target: what any API request of the app costs before its work).
Both runs also print the CPU each accepted visit cost the machine: the gunicorn workers', the
PostgreSQL server's processes' (read from /proc, so on Linux with the database on this
machine) and the client's: on two cores the load is CPU-bound, and these say where the app's
visit costs more than the limit's.

With --province the visits go to the goal province instead (bench/province.py: 1,000,000
households, 3,000,000 residents, 2,000,000 visits), kept on BENCH_DATABASE_URL between runs
(loaded when missing; `make bench-province` gives it the province's database): the officer
visits the households of its first commune, and every write, index and rule of the visit path
meets the province's tables. Each run adds its visits to the province (a few thousand beside
its 2,000,000, which the province's other figures, measured against limits on the same
tables, read as they are).

Run: BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench \
     .venv/bin/python bench/bench_http.py [--households 3000] [--clients 16] [--seconds 30]
     BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench_province \
     .venv/bin/python bench/bench_http.py --province
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import province  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from figures import Figure, database_version, record, within  # noqa: E402

PASSWORD = "bench-http-pass-1"
MAX_SECONDS = 300
MAX_CLIENTS = 64
FLOOR_SECONDS = 10  # the app's floor (`floor`) is read for at most this long
ANSWER_SECONDS = 60  # the longest a request is waited for
# As `make start`: its config file (the workers' garbage collector) and settings.
GUNICORN = [
    "--config", str(ROOT / "gunicorn.conf.py"),
    "--workers", "2", "--threads", "4", "--timeout", "120",
]  # fmt: skip
COMMUNE = str(province.FIRST_COMMUNE)  # the officer's commune: the province's first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values) or [0.0]
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def prepare(url: str, households: int, goal: int = 0) -> dict[str, Any]:
    """Load the commune (or keep a province of `goal` households, made as the goal province
    is), have an officer with a password in its first commune; answer the coordinates of that
    commune's households."""
    from app import create_app
    from app.auth import service as auth_service
    from app.auth.models import User
    from app.extensions import db

    if goal:
        size = province.Size(households=goal)
    else:
        size = province.Size(
            households=households, hamlets_per_commune=10, hamlet_count=10, visits_per=0.5, seed=3
        )
    province.ensure(url, size, rebuild=not goal)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if db.session.scalar(sa.select(User.id).where(User.username == "bench-http")) is None:
            auth_service.create_user(
                username="bench-http", password=PASSWORD, role="officer", unit_code=COMMUNE
            )
            db.session.commit()
        homes = db.session.execute(
            sa.text("SELECT h.id, h.lat, h.lon FROM households h JOIN units u"
                    " ON u.id = h.commune_id WHERE u.code = :code ORDER BY h.id"),
            {"code": COMMUNE},
        ).all()  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    return {"homes": [tuple(h) for h in homes], "residents_per": size.residents_per}


def start_server(target: str, url: str, port: int) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:port and wait (bounded) until it answers."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-http-secret-key-0123456789",
        "RATELIMIT_ENABLED": "0",
        "GOCUA_ENV": "development",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", *GUNICORN, "--access-logfile", "-",
         target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn {target} exited with {server.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"gunicorn {target} did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def cpu_seconds(pids: list[str]) -> dict[str, float]:
    """User and system CPU seconds of each of these processes so far (/proc; a gone one is
    left out)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return seconds


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU seconds spent between two readings (a process started between them: all of its)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def postgres_pids() -> list[str]:
    """The PostgreSQL server's processes on this machine (its backends among them)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                pids.append(entry.name)
        except OSError:
            continue
    return pids


def worker_rss_mb(master: int) -> list[float]:
    """VmRSS of each child of the gunicorn master, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                sizes.append(int(row.split()[1]) / 1024)
    return sizes


def visit_body(rng: random.Random, home: tuple[int, float, float], per: int) -> dict[str, Any]:
    """A new visit to a household: its 3 residents seen, statuses moving, one correction."""
    household_id, lat, lon = home
    first = (household_id - 1) * per + 1
    residents = [
        {
            "resident_id": first + k,
            "presence": "present",
            "id_card": rng.choice(["collected", "issued"]),
            "eid": rng.choice(["level1", "level2_applied", "level2_active"]),
            "has_smartphone": rng.random() < 0.7,
        }
        for k in range(per)
    ]
    residents[0]["corrections"] = [{"field": "ethnicity", "proposed": "Cơ Tu", "note": "bench"}]
    return {
        "client_id": f"http-{uuid.uuid4().hex}",
        "household_id": household_id,
        "visited_at": (datetime.now(UTC) - timedelta(minutes=rng.uniform(1, 600))).isoformat(),
        "location": {"lat": lat, "lon": lon, "accuracy_m": 10},
        "outcome": "met",
        "residents": residents,
    }


class Client:
    """One client's kept-alive HTTP/1.1 connection, written and read with asyncio's streams:
    the request's bytes built by hand, the answer's status line and headers read, its body
    skipped. Far lighter than httpx, which spent 2.4 ms of CPU per request and so on
    2 cores capped the bare limit at about 400 visits/s (0.1 ms with this one)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.host, port = base.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.headers = f"Host: {self.host}\r\n{lines}"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, method: str, path: str, body: bytes | None = None) -> int:
        """The answer's status; raises ConnectionError when the connection was lost (it is
        opened again at the next request)."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + (body or b""))
        try:
            status, close = await asyncio.wait_for(self._answer(reader), ANSWER_SECONDS)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            self.close()
            raise ConnectionError(type(error).__name__) from error
        if close:
            self.close()
        return status

    @staticmethod
    async def _answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
        """The status and whether the server closes the connection; the body read past
        (every answer of these servers has a Content-Length)."""
        status_line = await reader.readline()
        if not status_line:
            raise asyncio.IncompleteReadError(b"", None)
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = "close" in value.lower()
        await reader.readexactly(length)
        return int(status_line.split()[1]), close

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def load(base: str, token: str, data: dict[str, Any], clients: int, seconds: float) -> dict:
    """Keep `clients` visits in flight for `seconds`; answer the latencies and the refusals."""
    rng = random.Random(11)
    latencies: list[float] = []
    refused: dict[int | str, int] = {}
    deadline = time.monotonic() + seconds

    async def one_client() -> None:
        client = Client(base, {"Authorization": f"Bearer {token}"})
        while time.monotonic() < deadline:
            body = visit_body(rng, rng.choice(data["homes"]), data["residents_per"])
            began = time.perf_counter()
            try:
                status = await client.send("POST", "/api/v1/visits", json.dumps(body).encode())
            except ConnectionError as error:
                # A kept-alive connection the server closed as it was reused: counted (and
                # printed with the refusals), the client goes on with a new connection.
                refused[str(error)] = refused.get(str(error), 0) + 1
                continue
            if status in (200, 201):
                latencies.append(time.perf_counter() - began)
            else:
                refused[status] = refused.get(status, 0) + 1
        client.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    took = time.perf_counter() - began
    return {"accepted": len(latencies), "seconds": took, "latencies": latencies, "refused": refused}


async def floor(base: str, token: str, clients: int, seconds: float) -> float:
    """Requests per second of the app's cheapest signed-in answer, `GET /api/v1/me` (the
    token checked, the officer read, a small JSON answer), with the same clients: what every
    API request of the app costs before its own work, beside which a visit's work is seen."""
    deadline = time.monotonic() + seconds
    answered = 0

    async def one_client() -> None:
        nonlocal answered
        client = Client(base, {"Authorization": f"Bearer {token}"})
        while time.monotonic() < deadline:
            try:
                status = await client.send("GET", "/api/v1/me")
            except ConnectionError:
                continue
            answered += status == 200  # after the await: `answered` is shared by the clients
        client.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return answered / (time.perf_counter() - began)


def drive(target: str, url: str, data: dict[str, Any], args: argparse.Namespace) -> dict:
    """Serve `target` with gunicorn, sign in, load it; answer the figures and workers' RSS."""
    port = free_port()
    server = start_server(target, url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = "bare"
        if target.startswith("app:"):
            answer = httpx.post(
                f"{base}/api/v1/auth/token",
                json={"username": "bench-http", "password": PASSWORD},
                timeout=30,
            )
            answer.raise_for_status()
            token = answer.json()["token"]
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        before = (cpu_seconds(workers), cpu_seconds(postgres_pids()), time.process_time())
        result = asyncio.run(load(base, token, data, args.clients, args.seconds))
        # The database's backends are those of the workers' pools, opened during the load.
        after = (cpu_seconds(workers), cpu_seconds(postgres_pids()), time.process_time())
        result["cpu"] = [
            cpu_spent(before[0], after[0]),
            cpu_spent(before[1], after[1]),
            after[2] - before[2],
        ]
        result["rss"] = worker_rss_mb(server.pid)
        if target.startswith("app:"):
            seconds = min(args.seconds, FLOOR_SECONDS)
            result["floor"] = asyncio.run(floor(base, token, args.clients, seconds))
        return result
    finally:
        stop_server(server)


def province_size(args: argparse.Namespace) -> int:
    """The households of the province to visit (0: a commune of --households instead)."""
    if not args.province:
        return 0
    return province.kept_households(args.province_households)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--province", action="store_true",
        help="visit the goal province kept on BENCH_DATABASE_URL (bench/province.py)",
    )  # fmt: skip
    parser.add_argument(
        "--province-households", type=int, default=province.GOAL.households,
        help="with --province: its households (the goal's by default; fewer for a check)",
    )  # fmt: skip
    args = parser.parse_args()
    args.clients = min(max(args.clients, 1), MAX_CLIENTS)
    args.seconds = min(max(args.seconds, 1), MAX_SECONDS)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        print("skipped: visits through gunicorn run on PostgreSQL only (set BENCH_DATABASE_URL)")
        return
    data = prepare(url, min(max(args.households, 100), 100_000), goal=province_size(args))
    app = drive("app:create_app()", url, data, args)
    bare = drive("bench.bare_app:app", url, data, args)
    for name, result in (("app", app), ("bare", bare)):
        print(
            f"  {name}: {result['accepted']} visits accepted in {result['seconds']:.1f} s, "
            f"refused {result['refused'] or 'none'}, worker RSS "
            f"{', '.join(f'{r:.0f} MB' for r in result['rss'])}"
        )
        # Where the machine's CPU went, per accepted visit (the load is CPU-bound on 2 cores:
        # the ratio of these totals is about the inverse of the ratio of the rates).
        served, database, client = (1000 * c / max(result["accepted"], 1) for c in result["cpu"])
        print(
            f"  {name}: CPU per accepted visit {served + database + client:.1f} ms: gunicorn "
            f"workers {served:.1f} ms, PostgreSQL {database:.1f} ms, the client {client:.1f} ms"
        )
    rate, bare_rate = (r["accepted"] / r["seconds"] for r in (app, bare))
    p95, bare_p95 = (percentile(r["latencies"], 0.95) * 1000 for r in (app, bare))
    what = f"bare WSGI, plain INSERTs, {args.clients} clients"
    where = ", the province" if args.province else ""
    figures = [
        Figure(f"POST /visits through gunicorn{where}", rate, "visits/s", what, bare_rate,
               ">= 0.5x limit", within(rate, limit=bare_rate, ratio_at_least=0.5),
               "PostgreSQL"),
        Figure(f"POST /visits p95 latency{where}", p95, "ms", what, bare_p95, "<= 100 ms",
               within(p95, at_most=100), "PostgreSQL"),
    ]  # fmt: skip
    figures.append(Figure(
        f"GET /me through the same gunicorn{where} (no target)", app["floor"], "requests/s", what,
        bare_rate, "", None, "PostgreSQL",
    ))  # fmt: skip
    for n, (rss, bare_rss) in enumerate(zip(app["rss"], bare["rss"] + [0.0] * 2, strict=False)):
        figures.append(Figure(
            f"gunicorn app worker {n + 1} RSS after the load{where}", rss, "MB", "bare worker",
            bare_rss or None, "<= 200 MB", within(rss, at_most=200), "PostgreSQL",
        ))  # fmt: skip
    record(figures, databases={"postgresql": database_version(url)})


if __name__ == "__main__":
    main()
