"""Gõ Cửa: the Flask application factory."""

from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# On import: the engine listeners register; marshmallow's messages become Vietnamese.
from app import database, errors, health, labels, navigation, security, validation  # noqa: F401
from app.config import check_production, cookie_defaults, load_config
from app.extensions import api, babel, compress, csrf, db, limiter, login, migrate
from app.i18n import select_locale
from app.schemas import control_character_errors
from app.text import has_control_chars

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
    "app.sessions.models",
    "app.reconcile.models",
)

API_BLUEPRINTS = (
    "app.auth.routes",
    "app.auth.unit_routes",
    "app.auth.user_routes",
    "app.auth.audit_routes",
    "app.people.routes",
    "app.visits.routes",
    "app.followups.routes",
    "app.sessions.routes",
    "app.reports.routes",
    "app.reports.summary_routes",
    "app.schedule.routes",
    "app.reconcile.routes",
)

PAGE_BLUEPRINTS = (
    "app.auth.pages",
    "app.auth.password_pages",
    "app.auth.user_pages",
    "app.auth.audit_pages",
    "app.field.pages",
    "app.field.signin",
    "app.reports.pages",
    "app.reports.campaign_pages",
    "app.reports.report_pages",
    "app.imports.pages",
    "app.imports.enrolment_pages",
    "app.reports.correction_pages",
    "app.schedule.pages",
    "app.sessions.pages",
    "app.reconcile.pages",
)

CLI_MODULES = (
    "app.auth.unit_cli",
    "app.auth.cli",
    "app.demo.cli",
    "app.imports.cli",
    "app.imports.enrolment_cli",
    "app.tools.backup",
    "app.reports.rollup_cli",
)

# Domains that act on what a lower one announces (its blinker signals) connect here.
RECEIVER_MODULES = ("app.followups.receivers",)


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


# API endpoints whose JSON body may reach API_BATCH_MAX_BYTES instead of API_JSON_MAX_BYTES.
BATCH_ENDPOINTS = frozenset({"visits.submit_batch", "sessions.record_results"})


def limit_json_bodies() -> None:
    """Cap an API request's JSON body (413, in JSON); a batch may be larger than one item."""
    if request.is_json and request.path.startswith("/api/"):
        key = "API_BATCH_MAX_BYTES" if request.endpoint in BATCH_ENDPOINTS else "API_JSON_MAX_BYTES"
        request.max_content_length = current_app.config[key]


def refuse_control_characters_in_url() -> None:
    """Refuse a URL whose path or query string holds a control character (a NUL above all,
    which PostgreSQL refuses in text: a 500 wherever such a value reached a query, as a page's
    `?unit=` did): no page, record or filter is named so. The path answers 404; the query 422,
    naming its fields, as the schemas refuse them in bodies."""
    if has_control_chars(request.path):
        raise errors.NotFoundError()
    # Each name with its values and itself (a name with a control character is "query").
    named = [
        ("query" if has_control_chars(key) else key, [key, *request.args.getlist(key)])
        for key in request.args
    ]
    refused = control_character_errors(named)
    if refused:
        message = _("Địa chỉ có ký tự điều khiển: hãy bỏ chúng rồi thử lại.")
        raise errors.InvalidError(message, refused)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
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
    cookie_defaults(app.config)
    check_production(app.config)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = KeyConverter
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30},
            "hide_parameters": True,
        }

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

    app.before_request(refuse_control_characters_in_url)
    app.before_request(limit_json_bodies)
    babel.init_app(app, locale_selector=select_locale)

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["label"] = labels.label
    api.init_app(app)

    errors.init_app(app)
    security.init_app(app)
    navigation.init_app(app)

    # The domains load when an app is built, not when `app` is imported: `import app.units`
    # must not pull in the packages above it.
    from app.auth import audit
    from app.auth.access import init_login

    init_login(app)

    for name in API_BLUEPRINTS:
        module = importlib.import_module(name)
        api.register_blueprint(module.blp, url_prefix="/api/v1")
        csrf.exempt(module.blp)
    for name in PAGE_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in CLI_MODULES + RECEIVER_MODULES:
        importlib.import_module(name).init_app(app)

    app.register_blueprint(health.bp)
    audit.init_app(app)

    if not app.debug and not app.testing:
        logging.getLogger("gocua").setLevel(logging.INFO)
    return app
