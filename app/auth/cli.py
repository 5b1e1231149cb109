"""`flask users ...`: create users and assign hamlets from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import service
from app.auth.models import ROLES, User
from app.errors import ServiceError
from app.extensions import db

users_cli = AppGroup("users", help="Người dùng / Users.")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị / unit code")
@click.option("--full-name", default="")
@click.option("--mobile-team", is_flag=True, default=False)
def create(
    username: str, password: str, role: str, unit_code: str, full_name: str, mobile_team: bool
) -> None:
    """Create a user bound to one unit."""
    try:
        user = service.create_user(
            username=username,
            password=password,
            role=role,
            unit_code=unit_code,
            full_name=full_name,
            mobile_team=mobile_team,
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"Đã tạo / created: {user.username} ({user.role}, {unit_code})")


@users_cli.command("assign-hamlets")
@click.argument("username")
@click.argument("hamlet_codes", nargs=-1, required=True)
@click.option("--replace", is_flag=True, help="Bỏ các thôn cũ / drop other hamlets")
def assign(username: str, hamlet_codes: tuple[str, ...], replace: bool) -> None:
    """Assign an officer or village head to hamlets."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"Không có người dùng / no user: {username}")
    try:
        hamlets = service.assign_hamlets(user, list(hamlet_codes), replace=replace)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"{username}: {', '.join(h.code for h in hamlets)}")


def init_app(app: Flask) -> None:
    """Register the `users` command group."""
    app.cli.add_command(users_cli)
