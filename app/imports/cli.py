"""`flask households import FILE --commune CODE` and `flask households export-list`."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.audit import acting_as
from app.auth.models import User
from app.extensions import db
from app.imports import FileRefused, ImportResult, Limits, run_import
from app.imports.report import write_report
from app.imports.visit_list import export_visit_list
from app.units.models import Unit

households_cli = AppGroup("households", help="Danh sách hộ / Household lists.")
ERRORS_SHOWN = 20
STAGES = {"read": "đọc tệp", "check": "kiểm tra", "write": "ghi vào cơ sở dữ liệu"}


def _unit(code: str, level: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or unit.level != level:
        what = "xã" if level == "commune" else "thôn"
        raise click.ClickException(f"Không có {what} mã / no {level} {code}")
    return unit


def _actor(username: str | None) -> User | None:
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"Không có người dùng / no user {username}")
    return user


def _progress(stage: str, count: int) -> None:
    if stage == "write":
        click.echo(f"  … {STAGES[stage]}", err=True)
    else:
        click.echo(f"  … {STAGES[stage]}: {count:,} dòng".replace(",", "."), err=True)


def default_report_path(path: Path) -> Path:
    """Where a refused import's report goes without --report: next to the input, NAME.loi.xlsx."""
    return path.with_name(f"{path.stem}.loi.xlsx")


def _default_report(path: Path, result: ImportResult) -> None:
    """Write a refused import's report next to the input (the errors of every row are there)."""
    target = default_report_path(path)
    try:
        target.write_bytes(write_report(result))
    except OSError as exc:
        click.echo(f"Không ghi được báo cáo / cannot write the report {target}: {exc}", err=True)
        return
    click.echo(f"Báo cáo lỗi (sửa theo cột 'Lỗi' rồi nhập lại) / error report: {target}")


@households_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commune", "commune_code", required=True, help="Mã xã / commune code")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi / check only")
@click.option("--partial", is_flag=True, help="Nhập các hộ không lỗi / take the good households")
@click.option("--create-hamlets", is_flag=True, help="Tạo thôn chưa có / create unknown hamlets")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Báo cáo / report (refused without it: NAME.loi.xlsx next to FILE)",
)
@click.option("--user", "username", help="Ghi nhận người nhập / attribute to this user")
def import_command(
    path: Path,
    commune_code: str,
    dry_run: bool,
    partial: bool,
    create_hamlets: bool,
    report_path: Path | None,
    username: str | None,
) -> None:
    """Import a household list (XLSX or CSV) into a commune, all or nothing."""
    commune = _unit(commune_code, "commune")
    actor = _actor(username)
    limits = Limits.from_config(current_app.config)
    if path.stat().st_size > limits.max_bytes:
        raise click.ClickException(
            f"Tệp quá lớn / file too large (> {limits.max_bytes // (1024 * 1024)} MB)"
        )
    try:
        with acting_as(actor):
            result = run_import(
                path.read_bytes(),
                path.name,
                commune,
                actor_id=actor.id if actor else None,
                dry_run=dry_run,
                partial=partial,
                create_hamlets=create_hamlets,
                limits=limits,
                progress=_progress,
            )
            if result.summary.written:
                db.session.commit()
            else:
                db.session.rollback()
    except FileRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise click.ClickException(
            "Dữ liệu đã thay đổi trong lúc nhập; không ghi gì, hãy nhập lại."
        ) from exc
    summary = result.summary
    shown = list(islice((r for r in result.rows if r.errors), ERRORS_SHOWN))
    for row in shown:
        click.echo(f"Dòng {row.number}: {' '.join(row.errors)}")
    if summary.rows_with_errors > len(shown):
        click.echo(f"… và {summary.rows_with_errors - len(shown)} dòng lỗi khác (xem báo cáo).")
    for line in summary.lines():
        click.echo(line)
    click.echo(f"Thời gian / time: {summary.seconds:.1f} s")
    refused = bool(summary.rows_with_errors) and not summary.written and not dry_run
    if report_path is not None:
        report_path.write_bytes(write_report(result))
        click.echo(f"Báo cáo / report: {report_path}")
    elif refused:
        _default_report(path, result)
    if refused:
        raise click.exceptions.Exit(1)


@households_cli.command("export-list")
@click.option("--hamlet", "hamlet_code", required=True, help="Mã thôn / hamlet code")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_list(hamlet_code: str, out: Path) -> None:
    """Write a hamlet's visit list as XLSX (the import's columns, so it imports back)."""
    hamlet = _unit(hamlet_code, "hamlet")
    data, counts = export_visit_list(hamlet, None)
    db.session.commit()
    out.write_bytes(data)
    click.echo(
        f"{hamlet.name} ({hamlet.code}): {counts['households']} hộ, "
        f"{counts['residents']} công dân -> {out}"
    )


def init_app(app: Flask) -> None:
    """Register the `households` command group."""
    app.cli.add_command(households_cli)
