"""The coverage rollup's refresh after writes in N hamlets, by index against the default plan.

A diagnostic beside bench_coverage.py, with no target: nothing is added to
bench/results.json; docs/BENCHMARKS.md quotes its figures. A read of coverage after writes
first recounts the hamlets written since (app/reports/rollup.py); below `FEW_HAMLETS` marked
hamlets that recount is planned for a few hamlets (`read_by_index`, `joins_by_key`, the
recount's `by_key`). This script tells where that threshold should be: on the kept goal
province (bench/province.py; PostgreSQL), for each --hamlets N it marks N random hamlets, as
visits there would, and times `rollup.fresh` of the province, alternating the plan for a few
hamlets with the default plan (`--repeat` times each). With a campaign counted (after
bench_coverage.py, or `--campaign`), its figures of the marked hamlets are recounted too, as
during a campaign. The province is left as it was found: every mark is taken.

Run: .venv/bin/python bench/bench_refresh.py [--hamlets 100 300 600 1000] [--repeat 2] \\
         [--campaign] [--households 1000000]
     (the province's database: BENCH_PROVINCE_URL, else BENCH_DATABASE_URL's name with
     "_province", else gocua_bench_province, as `make bench-province` keeps it)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import province  # noqa: E402
import sqlalchemy as sa  # noqa: E402

MAX_HAMLETS = 10_000
MAX_REPEAT = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hamlets", type=int, nargs="+", default=[100, 300, 600, 1000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--campaign", action="store_true", help="count a campaign first")
    parser.add_argument("--households", type=int, default=province.GOAL.households)
    args = parser.parse_args()
    url = province.province_url()
    province.ensure(url, province.Size(households=province.kept_households(args.households)))

    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.reports import coverage, progress, rollup
    from app.reports.models import Campaign
    from app.units.models import Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
    few = rollup.FEW_HAMLETS
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == province.PROVINCE))
        campaign = db.session.scalar(sa.select(Campaign).order_by(Campaign.id))
        if args.campaign and campaign is not None:
            progress.campaign_progress(db.session.get(User, 1), campaign.id)  # the admin
            db.session.commit()
        counted = db.session.scalar(sa.text("SELECT count(*) FROM campaign_counted"))
        print(f"FEW_HAMLETS {few}; campaigns counted: {counted}", flush=True)

        def refresh() -> None:
            rollup.fresh(unit, coverage.recount, coverage.FOLLOWERS)
            db.session.commit()

        refresh()  # whatever marks were left, and the day's first recount
        for hamlets in (min(max(n, 1), MAX_HAMLETS) for n in args.hamlets):
            times: dict[str, list[float]] = {"few": [], "default": []}
            for _ in range(min(max(args.repeat, 1), MAX_REPEAT)):
                for plan in times:
                    rollup.FEW_HAMLETS = MAX_HAMLETS + 1 if plan == "few" else 0
                    db.session.execute(
                        sa.text(
                            "INSERT INTO hamlet_dirty (hamlet_id, commune_id) "
                            "SELECT id, parent_id FROM units WHERE level = 'hamlet' "
                            "ORDER BY random() LIMIT :n"
                        ),
                        {"n": hamlets},
                    )
                    db.session.commit()
                    started = time.perf_counter()
                    refresh()
                    times[plan].append(time.perf_counter() - started)
            rollup.FEW_HAMLETS = few
            print(
                f"  {hamlets:>5} hamlets: planned for a few "
                + ", ".join(f"{t:.3f}" for t in times["few"])
                + " s (median {:.3f}) | default plan ".format(statistics.median(times["few"]))
                + ", ".join(f"{t:.3f}" for t in times["default"])
                + " s (median {:.3f})".format(statistics.median(times["default"])),
                flush=True,
            )
        db.engine.dispose()


if __name__ == "__main__":
    main()
