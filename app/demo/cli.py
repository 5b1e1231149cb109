"""`flask demo load`: the demo commune xã Nam Đông with one user per role."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.demo.health_list import generate_health_list
from app.demo.load import load_demo
from app.errors import ServiceError
from app.extensions import db

demo_cli = AppGroup("demo", help="Dữ liệu mẫu / Demo data.")


@demo_cli.command("load")
@click.option("--seed", default=6, show_default=True)
def load(seed: int) -> None:
    """Load the demo commune (idempotent) and print the demo logins."""
    try:
        result = load_demo(seed)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    demo = result["demo"]
    click.echo(
        f"Xã Nam Đông (20179): {result['hamlets']} thôn, thêm {result['households_added']} hộ; "
        f"tài khoản mới: {', '.join(result['users_added']) or 'không'}; "
        f"lượt gõ cửa mẫu: {result['visits'] or 'không thêm'}; "
        f"chiến dịch mẫu: {'đã tạo' if result['campaign'] else 'đã có'}; "
        f"lịch thăm thôn 20179-001: {'đã lập' if result['schedule'] else 'đã có'}; "
        f"buổi thu nhận ngày mai: {'đã lên kế hoạch' if result['session'] else 'đã có'}"
    )
    click.echo(f"Tài khoản mẫu / demo logins (mật khẩu / password: {demo.users[0].password}):")
    for user in demo.users:
        click.echo(f"  {user.username:<12} {user.role:<13} {user.unit_code}  {user.full_name}")


@demo_cli.command("health-list")
@click.argument("path", default="tiem-chung-nam-dong.xlsx")
@click.option("--seed", default=6, show_default=True)
def health_list(path: str, seed: int) -> None:
    """Write the demo health-station list (to upload at /reconciliations)."""
    health = generate_health_list(seed)
    with open(path, "wb") as handle:
        handle.write(health.xlsx())
    classes: dict[str, int] = {}
    for row in health.rows:
        classes[row.expected] = classes.get(row.expected, 0) + 1
    click.echo(
        f"{path}: {len(health.rows)} dòng / rows; "
        + ", ".join(f"{name} {count}" for name, count in classes.items())
    )


def init_app(app: Flask) -> None:
    """Register the `demo` command group."""
    app.cli.add_command(demo_cli)
