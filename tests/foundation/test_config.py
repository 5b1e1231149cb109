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
