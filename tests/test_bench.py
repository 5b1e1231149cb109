"""The benchmark runner still runs its scripts, reports each one's peak memory, and records
every figure beside the limit measured in the same run (bench/results.json)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402


def test_run_all_quick_route_records_figures_beside_their_limit(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick", "--only", "route"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BENCH_RESULTS": str(results)},
    )
    assert done.returncode == 0, done.stderr
    assert "== bench_route.py" in done.stdout
    assert "peak memory (max RSS):" in done.stdout
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["size"] == "quick"
    assert data["machine"]["cores"] >= 1 and data["machine"]["python"]
    [route] = data["figures"]
    assert route["name"].startswith("walking route, 200 stops")
    assert route["limit_name"] == "nearest neighbour alone"
    assert route["value"] > 0 and route["limit_value"] > 0
    assert route["ratio"] == route["value"] / route["limit_value"]
    assert route["met"] in (True, False) and route["target"] == "< 200 ms"
    # The table that ends the run prints the figure, its limit, the ratio and the verdict.
    table = done.stdout.split("== every figure beside its limit")[1]
    assert "walking route, 200 stops" in table and "limit (nearest neighbour alone)" in table
    assert f"{route['ratio']:.2f}x" in table
    assert ("ok" if route["met"] else "NOT MET") in table


def test_a_missed_target_prints_not_met_and_no_limit_prints_so():
    slow = figures.Figure("x", 3.0, "s", "plain SQL", 1.0, "<= 1.5x limit", False, "PostgreSQL")
    text = figures.line(slow)
    assert "x [PostgreSQL]" in text and "limit (plain SQL)" in text
    assert "3.00x" in text and text.endswith("<= 1.5x limit  NOT MET")
    alone = figures.line(figures.Figure("y", 2.0, "MB"))
    assert "no limit" in alone and alone.split("|")[2].strip() == "-"


def test_within_checks_the_bound_and_the_ratio():
    assert figures.within(0.9, at_most=1.0, limit=0.7, ratio_at_most=1.5)
    assert not figures.within(0.9, at_most=1.0, limit=0.5, ratio_at_most=1.5)
    assert not figures.within(1.2, at_most=1.0)
    assert figures.within(60, limit=100, ratio_at_least=0.5)
    assert not figures.within(40, limit=100, ratio_at_least=0.5)


PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def _province_url() -> str:
    """The test database's name with "_bench_province": the province the suite's runs keep."""
    import sqlalchemy as sa

    url = sa.engine.make_url(PG_URL)
    return url.set(database=f"{url.database}_bench_province").render_as_string(False)


def _run_scripts(scripts: list[list[str]], common: list[str], env: dict[str, str]) -> list[str]:
    """Run bench scripts one after the other (each with the common arguments); answer their
    outputs, each having ended well."""
    outputs = []
    for script, *args in scripts:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), *common, *args],
            capture_output=True, text=True, timeout=300, check=False, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    return outputs


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_the_write_path_is_measured_in_a_kept_province(tmp_path):
    """`make bench-province` measures visits through gunicorn and the batch in the goal
    province; here in a province of 1,000 households made the same way, loaded by the first
    script and kept for the second."""
    url = _province_url()
    results = tmp_path / "results.json"
    env = {**os.environ, "BENCH_DATABASE_URL": url, "BENCH_RESULTS": str(results)}
    scripts = [
        ["bench_visits.py", "--batches", "1", "--size", "20"],
        ["bench_http.py", "--seconds", "1", "--clients", "4"],
    ]
    outputs = _run_scripts(scripts, ["--province", "--province-households", "1000"], env)
    # The second script found the province the first one had (or an earlier run) loaded.
    assert "province kept: format=" in outputs[1]
    assert "households=1000;" in outputs[1]
    names = {f["name"]: f for f in json.loads(results.read_text(encoding="utf-8"))["figures"]}
    batch = names["POST /visits/batch of 20, the province (median)"]
    visits = names["POST /visits through gunicorn, the province"]
    for figure in (batch, visits, names["POST /visits p95 latency, the province"]):
        assert figure["value"] > 0 and figure["limit_value"] > 0
        assert figure["database"] == "PostgreSQL"


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_the_province_diagnostics_run_in_a_kept_province():
    """bench_refresh.py and bench_peak.py, run by hand at the goal province, run here in a
    province of 1,000 households made the same way, and print their figures."""
    env = {**os.environ, "BENCH_PROVINCE_URL": _province_url()}
    scripts = [
        ["bench_refresh.py", "--hamlets", "3", "--repeat", "1", "--campaign"],
        ["bench_peak.py", "--communes", "2", "--clients", "2", "--seconds", "3",
         "--read-every", "1"],
    ]  # fmt: skip
    outputs = _run_scripts(scripts, ["--households", "1000"], env)
    assert "3 hamlets: planned for a few" in outputs[0]
    assert "default plan" in outputs[0]
    assert "visits/s (0 refused); province reads median" in outputs[1]


def test_the_load_client_reads_answers_on_kept_connections_and_opens_closed_ones():
    """bench_http.py's own client: the status of each answer, the body read past so the next
    answer on the same connection is read right, a connection the server closes opened again,
    and a lost one raised as ConnectionError (counted by the load as a refusal)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import bench_http

    seen: list[bytes] = []
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            await answer_requests(reader, writer)
        except asyncio.IncompleteReadError:
            pass  # the client closed the connection
        finally:
            writer.close()

    async def answer_requests(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = next(
                (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                 if line.lower().startswith(b"content-length")),
                0,
            )  # fmt: skip
            body = await reader.readexactly(length)
            path = head.split(b" ")[1]
            seen.append(path + b" " + body)
            if path == b"/lost":
                return
            close = path == b"/close"
            status = b"201 CREATED" if body else b"200 OK"
            answer = b'{"ok": true, "padding": "' + b"x" * 300 + b'"}'
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Length: " + str(len(answer)).encode()
                + (b"\r\nConnection: close" if close else b"") + b"\r\n\r\n" + answer
            )  # fmt: skip
            await writer.drain()
            if close:
                return

    async def run() -> list:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = bench_http.Client(f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"})
        statuses = [
            await client.send("POST", "/api/v1/visits", b'{"a": 1}'),
            await client.send("GET", "/api/v1/me"),
            await client.send("GET", "/close"),
            await client.send("GET", "/api/v1/me"),
        ]
        try:
            await client.send("GET", "/lost")
        except ConnectionError:
            statuses.append("lost")
        statuses.append(await client.send("GET", "/api/v1/me"))
        client.close()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.05)  # the transports closed above finish closing
        return statuses

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in
    # this one, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(lambda: asyncio.run(run())).result(timeout=60)
    assert statuses == [201, 200, 200, 200, "lost", 200]
    assert seen[0] == b'/api/v1/visits {"a": 1}'
    assert connections == 3  # the first, after the server's close, after the lost one
