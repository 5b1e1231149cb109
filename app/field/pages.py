"""The officer's and village head's phone app (an offline-first shell), and the outbox import
page (the import itself: app/field/outbox_import.py).

`/app` is a public shell with no personal data: the page logs in by itself with a bearer token
(POST /api/v1/auth/token) and keeps its data in IndexedDB. The service worker is served from
`/app/sw.js` with scope `/app`; its precache list and version come from the files themselves,
so any change to an asset installs a new worker.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.audit import act_in_request
from app.errors import ForbiddenError
from app.extensions import db
from app.field.outbox_import import ImportFileError, import_outbox
from app.field.strings import LANGS, phone_strings
from app.field.strings import SOURCES as STRING_SOURCES

bp = Blueprint("field", __name__)

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC_APP = ROOT / "forms" / "static" / "app"
ICON = ROOT / "forms" / "static" / "icon.svg"
TEMPLATES = ROOT / "forms" / "templates" / "field"
ASSET_SUFFIXES = (".js", ".css", ".svg", ".png", ".json")
# Vendored files the app loads (under forms/static/vendor), kept for offline use too.
VENDORED = ("vendor/jsqr/1.4.0/jsQR.js",)
IMPORT_ROLES = ("admin", "commander")


def _asset_files() -> list[Path]:
    return sorted(p for p in STATIC_APP.rglob("*") if p.is_file() and p.suffix in ASSET_SUFFIXES)


def module_urls() -> list[str]:
    """List the URLs of the app's JavaScript modules."""
    return [
        url_for("static", filename=f"app/{p.relative_to(STATIC_APP).as_posix()}")
        for p in _asset_files()
        if p.suffix == ".js"
    ]


def precache_urls() -> list[str]:
    """List every URL the service worker keeps for offline use (the shell first)."""
    files = [
        url_for("static", filename=f"app/{p.relative_to(STATIC_APP).as_posix()}")
        for p in _asset_files()
    ]
    return [
        url_for("field.shell"),
        url_for("field.manifest"),
        *(url_for("field.strings", lang=lang) for lang in LANGS),
        url_for("static", filename="icon.svg"),
        *files,
        *(url_for("static", filename=name) for name in VENDORED),
    ]


def app_version() -> str:
    """Hash every file the app is made of, so a change installs a new service worker."""
    digest = hashlib.sha256()
    vendored = [ROOT / "forms" / "static" / name for name in VENDORED]
    sources = [*_asset_files(), *vendored, ICON, *sorted(TEMPLATES.glob("*")), *STRING_SOURCES]
    for path in sources:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/app")
def shell():
    """Serve the app shell: the same page for everyone, no personal data."""
    html = render_template("field/shell.html", modules=module_urls(), version=app_version())
    response = Response(html, mimetype="text/html")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _no_cache(response)


@bp.route("/app/sw.js")
def service_worker():
    """Serve the service worker with the precache list, allowed to control /app."""
    body = render_template("field/sw.js", version=app_version(), assets=precache_urls())
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("field.shell")
    return _no_cache(response)


@bp.route("/app/manifest.webmanifest")
def manifest():
    """Serve the web app manifest (installable on the home screen)."""
    start = url_for("field.shell")
    body = {
        "name": "Gõ Cửa",
        "short_name": "Gõ Cửa",
        "lang": "vi",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {
                "src": url_for("static", filename="icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    return _no_cache(response)


@bp.route("/app/i18n/<lang>.json")
def strings(lang: str):
    """Serve the app's texts and the labels of machine values in a language."""
    if lang not in LANGS:
        abort(404)
    body = json.dumps(phone_strings(lang), ensure_ascii=False)  # keep the labels in order
    return _no_cache(Response(body, mimetype="application/json"))


@bp.route("/admin/outbox-import", methods=["GET", "POST"])
@login_required
def outbox_import():
    """Submit an officer's exported outbox file on their behalf."""
    actor = current_user._get_current_object()
    if actor.role not in IMPORT_ROLES:
        raise ForbiddenError(_("Vai trò của bạn không được làm việc này."))
    if request.method == "GET":
        return render_template("field/outbox_import.html", report=None, error=None)
    act_in_request(actor)
    upload = request.files.get("file")
    raw = upload.read() if upload else b""
    try:
        report = import_outbox(raw, actor)
    except ImportFileError as exc:
        db.session.rollback()
        return render_template("field/outbox_import.html", report=None, error=str(exc)), 422
    return render_template("field/outbox_import.html", report=report, error=None)
