"""`flask units ...`: load the official list, import hamlet boundaries (audited, so here)."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.audit import record
from app.errors import ServiceError
from app.extensions import db
from app.units import service

units_cli = AppGroup("units", help="Đơn vị hành chính / Administrative units.")


@units_cli.command("load")
def load() -> None:
    """Load the 34 provinces and 3,321 communes (2025 reform) from vietnamadminunits."""
    counts = service.load_units()
    record(db.session, "load_units", "units", None, counts)
    db.session.commit()
    totals = service.count_units()
    click.echo(
        f"Đơn vị / units: thêm {counts['added']}, cập nhật {counts['updated']}, "
        f"giữ nguyên {counts['unchanged']} — tỉnh {totals.get('province', 0)}, "
        f"xã {totals.get('commune', 0)}, thôn {totals.get('hamlet', 0)}"
    )


@units_cli.command("import-hamlets")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--commune", "commune_code", required=True)
def import_hamlets(path: str, commune_code: str) -> None:
    """Import hamlets of a commune from a GeoJSON FeatureCollection (name property)."""
    commune = service.get_unit(commune_code)
    if commune is None or commune.level != "commune":
        raise click.ClickException(f"Không có xã mã / no commune {commune_code}")
    try:
        with open(path, encoding="utf-8-sig") as handle:
            collection = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"Tệp không phải GeoJSON / not GeoJSON: {exc}") from exc
    try:
        counts = service.import_hamlets(commune, collection)
    except ServiceError as exc:
        db.session.rollback()
        lines = [str(exc.message)]
        for where, problems in (exc.errors or {}).items():
            lines.append(f"  {where}: {'; '.join(map(str, problems))}")
        raise click.ClickException("\n".join(lines)) from exc
    db.session.commit()
    click.echo(
        f"Thôn / hamlets: thêm {counts['added']}, cập nhật {counts['updated']}, "
        f"giữ nguyên {counts['unchanged']}"
    )


def init_app(app: Flask) -> None:
    """Register the `units` command group."""
    app.cli.add_command(units_cli)
