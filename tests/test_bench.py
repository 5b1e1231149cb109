"""The benchmark runner still runs its scripts and reports each one's peak memory."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_run_all_quick_route_prints_figures_and_memory():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick", "--only", "route"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "== bench_route.py" in done.stdout
    assert "peak memory (max RSS):" in done.stdout
