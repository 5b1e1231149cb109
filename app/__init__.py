"""Gõ Cửa: the Flask application factory."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
)
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from app.config import check_production, load_config
from app.extensions import api, babel, compress, csrf, db, limiter, login, migrate

ROOT = Path(__file__).resolve().parent.parent
SURROGATE = re.compile("[\ud800-\udfff]")

# Every model module, imported so that metadata (and so migrations) know all tables.
MODEL_MODULES = (
    "app.units.models",
    "app.auth.models",
    "app.people.models",
    "app.visits.models",
    "app.followups.models",
    "app.reports.models",
)

API_BLUEPRINTS = (
    "app.auth.routes",
    "app.units.routes",
    "app.people.routes",
    "app.visits.routes",
    "app.followups.routes",
    "app.reports.routes",
)

PAGE_BLUEPRINTS = (
    "app.auth.pages",
    "app.visits.pages",
    "app.reports.pages",
    "app.people.pages",
)

CLI_MODULES = ("app.units.cli", "app.auth.cli", "app.demo.cli", "app.people.cli")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL and foreign keys for every SQLite connection; transactions are begun by
    `_sqlite_begin` below, not by the driver."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    """On SQLite, a request that may write takes the write lock when its transaction begins.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer committed in between (WAL cannot wait that out); taking the
    lock first makes concurrent writers queue behind the busy timeout instead. Reads (GET)
    stay deferred and run side by side; a GET that writes (an audited download) says so with
    `writes_on_get`. Outside a request (commands, migrations) every transaction may write,
    except under tests, whose own reads outside requests must not lock out the live server
    they drive.
    """
    if conn.dialect.name != "sqlite":
        return
    immediate = not (has_app_context() and current_app.testing)
    if has_request_context():
        view = current_app.view_functions.get(request.endpoint or "")
        writes = getattr(view, "writes_on_get", False)
        writes = writes() if callable(writes) else writes
        # Once a GET has committed its write (an export's audit entry), what follows (the
        # streamed rows) only reads: it must not hold the lock while a slow client downloads.
        writes = writes and not g.get("sqlite_committed")
        immediate = request.method not in ("GET", "HEAD", "OPTIONS") or writes
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@event.listens_for(Engine, "commit")
def _sqlite_committed(conn: Any) -> None:
    """Remember, for `_sqlite_begin`, that this request's write is done."""
    if conn.dialect.name == "sqlite" and has_request_context():
        g.sqlite_committed = True


class JSONProvider(DefaultJSONProvider):
    """Vietnamese as UTF-8 (fewer bytes than \\u escapes for phones on weak signal); an answer
    that would carry a lone surrogate (a bad request's key echoed in an error) is written with
    ASCII escapes instead, since no UTF-8 can hold it."""

    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        if SURROGATE.search(text):
            text = super().dumps(obj, **{**kwargs, "ensure_ascii": True})
        return text


class KeyConverter(IntegerConverter):
    """`<int:...>` in a URL: a database key, so a number past 2**31 - 1 is simply not found
    (a 404) instead of overflowing the database driver."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    import importlib

    app = Flask(
        __name__,
        template_folder=str(ROOT / "forms" / "templates"),
        static_folder=str(ROOT / "forms" / "static"),
        static_url_path="/static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    check_production(app.config)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = KeyConverter
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}

    for name in MODEL_MODULES:
        importlib.import_module(name)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    login.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)

    @app.after_request
    def buffer_static_files(response: Response) -> Response:
        # Runs before compression: a static file read whole is gzipped once and closed,
        # instead of being compressed as an open stream.
        if request.endpoint == "static" and response.is_streamed and response.status_code == 200:
            response.direct_passthrough = False
            source = response.response
            response.response = list(response.iter_encoded())
            if hasattr(source, "close"):
                source.close()
        return response

    from app.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    api.init_app(app)

    from app import errors

    errors.init_app(app)

    from app.auth.access import init_login

    init_login(app)

    for name in API_BLUEPRINTS:
        module = importlib.import_module(name)
        api.register_blueprint(module.blp, url_prefix="/api/v1")
        csrf.exempt(module.blp)
    for name in PAGE_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in CLI_MODULES:
        importlib.import_module(name).init_app(app)

    from app import health
    from app.auth import audit

    app.register_blueprint(health.bp)
    audit.init_app(app)

    if not app.debug and not app.testing:
        logging.getLogger("gocua").setLevel(logging.INFO)
    return app
