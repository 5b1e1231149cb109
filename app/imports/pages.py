"""Household list pages: the admin's import upload and a hamlet's printable visit list."""

from __future__ import annotations

import json
import re
import secrets
import time
from itertools import islice
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.access import acting_user
from app.auth.audit import act_in_request
from app.auth.models import User
from app.auth.scope import unit_in_scope, unit_scope_clause
from app.common import writes_on_get
from app.errors import ForbiddenError, NotFoundError
from app.extensions import csrf, db
from app.imports import FileRefused, Limits, cells, run_import
from app.imports.files import megabytes
from app.imports.report import XLSX_MIME, write_report
from app.imports.visit_list import export_visit_list, shown_id, visit_list_page
from app.labels import label
from app.units.models import Unit

bp = Blueprint("imports", __name__)

IMPORT_ROLES = ("admin", "commander")
REPORT_TTL_SECONDS = 24 * 3600
ERRORS_SHOWN = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Room for the multipart envelope and the form's other fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


def _importer() -> User:
    user = current_user._get_current_object()
    if user.role not in IMPORT_ROLES:
        raise ForbiddenError(_("Vai trò của bạn không được làm việc này."))
    return user


def communes_for(user: User) -> list[Unit]:
    """List the communes inside a user's unit, by name."""
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.level == "commune", unit_scope_clause(user))
            .order_by(Unit.name, Unit.code)
        )
    )


def _report_dir() -> Path:
    configured = current_app.config.get("IMPORT_REPORT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "import-reports"


def store_report(data: bytes, user: User, file_name: str) -> str:
    """Keep a report for its owner for a day; answer its token."""
    folder = _report_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - REPORT_TTL_SECONDS
    for old in folder.glob("*"):
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.xlsx").write_bytes(data)
    meta = {"user_id": user.id, "file": file_name, "at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def _report_path(token: str, user: User) -> tuple[Path, dict]:
    folder = _report_dir()
    if not _TOKEN.match(token):
        raise NotFoundError(_("Không tìm thấy báo cáo (đã quá một ngày?)."))
    meta_path, path = folder / f"{token}.json", folder / f"{token}.xlsx"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFoundError(_("Không tìm thấy báo cáo (đã quá một ngày?).")) from exc
    if meta.get("user_id") != user.id or not path.is_file():
        raise NotFoundError(_("Không tìm thấy báo cáo (đã quá một ngày?)."))
    return path, meta


def _form(communes: list[Unit], **context) -> str:
    return render_template(
        "imports/imports.html",
        communes=communes,
        limits=Limits.from_config(current_app.config),
        **context,
    )


def _refuse(communes: list[Unit], message: str, status: int) -> tuple[str, int]:
    db.session.rollback()
    return _form(communes, error=message), status


@csrf.exempt
@bp.route("/admin/imports", methods=["GET", "POST"])
@login_required
def imports():
    """Upload a household list, check it and import it; show the summary and the report."""
    user = _importer()
    communes = communes_for(user)
    if request.method == "GET":
        return _form(communes)
    limits = Limits.from_config(current_app.config)
    too_large = _("Tệp quá lớn (tối đa %(max)s MB).", max=megabytes(limits.max_bytes))
    # Read nothing of a body that is too large; the CSRF check below parses the form.
    request.max_content_length = limits.max_bytes + ENVELOPE_BYTES
    if (request.content_length or 0) > request.max_content_length:
        return _refuse(communes, too_large, 413)
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # exempt from the global check so the size limit above comes first
        upload = request.files.get("file")
        commune_code = (request.form.get("commune") or "").strip()
    except RequestEntityTooLarge:
        return _refuse(communes, too_large, 413)
    except CSRFError:
        return _refuse(communes, _("Thiếu hoặc sai mã CSRF; hãy tải lại trang."), 400)
    act_in_request(user)
    commune = next((c for c in communes if c.code == commune_code), None)
    if commune is None:
        return _refuse(communes, _("Hãy chọn một xã trong phạm vi của bạn."), 422)
    if upload is None or not upload.filename:
        return _refuse(communes, _("Hãy chọn tệp danh sách hộ (.xlsx hoặc .csv)."), 422)
    data = upload.read(limits.max_bytes + 1)
    try:
        result = run_import(
            data,
            upload.filename,
            commune,
            actor_id=user.id,
            dry_run=bool(request.form.get("dry_run")),
            partial=bool(request.form.get("partial")),
            create_hamlets=bool(request.form.get("create_hamlets")),
            limits=limits,
        )
    except FileRefused as exc:
        return _refuse(communes, str(exc), 422)
    except IntegrityError:
        return _refuse(
            communes, _("Dữ liệu đã thay đổi trong lúc nhập; không ghi gì, hãy nhập lại."), 409
        )
    if result.summary.written:
        db.session.commit()
    else:
        db.session.rollback()
    token = store_report(write_report(result), user, upload.filename)
    errors = list(islice((row for row in result.rows if row.errors), ERRORS_SHOWN))
    status = 200 if result.summary.written or result.summary.dry_run else 422
    return _form(
        communes, result=result.summary, errors=errors, token=token, selected=commune.code
    ), status


@bp.route("/admin/imports/<token>/report.xlsx")
@login_required
def import_report(token: str):
    """Download the report of one's own import (kept for a day)."""
    user = _importer()
    path, meta = _report_path(token, user)
    stem = Path(str(meta.get("file") or "danh-sach")).stem[:60] or "danh-sach"
    return _download(path.read_bytes(), f"bao-cao-{stem}.xlsx")


def _download(data: bytes, file_name: str) -> Response:
    """Answer an XLSX attachment that no cache keeps (it holds personal data)."""
    response = Response(data, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _hamlet_for(user: User, code: str) -> Unit:
    hamlet = db.session.scalar(select(Unit).where(Unit.code == code))
    if hamlet is None or hamlet.level != "hamlet" or not unit_in_scope(user, hamlet):
        raise NotFoundError(_("Không tìm thấy thôn %(code)s.", code=code))
    return hamlet


@bp.route("/hamlets/<code>/visit-list")
@writes_on_get
@login_required
def visit_list(code: str):
    """Show a hamlet's visit list, ready to print on A4."""
    user = acting_user()
    listing = visit_list_page(_hamlet_for(user, code), user)
    db.session.commit()
    return render_template(
        "imports/visit_list.html",
        listing=listing,
        user=user,
        shown_id=shown_id,
        relationship_label=lambda value, sex: cells.relationship_label(value, sex, label),
        presence_label=lambda value: label("presence", value),
    )


@bp.route("/hamlets/<code>/visit-list.xlsx")
@writes_on_get
@login_required
def visit_list_xlsx(code: str):
    """Download a hamlet's visit list as XLSX (the import's columns)."""
    user = acting_user()
    hamlet = _hamlet_for(user, code)
    data, _totals = export_visit_list(hamlet, user)
    db.session.commit()
    return _download(data, f"danh-sach-tham-{hamlet.code}.xlsx")
