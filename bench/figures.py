"""Each figure beside a limit measured in the same run, and the run's results file.

A benchmark builds `Figure`s (what the app did, what the plainest code doing the same work did
on the same data a moment before or after, and the target), prints them with `show` and adds
them to bench/results.json with `record`. bench/run_all.py empties that file when a run starts
and prints every figure of the run at its end (`table`). A target not met prints NOT MET; it
never fails the run (only a crash does).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy

RESULTS = Path(__file__).resolve().parent / "results.json"


def results_path() -> Path:
    """The results file: BENCH_RESULTS when set (the tests use their own), else bench/."""
    return Path(os.environ.get("BENCH_RESULTS") or RESULTS)


@dataclass
class Figure:
    """One measured figure beside its limit (the same work done the plainest way)."""

    name: str
    value: float
    unit: str
    limit_name: str | None = None
    limit_value: float | None = None
    target: str = ""
    met: bool | None = None
    database: str = ""

    @property
    def ratio(self) -> float | None:
        if self.limit_value in (None, 0):
            return None
        return self.value / self.limit_value

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def within(
    value: float,
    *,
    at_most: float | None = None,
    limit: float | None = None,
    ratio_at_most: float | None = None,
    ratio_at_least: float | None = None,
) -> bool:
    """Whether a value meets its absolute bound and its bound relative to the limit."""
    ok = at_most is None or value <= at_most
    if limit:
        ratio = value / limit
        ok = ok and (ratio_at_most is None or ratio <= ratio_at_most)
        ok = ok and (ratio_at_least is None or ratio >= ratio_at_least)
    return ok


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def line(figure: Figure | dict[str, Any]) -> str:
    """`figure  value  |  limit (what)  value  |  ratio  |  target  ok/NOT MET`."""
    f = figure if isinstance(figure, dict) else figure.as_dict()
    name = f"{f['name']} [{f['database']}]" if f.get("database") else f["name"]
    limit = f"limit ({f['limit_name']})  {_number(f['limit_value'], f['unit'])}"
    ratio = f"{f['ratio']:.2f}x" if f.get("ratio") is not None else "-"
    verdict = {True: "ok", False: "NOT MET", None: ""}[f.get("met")]
    if not f.get("limit_name"):
        limit = "no limit"
    return (
        f"{name:<56} {_number(f['value'], f['unit']):>12}  |  {limit:<52}  |  {ratio:>7}  |  "
        f"{f.get('target') or '-'}  {verdict}"
    ).rstrip()


def show(figures: list[Figure]) -> None:
    """Print the figures of one benchmark."""
    for figure in figures:
        print("  " + line(figure), flush=True)


def machine() -> dict[str, Any]:
    """The machine the figures were measured on."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "databases": {},
    }


def start(size: str = "") -> None:
    """Begin a new results file for a run (run_all.py does this)."""
    data = {
        "machine": machine(),
        "size": size,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "figures": [],
    }
    _write(data)


def _write(data: dict[str, Any]) -> None:
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def load() -> dict[str, Any]:
    """The results file, or a fresh one when it is missing or unreadable."""
    try:
        return json.loads(results_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {
            "machine": machine(),
            "size": "",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "figures": [],
        }


def database_version(url: str) -> str:
    """The server's version for a database URL (SQLite: the library's)."""
    if url.startswith("sqlite"):
        return "SQLite " + __import__("sqlite3").sqlite_version
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SHOW server_version")) or ""
    finally:
        engine.dispose()


def record(
    figures: list[Figure], script: str = "", databases: dict[str, str] | None = None
) -> None:
    """Print the figures and add them to the results file."""
    show(figures)
    data = load()
    data.setdefault("machine", machine()).setdefault("databases", {}).update(databases or {})
    script = script or Path(sys.argv[0]).name
    data.setdefault("figures", []).extend({**f.as_dict(), "script": script} for f in figures)
    _write(data)


def table(data: dict[str, Any] | None = None) -> str:
    """Every figure of the run, one line each, under the machine it ran on."""
    data = data or load()
    m = data.get("machine", {})
    dbs = ", ".join(f"{k} {v}" for k, v in m.get("databases", {}).items()) or "SQLite"
    head = (
        f"{data.get('timestamp', '')}  size {data.get('size', '')}  {m.get('cores')} cores, "
        f"Python {m.get('python')}, SQLite {m.get('sqlite')}; {dbs}"
    )
    rows = [line(f) for f in data.get("figures", [])]
    missed = sum(f.get("met") is False for f in data.get("figures", []))
    foot = f"{len(rows)} figures, {missed} target(s) NOT MET"
    return "\n".join([head, *rows, foot])


class Statements:
    """Counts, client CPU and wall time of the statements sent, by their first words."""

    def __init__(self) -> None:
        self.kinds: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self.flushes = 0
        self.on = False

    def listen(self, engine: Any) -> None:
        """Time the statements this engine sends (those sent while `on`)."""
        sqlalchemy.event.listen(engine, "before_cursor_execute", self.before)
        sqlalchemy.event.listen(engine, "after_cursor_execute", self.after)

    def wall(self) -> float:
        """The wall time of the statements timed so far, in seconds."""
        return sum(kind[2] for kind in self.kinds.values())

    def before(self, conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        conn.info["profile_began"] = (time.process_time(), time.perf_counter())

    def after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        cpu, wall = conn.info.pop("profile_began")
        if self.on:
            kind = self.kinds[" ".join(statement.split()[:3])[:48]]
            kind[0] += 1
            kind[1] += time.process_time() - cpu
            kind[2] += time.perf_counter() - wall

    def flushed(self, *_args: Any) -> None:
        self.flushes += self.on
