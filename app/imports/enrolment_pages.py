"""Bulk enrolment pages (`/admin/users/import`, admin and commander): upload, a row-by-row
preview, creating the good rows, and the result workbook with the one-time passwords.

The preview's rows wait on the server (instance/user-imports, a day at most) for the
confirmation; the result workbook waits there for its single download (an hour at most), is
deleted as it is downloaded, and the download is recorded as an audit `export`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.access import acting_user, require
from app.auth.audit import act_in_request, record
from app.auth.models import User
from app.common import writes_on_get
from app.errors import ForbiddenError, NotFoundError
from app.extensions import csrf, db
from app.imports import enrolment
from app.imports.files import FileRefused, Limits, megabytes
from app.spreadsheet import XLSX_MIME

bp = Blueprint("user_import_pages", __name__)

MANAGERS = ("admin", "commander")
PREVIEW_TTL = 24 * 3600
RESULT_TTL = 3600
ENVELOPE_BYTES = 64 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder() -> Path:
    configured = current_app.config.get("USER_IMPORT_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "user-imports"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*"):
        ttl = RESULT_TTL if old.suffix == ".xlsx" else PREVIEW_TTL
        if old.is_file() and old.stat().st_mtime < now - ttl:
            old.unlink(missing_ok=True)
    return folder


def _store(user: User, suffix: str, data: bytes) -> str:
    """Keep data for its owner only (file readable by the server alone); answer its token."""
    token = secrets.token_urlsafe(24)
    path = _folder() / f"{user.id}-{token}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return token


def _take(user: User, token: str, suffix: str) -> bytes:
    """Read and delete what the owner stored under a token (404 for anyone else, or gone)."""
    gone = NotFoundError(_("Không tìm thấy (đã dùng rồi hoặc đã quá hạn); hãy tải tệp lên lại."))
    if not _TOKEN.match(token):
        raise gone
    path = _folder() / f"{user.id}-{token}{suffix}"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise gone from exc
    path.unlink(missing_ok=True)
    return data


def _page(status: int = 200, **context):
    limits = Limits.from_config(current_app.config)
    body = render_template(
        "admin/users_import.html",
        limits=limits,
        max_rows=enrolment.MAX_ROWS,
        headers=enrolment.HEADERS,
        **context,
    )
    return body, status


def _upload(limits: Limits) -> bytes:
    """The uploaded file's bytes, the size checked before the form is read."""
    too_large = FileRefused(_("Tệp quá lớn (tối đa %(max)s MB).", max=megabytes(limits.max_bytes)))
    request.max_content_length = limits.max_bytes + ENVELOPE_BYTES
    if (request.content_length or 0) > request.max_content_length:
        raise too_large
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # exempt from the global check so the size limit comes first
        upload = request.files.get("file")
    except RequestEntityTooLarge as exc:
        raise too_large from exc
    if upload is None or not upload.filename:
        raise FileRefused(_("Hãy chọn tệp danh sách người dùng (.xlsx hoặc .csv)."))
    return upload.read(limits.max_bytes + 1)


def _manager() -> User:
    """The signed-in manager, without reading the request's body (its size is checked first)."""
    user = current_user._get_current_object()
    if user.role not in MANAGERS:
        raise ForbiddenError(_("Vai trò của bạn không được làm việc này."))
    act_in_request(user)
    return user


@csrf.exempt
@bp.route("/admin/users/import", methods=["GET", "POST"])
@login_required
def import_users():
    """Upload a list of users and see every row checked; nothing is created yet."""
    actor = _manager()
    if request.method == "GET":
        return _page()
    limits = Limits.from_config(current_app.config)
    try:
        rows = enrolment.check_rows(actor, enrolment.read_rows(_upload(limits), limits))
    except FileRefused as exc:
        return _page(422, error=str(exc))
    except CSRFError:
        return _page(400, error=_("Thiếu hoặc sai mã CSRF; hãy tải lại trang."))
    db.session.rollback()
    good = [r for r in rows if r.ok]
    token = None
    if good:
        payload = [{"number": r.number, "values": r.values} for r in rows]
        token = _store(actor, ".json", json.dumps(payload, ensure_ascii=False).encode())
    return _page(rows=rows, good=len(good), token=token)


@bp.route("/admin/users/import/<token>", methods=["POST"])
@login_required
@require(*MANAGERS)
def confirm_import(token: str):
    """Create the users of the previewed rows that are (still) good."""
    actor = acting_user()
    payload = json.loads(_take(actor, token, ".json"))
    rows = [enrolment.EnrolRow(item["number"], item["values"]) for item in payload]
    rows = enrolment.create_rows(actor, rows)
    db.session.commit()
    created = [r for r in rows if r.created]
    result = _store(actor, ".xlsx", enrolment.result_workbook(rows)) if created else None
    return _page(rows=rows, done=True, created=len(created), result=result)


@bp.route("/admin/users/import/<token>/result.xlsx")
@writes_on_get
@login_required
@require(*MANAGERS)
def import_result(token: str):
    """Download, once, the result with each created user's one-time password (audited)."""
    actor = acting_user()
    data = _take(actor, token, ".xlsx")
    record(db.session, "export", "users", None, {"file": "users-import-result.xlsx"})
    db.session.commit()
    response = Response(data, mimetype=XLSX_MIME)
    name = quote("tai-khoan-moi.xlsx")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    response.headers["Cache-Control"] = "no-store"
    return response
