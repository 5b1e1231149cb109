"""Regenerate the initial migration from the models against an empty database.

Until the first release the schema has one migration; this keeps it equal to the models.
After a release, add migrations with `flask db migrate` instead.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask_migrate import revision

from app import ROOT, create_app

VERSIONS = ROOT / "migrations" / "versions"


def main() -> None:
    """Delete and rebuild migrations/versions/0001_initial_schema.py."""
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        # Later hand-written migrations (triggers, ...) step aside while 0001 is rebuilt.
        parked = []
        for later in sorted(VERSIONS.glob("0*.py")):
            target = Path(tmp) / later.name
            shutil.move(later, target)
            parked.append((target, later))
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'empty.db'}"})
            with app.app_context():
                revision(
                    directory=str(ROOT / "migrations"),
                    message="initial schema",
                    autogenerate=True,
                    rev_id="0001",
                )
        finally:
            for target, original in parked:
                shutil.move(target, original)
    print("migrations/versions/0001_initial_schema.py regenerated")


if __name__ == "__main__":
    main()
