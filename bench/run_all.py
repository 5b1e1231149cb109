"""Run every benchmark one after the other; print each figure beside its limit at the end.

    make bench                                  # small sizes on SQLite (a few minutes)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench make bench
    make bench-province                         # full sizes, the goal province on PostgreSQL
    .venv/bin/python bench/run_all.py --full    # full sizes (what bench-province runs)

With BENCH_DATABASE_URL the benchmarks also run on that PostgreSQL database (created when
missing; its schema is dropped and rebuilt by each benchmark, so its name must contain
"bench"). With --full the coverage benchmark and the write path's (visits through gunicorn, the
batch) use the goal province (bench/province.py) in a database of its own, BENCH_PROVINCE_URL
or the same name with "_province", kept between runs.
Each benchmark runs in its own process; its peak resident memory (the process's ru_maxrss)
is printed after its figures. Each figure is recorded in bench/results.json beside the limit
measured in the same run (bench/figures.py), and the table of them all ends the run. The exit
status is 1 when a script fails, never because a target is not met.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(HERE))

import figures  # noqa: E402
import province  # noqa: E402

# (script, full-size arguments, quick arguments, how it reaches PostgreSQL: "env" when it reads
# BENCH_DATABASE_URL itself, "flag" when it needs --database-url, "province" when --full gives
# it the province database, None when it has no database)
BENCHMARKS = [
    ("bench_route.py", [], ["--runs", "5"], None),
    ("bench_followups_api.py", [], ["--others", "2000", "--runs", "5"], "env"),
    ("bench_http.py", ["--province"], ["--households", "2000", "--seconds", "5"], "province"),
    (
        "bench_visits.py",
        ["--province"],
        ["--households", "600", "--batches", "1", "--size", "500"],
        "province",
    ),
    ("profile_visits.py", [], ["--visits", "30"], "env"),  # a diagnostic: no figures
    ("bench_import.py", [], ["--residents", "5000"], "flag"),
    (
        "bench_coverage.py",
        [
            "--households",
            "1000000",
            "--visits",
            "2000000",
            "--communes",
            "300",
            "--hamlets",
            "10",
            "--postgres-only",
            "--reuse-postgres",
        ],
        [
            "--households",
            "20000",
            "--visits",
            "40000",
            "--communes",
            "20",
            "--hamlets",
            "10",
            "--repeat",
            "2",
        ],
        "province",
    ),
    ("bench_reconcile.py", [], ["--rows", "1000", "--residents", "10000"], "flag"),
]

# Runs a benchmark script as __main__ and prints the process's peak memory when it ends.
PEAK = """
import resource, runpy, sys
sys.argv = sys.argv[1:]
sys.path.insert(0, {root!r})
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {{peak:.0f}} MB", flush=True)
"""


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist yet."""
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    if "bench" not in (target.database or ""):
        sys.exit("BENCH_DATABASE_URL must name a database with 'bench' in it (it is emptied).")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def run(script: str, args: list[str], env: dict[str, str]) -> bool:
    """Run one benchmark; answer whether it ended well."""
    command = [sys.executable, "-c", PEAK.format(root=str(HERE.parent)), str(HERE / script)]
    print(f"\n== {script} {' '.join(args)}", flush=True)
    began = time.perf_counter()
    done = subprocess.run([*command, *args], env=env, check=False)
    print(f"   ({time.perf_counter() - began:.0f} s)", flush=True)
    return done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (the default)")
    parser.add_argument("--full", action="store_true", help="full sizes, the goal province")
    parser.add_argument("--only", help="run only benchmarks whose file name contains this")
    options = parser.parse_args()
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if options.full and not postgres:
        sys.exit("--full needs BENCH_DATABASE_URL (PostgreSQL)")
    if postgres:
        ensure_database(postgres)
        if options.full:
            ensure_database(province.province_url(postgres))
    env = {**os.environ, "RATELIMIT_ENABLED": "0", "PYTHONUNBUFFERED": "1"}
    figures.start("full" if options.full else "quick")
    failed = []
    for script, full, quick, reach in BENCHMARKS:
        if options.only and options.only not in script:
            continue
        args = full if options.full else quick
        own = env
        if reach == "province" and options.full and postgres:
            own = {**env, "BENCH_DATABASE_URL": province.province_url(postgres)}
        if not run(script, args, own):
            failed.append(script)
        if (
            postgres
            and reach == "flag"
            and not run(script, [*args, "--database-url", postgres], env)
        ):
            failed.append(f"{script} (PostgreSQL)")
    print("\n== every figure beside its limit (bench/results.json)")
    print(figures.table(), flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
