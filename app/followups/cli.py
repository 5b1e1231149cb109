"""`flask followups recompute --commune CODE`: follow-ups from current statuses."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.followups.seed import seed_from_statuses
from app.units.models import Unit


@click.command("recompute")
@click.option("--commune", "commune_code", required=True, help="Mã xã / commune code")
def recompute(commune_code: str) -> None:
    """Open the follow-ups a commune's current statuses call for (after a load or an import)."""
    commune = db.session.scalar(
        select(Unit).where(Unit.code == commune_code, Unit.level == "commune")
    )
    if commune is None:
        raise click.ClickException(f"Không có xã / no commune: {commune_code}")
    count = seed_from_statuses(commune)
    db.session.commit()
    click.echo(f"{commune.code} {commune.name}: đã mở {count} việc / {count} follow-ups opened")
