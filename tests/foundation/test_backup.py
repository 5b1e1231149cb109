"""`flask backup` and `flask restore`: a copy taken, data changed, the copy put back whole.

Runs on SQLite, and on PostgreSQL (TEST_DATABASE_URL) with pg_dump and pg_restore, taken
from PATH or from the server's own bin directory.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.visits.models import Visit
from tests.factories import visit_without_gps


@pytest.fixture
def pg_tools_on_path(backend, monkeypatch):
    """Put pg_dump and pg_restore on PATH for PostgreSQL (or skip when none is installed)."""
    if backend != "postgresql" or shutil.which("pg_restore"):
        return
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_restore"))
    if not found:
        pytest.skip("pg_dump/pg_restore are not installed")
    monkeypatch.setenv("PATH", os.path.dirname(found[-1]) + os.pathsep + os.environ["PATH"])


def _state() -> tuple[dict[str, int], str]:
    """Row counts of every table, and a checksum of the visits' ids and client ids."""
    db.session.rollback()
    counts = {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
    rows = db.session.execute(sa.select(Visit.id, Visit.client_id).order_by(Visit.id)).all()
    digest = hashlib.sha256(repr(sorted((str(c), i) for i, c in rows)).encode()).hexdigest()
    return counts, digest


def _visit(client, household_id, headers) -> None:
    answer = client.post("/api/v1/visits", json=visit_without_gps(household_id), headers=headers)
    assert answer.status_code == 201, answer.get_json()


def test_backup_change_restore(
    app, client, make_user, make_household, token_for, tmp_path, pg_tools_on_path
):
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    officer_id = officer.id
    household = make_household("20179-001").id
    headers = token_for(officer)
    _visit(client, household, headers)
    runner = app.test_cli_runner()
    copy = tmp_path / "gocua.backup"

    done = runner.invoke(args=["backup", str(copy)])
    assert done.exit_code == 0, done.output
    assert copy.stat().st_size > 0
    saved = _state()
    assert saved[0]["visits"] == 1 and saved[0]["audit_entries"] > 0

    _visit(client, household, headers)
    assert _state() != saved

    refused = runner.invoke(args=["restore", str(copy)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert _state()[0]["visits"] == 2

    done = runner.invoke(args=["restore", str(copy), "--yes"])
    assert done.exit_code == 0, done.output
    assert "restored" in done.output
    assert _state() == saved
    # The app goes on working on the restored data (the session's objects were let go).
    _visit(client, household, token_for(db.session.get(User, officer_id)))
    assert _state()[0]["visits"] == 2


def test_backup_refuses_to_overwrite_without_force(app, world, tmp_path, pg_tools_on_path):
    runner = app.test_cli_runner()
    copy = tmp_path / "kept.backup"
    copy.write_bytes(b"precious")

    refused = runner.invoke(args=["backup", str(copy)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert copy.read_bytes() == b"precious"

    done = runner.invoke(args=["backup", str(copy), "--force"])
    assert done.exit_code == 0, done.output
    assert copy.read_bytes() != b"precious"


def test_restore_refuses_a_file_that_is_no_copy(app, world, tmp_path, backend, pg_tools_on_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all " * 100)
    before = _state()
    done = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert done.exit_code != 0
    assert "Traceback" not in done.output
    assert _state() == before


def test_postgres_tools_missing_is_a_clear_error(app, world, tmp_path, backend, monkeypatch):
    if backend != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))
    done = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.backup")])
    assert done.exit_code != 0
    assert "pg_dump" in done.output and "PATH" in done.output
