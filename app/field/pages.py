"""The officer's and village head's phone app (an offline-first shell), and the outbox import.

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
from marshmallow import ValidationError
from sqlalchemy import func, select

from app.auth.audit import act_in_request, record
from app.auth.models import User
from app.auth.scope import unit_in_scope
from app.errors import ForbiddenError, ServiceError, flatten_errors
from app.extensions import db
from app.field.strings import LANGS, phone_strings
from app.field.strings import SOURCES as STRING_SOURCES
from app.followups.returnees import flag_returnee
from app.followups.schemas import ReturneeIn
from app.text import has_control_chars, without_controls
from app.visits.service import submit_batch

bp = Blueprint("field", __name__)

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC_APP = ROOT / "forms" / "static" / "app"
ICON = ROOT / "forms" / "static" / "icon.svg"
TEMPLATES = ROOT / "forms" / "templates" / "field"
ASSET_SUFFIXES = (".js", ".css", ".svg", ".png", ".json")
# Vendored files the app loads (under forms/static/vendor), kept for offline use too.
VENDORED = ("vendor/jsqr/1.4.0/jsQR.js",)
IMPORT_ROLES = ("admin", "commander")
FILE_AUTHORS = ("officer", "village_head")  # who keeps an outbox on a phone
MAX_IMPORT_ENTRIES = 5000
BATCH = 500


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


class ImportFileError(ValueError):
    """The uploaded file is not an outbox export this server can take."""


def _read_outbox_file(raw: bytes) -> tuple[str, list[dict]]:
    """Parse an exported outbox: its officer's username and its entries."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a BOM: the file saved again by Notepad
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, too long a number
        raise ImportFileError(_("Tệp không phải JSON hợp lệ.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ImportFileError(_("Tệp không phải tệp hộp thư đi của Gõ Cửa."))
    username = data.get("username")
    if not isinstance(username, str) or not username.strip():
        raise ImportFileError(_("Tệp không ghi tên đăng nhập của cán bộ."))
    entries = [e for e in data["entries"] if isinstance(e, dict)]
    if len(entries) > MAX_IMPORT_ENTRIES:
        raise ImportFileError(_("Tệp có quá nhiều mục (tối đa %(n)s).", n=MAX_IMPORT_ENTRIES))
    return username.strip(), entries


def _author_in_scope(username: str, actor: User) -> User:
    """Find the officer or village head named in the file, inside the actor's unit."""
    author = (
        None
        if has_control_chars(username)
        else db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    )
    if author is None or author.role not in FILE_AUTHORS or not unit_in_scope(actor, author.unit):
        raise ImportFileError(
            _("Không tìm thấy cán bộ %(u)s trong đơn vị của bạn.", u=without_controls(username))
        )
    return author


def _submit_returnee(body: dict, author: User) -> dict:
    """Flag a returnee from a file entry as its author did on the phone (a flag sent before
    answers as the same one); a refusal is reported, nothing else is written."""
    try:
        with db.session.begin_nested():
            flag, created = flag_returnee(author, ReturneeIn().load(body))
    except ValidationError as exc:
        errors = flatten_errors(exc.messages)
        return {"status": "rejected", "message": _("Dữ liệu không hợp lệ."), "errors": errors}
    except ServiceError as exc:
        return {"status": "rejected", "message": str(exc.message), "errors": exc.errors or {}}
    return {"status": "created" if created else "duplicate", "id": flag.id}


def import_outbox(raw: bytes, actor: User) -> dict:
    """Submit every entry of an exported outbox as the officer or village head who made it:
    visits (officers only) in batches, returnee flags one by one."""
    username, entries = _read_outbox_file(raw)
    author = _author_in_scope(username, actor)
    rows: list[dict] = []
    visits: list[tuple[dict, dict]] = []
    for entry in entries:
        row = {"client_id": str(entry.get("client_id") or "")[:64], "kind": entry.get("kind")}
        rows.append(row)
        kind, body = entry.get("kind", "visit"), entry.get("body")
        if not isinstance(body, dict) or kind not in ("visit", "returnee"):
            row.update(status="skipped", message=_("Mục không đọc được; nhập tay."))
        elif kind == "returnee":
            row.update({"message": "", "errors": {}, **_submit_returnee(body, author)})
        elif author.role != "officer":
            row.update(status="skipped", message=_("Chỉ cán bộ ghi lượt thăm; nhập tay."))
        else:
            visits.append((row, body))
    for start in range(0, len(visits), BATCH):
        chunk = visits[start : start + BATCH]
        results = submit_batch([body for _row, body in chunk], author)
        for (row, _body), result in zip(chunk, results, strict=True):
            row.update(
                status=result.get("status"),
                id=result.get("id"),
                message=result.get("message") or "",
                errors=result.get("errors") or {},
            )
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row.get("status"))] = counts.get(str(row.get("status")), 0) + 1
    record(
        db.session,
        "outbox_import",
        "users",
        author.id,
        {"username": author.username, "entries": len(rows), "results": counts},
    )
    db.session.commit()
    return {"officer": author, "rows": rows, "counts": counts}


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
