"""`flask coverage refresh` and `flask coverage rebuild`: the coverage rollup's upkeep."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.clock import today_in_vietnam
from app.extensions import db
from app.reports import rollup
from app.reports.coverage import rebuild_rollup, recount

coverage_cli = AppGroup("coverage", help="Số liệu bao phủ / Coverage figures.")


@coverage_cli.command("refresh")
def refresh_command() -> None:
    """Recount the changed hamlets and every row counted before today (run after midnight,
    Vietnam time, so that no reader pays the day's recount)."""
    written = rollup.refresh(db.session, None, today_in_vietnam(), recount)
    db.session.commit()
    click.echo(f"hamlet_counts: {written} dòng tính lại / rows recounted")


@coverage_cli.command("rebuild")
def rebuild_command() -> None:
    """Recount the whole rollup from the rows (after a load with the triggers off)."""
    written = rebuild_rollup()
    db.session.commit()
    click.echo(f"hamlet_counts: {written} dòng / rows")


def init_app(app: Flask) -> None:
    """Register the `coverage` command group."""
    app.cli.add_command(coverage_cli)
