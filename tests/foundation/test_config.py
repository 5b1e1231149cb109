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


SAFE = {
    "ENV_NAME": "production",
    "SECRET_KEY": "x" * 40,
    "SESSION_COOKIE_SECURE": True,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize("secret", ["", "   ", None, "dev-only-secret-change-me", "short"])
def test_production_refuses_an_empty_default_or_short_secret_key(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**SAFE, "SECRET_KEY": secret})


def test_production_refuses_the_environment_default_secret(monkeypatch):
    monkeypatch.setenv("GOCUA_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure_httponly_and_lax(monkeypatch, tmp_path):
    from app.config import load_config

    monkeypatch.setenv("GOCUA_ENV", "production")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True  # on by default in production
    app = create_app(
        {**SAFE, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "TESTING": True}
    )
    for prefix in ("SESSION", "REMEMBER"):
        assert app.config[f"{prefix}_COOKIE_SECURE"] is True
        assert app.config[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert app.config[f"{prefix}_COOKIE_SAMESITE"] == "Lax"


def test_a_signed_in_production_session_cookie_carries_the_flags(tmp_path):
    from flask import session

    app = create_app(
        {**SAFE, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "TESTING": True}
    )
    app.add_url_rule("/_set", "_set", lambda: session.update(x=1) or "ok")
    cookie = app.test_client().get("/_set").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "unsafe",
    [
        {"SESSION_COOKIE_SECURE": False},
        {"SESSION_COOKIE_HTTPONLY": False},
        {"SESSION_COOKIE_SAMESITE": None},
        {"REMEMBER_COOKIE_SECURE": False},
        {"REMEMBER_COOKIE_SAMESITE": "None"},
    ],
)
def test_production_refuses_weak_cookies(unsafe):
    with pytest.raises(ConfigError, match="COOKIE"):
        create_app({**SAFE, **unsafe})


def test_token_periods_come_from_the_environment(monkeypatch):
    from app.config import load_config

    assert load_config()["TOKEN_IDLE_DAYS"] == 30
    monkeypatch.setenv("TOKEN_IDLE_DAYS", "7")
    assert load_config()["TOKEN_IDLE_DAYS"] == 7
