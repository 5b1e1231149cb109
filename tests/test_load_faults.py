"""An unreachable database answers a JSON 503 with Retry-After (never an HTML 500), and the
load-and-faults harness (bench/load_faults.py) passes at a small size: 20 officers for 15 s
against gunicorn on a PostgreSQL cluster of its own that is stopped and started midway, with a
gunicorn worker killed mid-request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
VI = "Máy chủ tạm thời không kết nối được cơ sở dữ liệu; thử lại sau."
EN = "The server cannot reach its database for the moment; try again later."


def _unreachable_app():
    """An app whose database file cannot be opened: every query raises OperationalError."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-dir/none/x.db",
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
        }
    )


def _assert_json_503(response, message: str = VI) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == 503
    assert body["message"] == message
    assert int(response.headers["Retry-After"]) > 0


def test_an_api_request_without_its_database_answers_json_503():
    client = _unreachable_app().test_client()
    response = client.post("/api/v1/auth/token", json={"username": "canbo1", "password": "x"})
    _assert_json_503(response)
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_503_speaks_english_when_asked():
    client = _unreachable_app().test_client()
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "canbo1", "password": "x"},
        headers={"Accept-Language": "en"},
    )
    _assert_json_503(response, EN)


def test_healthz_without_its_database_is_a_json_503_with_code_and_message():
    response = _unreachable_app().test_client().get("/healthz")
    _assert_json_503(response)
    assert response.get_json()["db"] == "unreachable"


def test_a_lost_connection_mid_request_is_503_but_other_database_errors_stay_500():
    app = _unreachable_app()

    @app.get("/api/v1/_lost")
    def lost():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    @app.get("/api/v1/_broken")
    def broken():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    client = app.test_client()
    _assert_json_503(client.get("/api/v1/_lost"))
    response = client.get("/api/v1/_broken")
    assert response.status_code == 500
    assert response.get_json()["code"] == 500
    assert "Retry-After" not in response.headers


def _postgres_binaries() -> bool:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from load_faults import postgres_bin
    finally:
        sys.path.pop(0)
    return postgres_bin() is not None


@pytest.mark.slow
@pytest.mark.skipif(
    not _postgres_binaries(),
    reason="PostgreSQL's initdb/pg_ctl are not installed (set PG_BIN): the harness runs a "
    "cluster of its own",
)
def test_load_with_a_database_restart_and_a_killed_worker_loses_nothing():
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load_faults.py"),
            "--officers",
            "20",
            "--duration",
            "15",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-4000:]}"
    assert "FAIL" not in done.stdout
    assert "PASS  database holds exactly the accepted visits" in done.stdout
    assert "PASS  5xx during the outage: JSON 503" in done.stdout
