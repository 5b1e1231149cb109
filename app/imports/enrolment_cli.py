"""`flask users import FILE --unit CODE`: bulk enrolment from the command line.

The rows are checked and created by the same rules as the page (`app.imports.enrolment`),
as an administrator of the given unit would: every user lands inside it. The result workbook
with the one-time passwords is written beside the file (or to --out), and recorded as an
audit `export`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.auth.audit import record
from app.auth.cli import users_cli
from app.auth.models import User
from app.extensions import db
from app.imports import enrolment
from app.imports.files import FileRefused, Limits
from app.units.models import Unit


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị / the unit users go into")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--check", is_flag=True, help="Chỉ kiểm tra / check only, create nothing")
def import_users(path: Path, unit_code: str, out: Path | None, check: bool) -> None:
    """Enrol users from a spreadsheet (XLSX or CSV); write their one-time passwords."""
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"Không có đơn vị / no unit {unit_code}")
    operator = User(role="admin", unit=unit, unit_id=unit.id, username="(cli)")
    limits = Limits.from_config(current_app.config)
    try:
        rows = enrolment.read_rows(path.read_bytes(), limits)
    except FileRefused as exc:
        raise click.ClickException(str(exc)) from exc
    if check:
        rows = enrolment.check_rows(operator, rows)
        db.session.rollback()
    else:
        rows = enrolment.create_rows(operator, rows)
    for row in rows:
        state = "tạo / created" if row.created else ("đúng / ok" if row.ok else row.error)
        click.echo(f"{row.number}\t{row.values['username']}\t{state}")
    created = [r for r in rows if r.created]
    if created:
        target = out or path.with_name(f"{path.stem}-ket-qua.xlsx")
        target.write_bytes(enrolment.result_workbook(rows))
        record(db.session, "export", "users", None, {"file": target.name, "via": "cli"})
        db.session.commit()
        click.echo(f"{len(created)} → {target}")
    else:
        db.session.rollback()
        click.echo("0")


def init_app(app: Flask) -> None:
    """The command joins the `users` group when this module is imported."""
