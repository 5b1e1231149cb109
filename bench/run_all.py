"""Run every benchmark one after the other and print their figures with each one's peak memory.

    make bench                                  # SQLite only, full sizes
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench make bench
    .venv/bin/python bench/run_all.py --quick   # small sizes: checks the scripts still run

With BENCH_DATABASE_URL the benchmarks also run on that PostgreSQL database (created when
missing; its schema is dropped and rebuilt by each benchmark, so its name must contain
"bench"). Each benchmark runs in its own process; its peak resident memory (the process's
ru_maxrss) is printed after its figures. docs/BENCHMARKS.md records the figures of a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, full-size arguments, quick arguments, how it reaches PostgreSQL: "env" when it reads
# BENCH_DATABASE_URL itself, "flag" when it needs --database-url, None when it has no database)
BENCHMARKS = [
    ("bench_route.py", [], ["--runs", "5"], None),
    ("bench_followups_api.py", [], ["--others", "2000", "--runs", "5"], "env"),
    ("bench_visits.py", [], ["--households", "500", "--batches", "2", "--size", "100"], "env"),
    ("bench_import.py", [], ["--residents", "5000"], "flag"),
    (
        "bench_coverage.py",
        [],
        ["--households", "5000", "--visits", "8000", "--communes", "5", "--repeat", "2"],
        "env",
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
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--only", help="run only benchmarks whose file name contains this")
    options = parser.parse_args()
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if postgres:
        ensure_database(postgres)
    env = {**os.environ, "RATELIMIT_ENABLED": "0", "PYTHONUNBUFFERED": "1"}
    failed = []
    for script, full, quick, reach in BENCHMARKS:
        if options.only and options.only not in script:
            continue
        args = quick if options.quick else full
        if not run(script, args, env):
            failed.append(script)
        if (
            postgres
            and reach == "flag"
            and not run(script, [*args, "--database-url", postgres], env)
        ):
            failed.append(f"{script} (PostgreSQL)")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
