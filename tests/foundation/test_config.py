"""Production mode refuses unsafe defaults; health answers 503 without a database."""

import pytest

from app import create_app
from app.config import ConfigError


def test_production_refuses_dev_secret():
    with pytest.raises(ConfigError):
        create_app({"ENV_NAME": "production"})


def test_production_accepts_safe_settings(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "x" * 40,
            "SESSION_COOKIE_SECURE": True,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
        }
    )
    assert app.config["ENV_NAME"] == "production"


def test_healthz_503_when_database_unreachable():
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-dir/none/x.db", "TESTING": True}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["db"] == "unreachable"


def test_import_limits_and_report_memory_come_from_the_environment(monkeypatch, tmp_path):
    from app.config import load_config
    from app.imports.files import Limits

    monkeypatch.setenv("IMPORT_MAX_ROWS", "5000")
    monkeypatch.setenv("IMPORT_REPORT_DIR", str(tmp_path))
    monkeypatch.setenv("REPORTS_WORK_MEM", "128MB")
    config = load_config()
    assert Limits.from_config(config).max_rows == 5000
    assert Limits.from_config(config).max_columns == Limits().max_columns  # unset: the default
    assert (config["IMPORT_REPORT_DIR"], config["REPORTS_WORK_MEM"]) == (str(tmp_path), "128MB")


def test_a_limit_that_is_not_a_number_stops_start_up_with_its_name(monkeypatch):
    from app.config import load_config

    monkeypatch.setenv("IMPORT_MAX_BYTES", "20MB")
    with pytest.raises(ConfigError, match="IMPORT_MAX_BYTES"):
        load_config()
