"""Load and faults, proven: many officers' phones against gunicorn on PostgreSQL while the
database restarts and a worker is killed; afterwards the database must hold exactly the visits
the phones were told were accepted.

    PYTHONPATH=. .venv/bin/python bench/load_faults.py                      # 200 officers, 60 s
    PYTHONPATH=. .venv/bin/python bench/load_faults.py --officers 20 --duration 15

What it does, all on 127.0.0.1 and cleaned up on every exit (even a failure or Ctrl-C):

1. starts its own PostgreSQL cluster (initdb + pg_ctl in a temporary directory, a free port;
   as the `postgres` OS user when run as root), never the shared one;
2. `flask db upgrade`, `flask units load`, `flask demo load` against it;
3. starts gunicorn (`app:create_app()`, 2 workers with threads) on a free port;
4. drives N simulated officers (asyncio + httpx, one connection each) for D seconds, signed in
   as the demo officers canbo1/canbo2/canbo3: single visits, retries of an already accepted
   client_id with the same body (must answer 200 duplicate) and batches, to households of the
   demo commune. A request that gets no answer, a 503 or a 409 "send again" stays in that
   phone's outbox and is sent again later with the same client_id and body, as the phone does;
   after the load every outbox is drained (bounded in tries and time);
5. midway stops PostgreSQL (`pg_ctl stop -m fast`) for a few seconds and starts it again, while
   a poller asks /healthz every 0.2 s; later SIGKILLs one gunicorn worker mid-request;
6. checks, printing PASS or FAIL for each and exiting 1 on any FAIL:
   - the visits in the database with the harness's client_ids are exactly those the phones
     were told were accepted (created or duplicate), none twice, none without its residents;
   - every retry of an accepted client_id answered 200 duplicate;
   - requests during the outage got a JSON 503 `{code, message}` with Retry-After, never an
     HTML 500, and /healthz answered a JSON 503 while the database was down and 200 after;
   - no 5xx and no connection error outside the outage and the killed worker's windows
     (each widened by --grace seconds); the killed worker's cut connections are counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIETNAM = timezone(timedelta(hours=7))
OFFICERS = ("canbo1", "canbo2", "canbo3")
PASSWORD = "gocua-demo"
PREFIX = "lf-"  # every client_id the harness makes starts with this


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    """The directory of initdb and pg_ctl: $PG_BIN, PATH, or the newest Debian install."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent  # /usr/local/bin may hold links to a few only
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for path in reversed(candidates):
        if (Path(path) / "initdb").exists() and (Path(path) / "pg_ctl").exists():
            return Path(path)
    return None


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="gocua-lf-"))
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
            import pwd

            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/gocua"

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(
            [*self.as_user, *args],
            check=False,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr}")

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        self.start()
        import sqlalchemy as sa

        admin = sa.create_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE gocua"))
        admin.dispose()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c max_connections=100"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-o",
            options, "-w", "-t", "60", "start",
        )  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
            "stop",
        )  # fmt: skip
        self.running = False

    def cleanup(self) -> None:
        if self.running or (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """gunicorn serving the app on a free loopback port, in its own process group."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, keep_alive: int) -> None:
        self.port = free_port()
        self.logfile = tempfile.NamedTemporaryFile(prefix="gocua-lf-gunicorn-", suffix=".log")  # noqa: SIM115 - open while gunicorn runs
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--threads", str(threads), "--timeout", "60",
            "--graceful-timeout", "5", "--keep-alive", str(keep_alive), "app:create_app()",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        pids = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                text = Path(stat).read_text()
                ppid = int(text.rsplit(")", 1)[1].split()[1])
                if ppid == self.process.pid:
                    pids.append(int(stat.split("/")[2]))
        return sorted(pids)

    def wait_ready(self, timeout: float = 90) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout} s:\n{self.tail()}")

    def log_facts(self) -> dict[str, int]:
        """Counts of telling lines in gunicorn's log: worker boots, timeouts, tracebacks."""
        with contextlib.suppress(OSError):
            text = Path(self.logfile.name).read_text(errors="replace")
            return {
                "workers booted": text.count("Booting worker"),
                "worker timeouts": text.count("WORKER TIMEOUT"),
                "tracebacks": text.count("Traceback"),
                "database unreachable warnings": text.count("database unreachable"),
            }
        return {}

    def tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(Path(self.logfile.name).read_text().splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.logfile.close()


# --- what the clients record ---------------------------------------------------------------


@dataclass
class Answer:
    """One request and what came back (or how it failed)."""

    kind: str  # single, retry, batch, drain
    sent: float  # seconds since the load began
    done: float
    status: int | None = None  # None: no HTTP answer (connection cut, timeout)
    content_type: str = ""
    json_error_ok: bool = False  # for >= 400: a JSON body with code == status and a message
    retry_after: bool = False
    failure: str = ""  # the exception's class name when there was no answer


@dataclass
class Record:
    """Everything the phones learnt."""

    answers: list[Answer] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)  # created or duplicate
    created: int = 0
    duplicates: int = 0
    rejected: set[str] = field(default_factory=set)
    conflicts: int = 0  # 409: send again later
    bad_retries: list[str] = field(default_factory=list)  # retry of accepted, not duplicate
    # /healthz polls: sent, answered, status, content type, JSON error shape right
    health: list[tuple[float, float, int | None, str, bool]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # answered requests, seconds


@dataclass
class Phone:
    """One officer's phone: its sign-in, its households and its outbox of unsent visits."""

    number: int
    token: str
    households: list[dict]
    outbox: dict[str, dict] = field(default_factory=dict)  # client_id -> body
    sent_ok: list[dict] = field(default_factory=list)  # accepted bodies, for retries
    rng: random.Random = field(default_factory=random.Random)

    def new_visit(self) -> dict:
        household = self.rng.choice(self.households)
        residents = household["residents"][: self.rng.randint(1, 3)]
        lat, lon = household["lat"], household["lon"]
        return {
            "client_id": f"{PREFIX}{uuid.uuid4()}",
            "household_id": household["id"],
            "visited_at": datetime.now(VIETNAM).replace(microsecond=0).isoformat(),
            "location": {
                "lat": round(lat + self.rng.uniform(-0.0002, 0.0002), 6),
                "lon": round(lon + self.rng.uniform(-0.0002, 0.0002), 6),
                "accuracy_m": self.rng.randint(5, 30),
            },
            "location_missing_reason": None,
            "outcome": "met",
            "residents": [
                {
                    "resident_id": rid,
                    "presence": "present",
                    "id_card": self.rng.choice(["not_collected", "collected", "issued"]),
                    "eid": self.rng.choice(["none", "level1", "level2_applied"]),
                    "has_smartphone": self.rng.random() < 0.7,
                }
                for rid in residents
            ],
            "note": "",
        }


def _json_error_ok(response, status: int) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and body.get("code") == status
        and isinstance(body.get("message"), str)
        and bool(body["message"])
    )


class Load:
    """The simulated officers and the faults, sharing one clock."""

    def __init__(self, options, server: Server, cluster: Cluster) -> None:
        self.options = options
        self.server = server
        self.cluster = cluster
        self.record = Record()
        self.t0 = 0.0
        self.outage: tuple[float, float] | None = None  # pg_ctl stop began, start returned
        self.kill: float | None = None
        self.down: tuple[float, float] | None = None
        self.killed_pid: int | None = None
        self.stop_load = asyncio.Event()
        self.phones: list[Phone] = []
        self.created_in_load = 0  # visits created before the load ended (the drain apart)

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def _post(self, client, phone: Phone, kind: str, path: str, body: dict):
        sent = self.now()
        answer = Answer(kind=kind, sent=sent, done=sent)
        try:
            response = await client.post(
                path, json=body, headers={"Authorization": f"Bearer {phone.token}"}
            )
        except Exception as exc:  # any failure to get an answer is recorded
            answer.done = self.now()
            answer.failure = type(exc).__name__
            self.record.answers.append(answer)
            return None
        answer.done = self.now()
        answer.status = response.status_code
        answer.content_type = response.headers.get("content-type", "")
        answer.retry_after = "retry-after" in response.headers
        if response.status_code >= 400:
            answer.json_error_ok = _json_error_ok(response, response.status_code)
        self.record.answers.append(answer)
        self.record.latencies.append(answer.done - answer.sent)
        return response

    def _learn(self, phone: Phone, body: dict, status: int, result: dict | None) -> None:
        """Note what the server said about one visit; keep it in the outbox unless settled."""
        client_id = body["client_id"]
        outcome = (result or {}).get("status")
        if status in (200, 201) and outcome in ("created", "duplicate"):
            if outcome == "created":
                self.record.created += 1
            else:
                self.record.duplicates += 1
            self.record.accepted.add(client_id)
            if client_id in phone.outbox:
                del phone.outbox[client_id]
                phone.sent_ok.append(body)
            return
        if outcome == "rejected" or status in (400, 422):
            self.record.rejected.add(client_id)
            phone.outbox.pop(client_id, None)
            return
        if status == 409:
            self.record.conflicts += 1
        phone.outbox[client_id] = body  # 503, 409 "send again", no answer: send it later

    async def _single(self, client, phone: Phone, body: dict, kind: str = "single") -> None:
        phone.outbox[body["client_id"]] = body
        response = await self._post(client, phone, kind, "/api/v1/visits", body)
        if response is None:
            return
        result = None
        with contextlib.suppress(ValueError):
            result = response.json()
        self._learn(phone, body, response.status_code, result)

    async def _batch(self, client, phone: Phone, bodies: list[dict], kind: str = "batch") -> None:
        for body in bodies:
            phone.outbox[body["client_id"]] = body
        response = await self._post(client, phone, kind, "/api/v1/visits/batch", {"visits": bodies})
        if response is None:
            return
        results = []
        if response.status_code == 200:
            with contextlib.suppress(ValueError):
                results = response.json().get("results") or []
        for index, body in enumerate(bodies):
            result = results[index] if index < len(results) else None
            self._learn(phone, body, response.status_code, result)

    async def _retry_accepted(self, client, phone: Phone) -> None:
        body = phone.rng.choice(phone.sent_ok)
        response = await self._post(client, phone, "retry", "/api/v1/visits", body)
        if response is None:
            return
        result = None
        with contextlib.suppress(ValueError):
            result = response.json()
        if response.status_code == 200 and (result or {}).get("status") == "duplicate":
            self.record.duplicates += 1
        elif response.status_code not in (503,):
            self.record.bad_retries.append(f"{body['client_id']}: {response.status_code}")

    async def officer(self, phone: Phone) -> None:
        import httpx

        options = self.options
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=self.server.base, timeout=options.timeout, limits=limits
        ) as client:
            await asyncio.sleep(phone.rng.uniform(0, options.think))  # spread the starts
            actions = 0
            while not self.stop_load.is_set() and actions < options.max_actions:
                actions += 1
                if phone.outbox and phone.rng.random() < 0.5:
                    # What failed before goes again first, as the phone's sync does.
                    pending = list(phone.outbox.values())[: options.batch_max]
                    if len(pending) == 1:
                        await self._single(client, phone, pending[0], "resend")
                    else:
                        await self._batch(client, phone, pending, "resend")
                else:
                    roll = phone.rng.random()
                    if roll < 0.2 and phone.sent_ok:
                        await self._retry_accepted(client, phone)
                    elif roll < 0.4:
                        size = phone.rng.randint(2, options.batch_max)
                        await self._batch(client, phone, [phone.new_visit() for _ in range(size)])
                    else:
                        await self._single(client, phone, phone.new_visit())
                pause = min(phone.rng.expovariate(1 / options.think), 5 * options.think)
                with contextlib.suppress(TimeoutError):  # the pause ends with the load
                    await asyncio.wait_for(self.stop_load.wait(), timeout=pause)

    async def drain(self, phone: Phone, deadline: float) -> None:
        """After the load: send each outbox until the server has settled every visit."""
        import httpx

        async with httpx.AsyncClient(base_url=self.server.base, timeout=self.options.timeout) as c:
            for _ in range(20):
                if not phone.outbox or time.monotonic() > deadline:
                    return
                pending = list(phone.outbox.values())[:100]  # the phone's sync: one batch
                if len(pending) == 1:
                    await self._single(c, phone, pending[0], "drain")
                else:
                    await self._batch(c, phone, pending, "drain")
                if phone.outbox:
                    await asyncio.sleep(1)

    async def health_poller(self) -> None:
        import httpx

        async with httpx.AsyncClient(base_url=self.server.base, timeout=5) as client:
            for _ in range(int((self.options.duration + 120) / 0.2)):
                at = self.now()
                try:
                    response = await client.get("/healthz")
                    ok = response.status_code == 200 or _json_error_ok(
                        response, response.status_code
                    )
                    ctype = response.headers.get("content-type", "")
                    self.record.health.append((at, self.now(), response.status_code, ctype, ok))
                except httpx.HTTPError as exc:
                    self.record.health.append((at, self.now(), None, type(exc).__name__, False))
                await asyncio.sleep(0.2)

    async def faults(self) -> None:
        options = self.options
        await asyncio.sleep(options.duration * options.outage_at)
        began = self.now()
        log(f"stopping PostgreSQL (pg_ctl stop -m fast) at {began:.1f} s")
        await asyncio.to_thread(self.cluster.stop, "fast")
        down = self.now()
        await asyncio.sleep(options.outage_seconds)
        self.down = (down, self.now())  # the database surely down: stopped, not yet starting
        await asyncio.to_thread(self.cluster.start)
        self.outage = (began, self.now())
        log(f"PostgreSQL started again at {self.outage[1]:.1f} s")
        wait = options.duration * options.kill_at - self.now()
        await asyncio.sleep(max(wait, 0))
        workers = self.server.workers()
        if workers:
            self.killed_pid = random.choice(workers)
            self.kill = self.now()
            os.kill(self.killed_pid, signal.SIGKILL)
            log(f"SIGKILL gunicorn worker {self.killed_pid} at {self.kill:.1f} s")

    async def run(self, phones: list[Phone]) -> float:
        self.t0 = time.monotonic()
        poller = asyncio.create_task(self.health_poller())
        faults = asyncio.create_task(self.faults())
        officers = [asyncio.create_task(self.officer(p)) for p in phones]
        await asyncio.sleep(self.options.duration)
        self.stop_load.set()
        await asyncio.wait_for(asyncio.gather(*officers), timeout=self.options.timeout + 30)
        await asyncio.wait_for(faults, timeout=120)
        load_seconds = self.now()
        self.created_in_load = self.record.created
        pending = sum(len(p.outbox) for p in phones)
        log(f"load over at {load_seconds:.1f} s; draining {pending} unsettled visits")
        deadline = time.monotonic() + 60
        await asyncio.gather(*(self.drain(p, deadline) for p in phones))
        await asyncio.sleep(1)  # a few more /healthz polls after everything
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        return load_seconds


# --- setup -----------------------------------------------------------------------------------


# The Makefile's `make demo` (flask db upgrade, units load, demo load), in one process so that
# the app is imported once.
SETUP = """
import sys, time
from app import create_app
app = create_app()
runner = app.test_cli_runner()
for args in (["db", "upgrade"], ["units", "load"], ["demo", "load"]):
    began = time.perf_counter()
    result = runner.invoke(args=args)
    if result.exit_code != 0:
        print(result.output, repr(result.exception), file=sys.stderr)
        sys.exit(f"flask {' '.join(args)} failed")
    print(f"flask {' '.join(args)}: {time.perf_counter() - began:.1f} s", flush=True)
"""


def setup_database(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"setup failed:\n{done.stdout}\n{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("flask "):
            log(line)


def sign_in_and_households(base: str, count: int) -> list[Phone]:
    """Sign in the demo officers and build `count` phones spread over them."""
    import httpx

    per_officer = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for username in OFFICERS:
            response = client.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            response.raise_for_status()
            token = response.json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            households = []
            for page in range(1, 51):
                response = client.get(
                    "/api/v1/households", params={"page": page, "per_page": 200}, headers=headers
                )
                response.raise_for_status()
                data = response.json()
                items = data.get("items") or []
                for item in items:
                    location = item.get("location") or {}
                    residents = [r["id"] for r in item.get("residents") or [] if r.get("id")]
                    if location.get("lat") is not None and residents:
                        households.append(
                            {
                                "id": item["id"],
                                "lat": location["lat"],
                                "lon": location["lon"],
                                "residents": residents,
                            }
                        )
                if not items or page * 200 >= data.get("total", 0):
                    break
            if not households:
                raise RuntimeError(f"{username} sees no household with a location and residents")
            per_officer[username] = (token, households)
    phones = []
    for number in range(count):
        token, households = per_officer[OFFICERS[number % len(OFFICERS)]]
        phones.append(Phone(number, token, households, rng=random.Random(number)))
    return phones


def database_facts(url: str) -> tuple[list[str], int]:
    """The harness's client_ids in the visits table, and how many of them lack residents."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ids = conn.scalars(
                sa.text("SELECT client_id FROM visits WHERE client_id LIKE :p"), {"p": f"{PREFIX}%"}
            ).all()
            bare = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM visits v WHERE v.client_id LIKE :p AND NOT EXISTS "
                    "(SELECT 1 FROM visit_residents r WHERE r.visit_id = v.id)"
                ),
                {"p": f"{PREFIX}%"},
            )
    finally:
        engine.dispose()
    return list(ids), int(bare or 0)


# --- checks and summary ----------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def judge(load: Load, ids_in_db: list[str], bare: int, load_seconds: float) -> bool:
    options, record = load.options, load.record
    grace = options.grace
    outage = load.outage or (float("inf"), float("inf"))
    in_outage_window = lambda a: a.done >= outage[0] - 0.5 and a.sent <= outage[1] + grace  # noqa: E731
    in_kill_window = lambda a: (  # noqa: E731
        load.kill is not None and a.done >= load.kill - 0.5 and a.sent <= load.kill + grace
    )
    answers = record.answers
    outage_5xx = [a for a in answers if a.status and a.status >= 500 and in_outage_window(a)]
    outage_503 = [a for a in outage_5xx if a.status == 503]
    outage_bad = [
        a
        for a in outage_5xx
        if a.status != 503
        or not a.content_type.startswith("application/json")
        or not a.json_error_ok
        or not a.retry_after
    ]
    outside_5xx = [a for a in answers if a.status and a.status >= 500 and not in_outage_window(a)]
    no_answer = [a for a in answers if a.status is None]
    killed_cut = [a for a in no_answer if in_kill_window(a)]
    other_cut = [a for a in no_answer if not in_kill_window(a)]
    rejections = [a for a in answers if a.status and 400 <= a.status < 500 and a.status != 409]
    db_set = set(ids_in_db)
    missing = record.accepted - db_set
    unexpected = db_set - record.accepted
    unsettled = sum(len(p.outbox) for p in load.phones)
    down = load.down or (float("inf"), float("inf"))
    # Polls sent and answered while the database was surely down.
    health_down = [
        h for h in record.health if down[0] <= h[0] and h[1] <= down[1] and h[2] is not None
    ]
    health_503_json = [h for h in health_down if h[2] == 503 and "json" in h[3] and h[4]]
    health_after = [h for h in record.health if h[0] > outage[1] + grace]
    latencies = record.latencies

    print("\n== summary")
    print(f"officers {options.officers}, load {load_seconds:.1f} s (asked {options.duration} s)")
    print(f"requests {len(answers)} (healthz polls {len(record.health)} apart)")
    print(
        f"visits accepted {len(record.accepted)} (answers created {record.created}, "
        f"duplicate {record.duplicates}); rejected {len(record.rejected)}; "
        f"409 send-again {record.conflicts}; unsettled after drain {unsettled}"
    )
    print(f"4xx answers other than 409: {len(rejections)}")
    if load.outage:
        print(
            f"outage {outage[0]:.1f}-{outage[1]:.1f} s: {len(outage_503)} answers 503, "
            f"{len(outage_5xx) - len(outage_503)} other 5xx; /healthz during it: "
            f"{len(health_503_json)} JSON 503 of {len(health_down)} polls"
        )
    print(
        f"worker SIGKILL at {load.kill if load.kill is None else round(load.kill, 1)} s: "
        f"{len(killed_cut)} requests cut (sent again by their phones)"
    )
    print(f"5xx outside the outage: {len(outside_5xx)}; no answer outside: {len(other_cut)}")
    print(
        f"latency of answered requests: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"max {max(latencies, default=0) * 1000:.0f} ms"
    )
    if latencies:
        print(f"mean latency {statistics.fmean(latencies) * 1000:.0f} ms")
    print(
        f"visits/s: {load.created_in_load / load_seconds:.1f} created during the load; "
        f"{record.created / load_seconds:.1f} counting the drain"
    )

    checks = [
        ("database holds exactly the accepted visits", not missing and not unexpected,
         f"{len(db_set)} in db, {len(record.accepted)} accepted, missing {len(missing)}, "
         f"unexpected {len(unexpected)}"),
        ("no client_id twice", len(ids_in_db) == len(db_set),
         f"{len(ids_in_db) - len(db_set)} repeated"),
        ("no visit without its residents", bare == 0, f"{bare} visits without residents rows"),
        ("every outbox settled after the drain", unsettled == 0, f"{unsettled} unsettled"),
        ("retries of accepted visits answered 200 duplicate", not record.bad_retries,
         ", ".join(record.bad_retries[:5])),
        ("no rejections", not record.rejected and not rejections,
         f"{len(record.rejected)} visits, {len(rejections)} answers"),
        ("the outage happened and was seen (503s)", load.outage is not None and bool(outage_503),
         f"{len(outage_503)} answers 503"),
        ("5xx during the outage: JSON 503 {code, message} with Retry-After", not outage_bad,
         f"{len(outage_bad)} not so, e.g. "
         + ", ".join(f"{a.status} {a.content_type}" for a in outage_bad[:3])),
        ("/healthz answered JSON 503 while the database was down", bool(health_503_json)
         and len(health_503_json) == len(health_down),
         f"{len(health_503_json)} of {len(health_down)}"),
        ("/healthz 200 again after the restart", bool(health_after)
         and all(h[2] == 200 for h in health_after[-5:]), ""),
        ("a worker was killed mid-load", load.kill is not None, ""),
        ("no 5xx outside the outage", not outside_5xx,
         ", ".join(f"{a.status} at {a.done:.1f} s" for a in outside_5xx[:5])),
        ("no connection errors outside the killed worker's window", not other_cut,
         ", ".join(f"{a.failure} at {a.done:.1f} s" for a in other_cut[:5])),
    ]  # fmt: skip
    print("\n== checks")
    passed = True
    for name, ok, detail in checks:
        passed &= ok
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
    print(f"\n{'PASS' if passed else 'FAIL'}", flush=True)
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between requests")
    parser.add_argument("--batch-max", type=int, default=5)
    parser.add_argument("--outage-at", type=float, default=0.35, help="share of the duration")
    parser.add_argument("--outage-seconds", type=float, default=4)
    parser.add_argument("--kill-at", type=float, default=0.75, help="share of the duration")
    parser.add_argument("--grace", type=float, default=3, help="seconds around the faults")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60, help="client timeout, seconds")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=30,
        help="gunicorn's keep-alive, seconds: longer than any pause, so that no request races "
        "the server closing an idle connection (gunicorn's own default is 2 s)",
    )
    parser.add_argument("--max-actions", type=int, default=10_000, help="per officer")
    options = parser.parse_args(argv)

    bindir = postgres_bin()
    if bindir is None:
        print("initdb/pg_ctl not found (set PG_BIN)", file=sys.stderr)
        return 2
    cluster = Cluster(bindir)
    server = None
    try:
        log(f"PostgreSQL cluster from {bindir} on 127.0.0.1:{cluster.port}")
        cluster.init()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "FLASK_APP": "app:create_app",
            "RATELIMIT_ENABLED": "0",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("GOCUA_ENV", None)
        began = time.perf_counter()
        setup_database(env)
        log(f"migrated and loaded the demo in {time.perf_counter() - began:.0f} s")
        server = Server(env, options.workers, options.threads, options.keep_alive)
        server.wait_ready()
        log(f"gunicorn on {server.base}, workers {server.workers()}")
        phones = sign_in_and_households(server.base, options.officers)
        log(f"{len(phones)} officers on {len({p.token for p in phones})} sign-ins; load begins")
        load = Load(options, server, cluster)
        load.phones = phones
        load_seconds = asyncio.run(load.run(phones))
        ids, bare = database_facts(cluster.url)
        passed = judge(load, ids, bare, load_seconds)
        print("gunicorn log: " + ", ".join(f"{k} {v}" for k, v in server.log_facts().items()))
        if not passed:
            print(f"--- gunicorn log (tail)\n{server.tail()}")
        return 0 if passed else 1
    except Exception:
        if server is not None:
            print(f"--- gunicorn log (tail)\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.stop()
        cluster.cleanup()


if __name__ == "__main__":
    sys.exit(main())
