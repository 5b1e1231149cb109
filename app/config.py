"""Configuration read from the environment, with safe development defaults."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(
    os.environ.get("GOCUA_INSTANCE", Path(__file__).resolve().parent.parent / "instance")
)

DEV_SECRET = "dev-only-secret-change-me"


class ConfigError(RuntimeError):
    """Raised when production mode is asked for with unsafe settings."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _ints(*names: str) -> dict[str, int]:
    """The integer settings among names that the environment sets."""
    found = {}
    for name in names:
        value = os.environ.get(name)
        if value is None or not value.strip():
            continue
        try:
            found[name] = int(value)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc
    return found


def load_config() -> dict:
    """Build the configuration mapping from environment variables."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'gocua.db'}"
    env_name = os.environ.get("GOCUA_ENV", "development")
    # Behind HTTPS in production: cookies go over HTTPS only unless explicitly turned off
    # (which check_production then refuses).
    secure = _bool("SESSION_COOKIE_SECURE", env_name == "production")
    config = {
        "ENV_NAME": env_name,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # hide_parameters: a database error's text (logged) names the statement, never the
        # values (residents' names and ID numbers).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)),
        # JSON bodies of the API: one visit or household is a few KB; a phone's batch of 500
        # visits stays well under the batch limit, which may exceed MAX_CONTENT_LENGTH.
        "API_JSON_MAX_BYTES": int(os.environ.get("API_JSON_MAX_BYTES", 1024 * 1024)),
        "API_BATCH_MAX_BYTES": int(os.environ.get("API_BATCH_MAX_BYTES", 10 * 1024 * 1024)),
        "MAP_TILES_URL": os.environ.get(
            "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        ),
        "MAP_TILES_ATTRIBUTION": os.environ.get(
            "MAP_TILES_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        ),
        # Household list imports (see docs/IMPORT.md); unset keeps the defaults of
        # app.imports.files.Limits.
        **_ints(
            "IMPORT_MAX_BYTES",
            "IMPORT_MAX_ROWS",
            "IMPORT_MAX_COLUMNS",
            "IMPORT_MAX_UNCOMPRESSED",
            "IMPORT_MAX_ZIP_ENTRIES",
        ),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted
        # (1 behind one nginx that ends HTTPS; 0 when the app faces clients directly).
        "TRUSTED_PROXIES": 0,
        **_ints("TRUSTED_PROXIES"),
        "IMPORT_REPORT_DIR": os.environ.get("IMPORT_REPORT_DIR") or None,
        # PostgreSQL work_mem for the coverage and campaign reports (sorts and hashes in memory).
        "REPORTS_WORK_MEM": os.environ.get("REPORTS_WORK_MEM", "64MB"),
        # A bearer token lives at most TOKEN_TTL_DAYS, and ends sooner when unused for
        # TOKEN_IDLE_DAYS; its last use is written at most every TOKEN_TOUCH_MINUTES.
        "TOKEN_TTL_DAYS": int(os.environ.get("TOKEN_TTL_DAYS", 90)),
        "TOKEN_IDLE_DAYS": int(os.environ.get("TOKEN_IDLE_DAYS", 30)),
        "TOKEN_TOUCH_MINUTES": int(os.environ.get("TOKEN_TOUCH_MINUTES", 5)),
        "ELIGIBLE_AGE": int(os.environ.get("ELIGIBLE_AGE", 14)),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # A refused request says when to try again (Retry-After), and each answer its budget.
        "RATELIMIT_HEADERS_ENABLED": True,
        "TOKEN_RATE_LIMIT": os.environ.get("TOKEN_RATE_LIMIT", "10 per minute"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        # Flask-Login's remember-me cookie (the login page does not set one today); its
        # Secure flag follows SESSION_COOKIE_SECURE unless set (see cookie_defaults).
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "API_TITLE": "Gõ Cửa API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Phones on weak signal: compress pages, assets and JSON (streams chunk by chunk).
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_STREAMS": True,
        "COMPRESS_ALGORITHM_STREAMING": ["gzip", "deflate"],
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/geo+json",
            "application/manifest+json",
            "image/svg+xml",
        ],
    }
    return config


def cookie_defaults(config: dict) -> None:
    """Let the remember-me cookie be as secure as the session cookie unless told otherwise."""
    config.setdefault("REMEMBER_COOKIE_SECURE", bool(config.get("SESSION_COOKIE_SECURE")))


def check_production(config: dict) -> None:
    """Refuse to start in production mode with development defaults."""
    if config.get("ENV_NAME") != "production":
        return
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not isinstance(secret, str | bytes) or secret == DEV_SECRET or len(secret.strip()) < 32:
        problems.append("SECRET_KEY must be set to a random string of 32+ characters")
    for prefix in ("SESSION", "REMEMBER"):
        if not config.get(f"{prefix}_COOKIE_SECURE"):
            problems.append(f"{prefix}_COOKIE_SECURE must be on (HTTPS)")
        if not config.get(f"{prefix}_COOKIE_HTTPONLY"):
            problems.append(f"{prefix}_COOKIE_HTTPONLY must be on")
        if config.get(f"{prefix}_COOKIE_SAMESITE") not in ("Lax", "Strict"):
            problems.append(f"{prefix}_COOKIE_SAMESITE must be Lax or Strict")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        problems.append("RATELIMIT_STORAGE_URI must point at Redis (shared between servers)")
    if problems:
        raise ConfigError("; ".join(problems))
