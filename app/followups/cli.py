"""`flask followups recompute --commune CODE`: follow-ups from current statuses;
`flask followups renewals`: the daily card renewals job."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.followups.renewals import run_renewals
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


@click.command("renewals")
def renewals() -> None:
    """Daily: recompute card renewal dates, open renew_card follow-ups for cards due within
    90 days or overdue, close those whose card was renewed (rerunning opens nothing twice)."""
    counts = run_renewals()
    db.session.commit()
    click.echo(
        f"đã tính lại {counts.recomputed} hạn đổi thẻ, mở {counts.opened} việc, đóng "
        f"{counts.closed} việc; {counts.due} thẻ đến hạn đổi trong 90 ngày hoặc quá hạn / "
        f"{counts.recomputed} due dates recomputed, {counts.opened} follow-ups opened, "
        f"{counts.closed} closed; {counts.due} cards due within 90 days or overdue"
    )
