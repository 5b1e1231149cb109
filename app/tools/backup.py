"""`flask backup FILE` and `flask restore FILE`: a whole-database copy and its return.

SQLite copies through its online backup API (`sqlite3.Connection.backup`), so a running
server may keep writing; PostgreSQL through `pg_dump -Fc` and `pg_restore --clean
--if-exists`, which must be on PATH. A backup records itself in the audit trail before the
copy is taken (so the copy holds its own entry); a restore replaces the trail with the copy's,
so it reports on stdout only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.engine import URL

from app.auth.audit import record
from app.extensions import db


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead, said in both languages."""


def _url() -> URL:
    return db.engine.url


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu trong bộ nhớ, không sao lưu được / in-memory database")
    return Path(url.database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Không tìm thấy {name} trên PATH; hãy cài gói postgresql-client / "
            f"{name} is not on PATH: install the PostgreSQL client tools"
        )
    return found


def _pg_args(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} thất bại / failed: {done.stderr.strip()}")


def backup_database(target: Path) -> None:
    """Copy the whole database into target (which must not exist yet)."""
    url = _url()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(partial)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        dsn, env = _pg_args(url)
        _run([_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(partial), "--dbname", dsn], env)
    else:
        raise BackupError(f"Không hỗ trợ / unsupported database: {url.get_backend_name()}")
    partial.replace(target)


def restore_database(source: Path) -> None:
    """Replace the whole database with the copy in source."""
    url = _url()
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold a lock or a stale schema
    if url.get_backend_name() == "sqlite":
        try:
            copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            copy.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Tệp không phải bản sao SQLite / not a SQLite copy: {exc}") from exc
        live = sqlite3.connect(_sqlite_path(url))
        try:
            copy.backup(live)
        finally:
            live.close()
            copy.close()
    elif url.get_backend_name() == "postgresql":
        dsn, env = _pg_args(url)
        restore = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner"]
        _run([*restore, "--single-transaction", "--dbname", dsn, str(source)], env)
    else:
        raise BackupError(f"Không hỗ trợ / unsupported database: {url.get_backend_name()}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Ghi đè tệp đã có / overwrite an existing FILE.")
def backup_command(file: Path, force: bool) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu / back up the whole database into FILE."""
    if file.exists() and not force:
        raise BackupError(f"{file} đã có; thêm --force để ghi đè / exists: add --force")
    record(db.session, "backup", "database", None, {"file": file.name})
    db.session.commit()
    backup_database(file)
    click.echo(f"Đã sao lưu / backed up: {file} ({file.stat().st_size} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Xác nhận thay toàn bộ dữ liệu / confirm.")
def restore_command(file: Path, yes: bool) -> None:
    """Khôi phục toàn bộ cơ sở dữ liệu / replace the whole database with FILE."""
    if not yes:
        raise BackupError(
            "Khôi phục sẽ thay toàn bộ dữ liệu hiện có; thêm --yes để xác nhận / "
            "restore replaces all current data: add --yes"
        )
    restore_database(file)
    click.echo(f"Đã khôi phục / restored from: {file}")


def init_app(app: Flask) -> None:
    """Register `flask backup` and `flask restore`."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
