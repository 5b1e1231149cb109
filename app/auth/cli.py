"""`flask users ...`: create users, assign hamlets and set the mobile team from the command
line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import service, users
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


@users_cli.command("set-mobile-team")
@click.argument("username")
@click.option(
    "--on/--off",
    "on",
    default=None,
    help="Vào / ra khỏi tổ lưu động (thu nhận căn cước tại nhà) / join or leave the mobile team",
)
def set_mobile_team(username: str, on: bool | None) -> None:
    """Mark an officer as a member of the mobile team, or not (audited)."""
    if on is None:
        raise click.UsageError("Chọn --on hoặc --off / choose --on or --off")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"Không có người dùng / no user: {username}")
    if user.role != "officer":
        raise click.ClickException(
            f"Chỉ cán bộ mới thuộc tổ lưu động / only officers join the mobile team: "
            f"{username} ({user.role})"
        )
    user.mobile_team = on
    db.session.commit()  # the session's audit listener records the change
    state = "thuộc tổ lưu động / mobile team" if on else "không thuộc tổ lưu động / not mobile team"
    click.echo(f"{username}: {state}")


@users_cli.command("revoke-tokens")
@click.argument("username")
def revoke_tokens(username: str) -> None:
    """End every phone session of a user at once (a lost phone); audited."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"Không có người dùng / no user: {username}")
    revoked = users.revoke_all(user, "revoked_by_operator")
    db.session.commit()
    click.echo(f"{username}: đã thu hồi / revoked {revoked.count}")


def init_app(app: Flask) -> None:
    """Register the `users` command group."""
    app.cli.add_command(users_cli)
