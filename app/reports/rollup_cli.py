"""`flask coverage refresh` and `flask coverage rebuild`: the coverage rollup's upkeep."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.clock import today_in_vietnam
from app.extensions import db
from app.reports import campaign_counts, rollup
from app.reports.coverage import FOLLOWERS, rebuild_rollup, recount

coverage_cli = AppGroup("coverage", help="Số liệu bao phủ / Coverage figures.")


@coverage_cli.command("refresh")
def refresh_command() -> None:
    """Recount the changed hamlets and every row counted before today, and every campaign not
    counted up to today (run after midnight, Vietnam time, so that no reader pays the day's
    recount)."""
    today = today_in_vietnam()
    written = rollup.refresh(db.session, None, today, recount, FOLLOWERS)
    campaigns, rows = campaign_counts.count_stale(db.session, today)
    db.session.commit()
    click.echo(f"hamlet_counts: {written} dòng tính lại / rows recounted")
    click.echo(f"campaign_counts: {campaigns} chiến dịch, {rows} dòng tính lại / campaigns, rows")


@coverage_cli.command("rebuild")
def rebuild_command() -> None:
    """Recount the whole rollup from the rows (after a load with the triggers off)."""
    written = rebuild_rollup()
    db.session.commit()
    click.echo(f"hamlet_counts: {written} dòng / rows")


def init_app(app: Flask) -> None:
    """Register the `coverage` command group."""
    app.cli.add_command(coverage_cli)
