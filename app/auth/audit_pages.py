"""The audit trail page (`/audit`) and its CSV (`/audit.csv`): admin and commander, scoped
as the API (`app/auth/audit_trail.py`).

The same filters as `GET /api/v1/audit` (`AuditArgs`), from a form that keeps what was typed;
bad filters answer the page again with the errors (422), never an error page.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import Select

from app.auth import audit_trail
from app.auth.access import acting_user, require
from app.auth.audit import canonical, record
from app.auth.audit_links import object_links
from app.auth.audit_schemas import AuditArgs
from app.clock import to_vietnam, today_in_vietnam
from app.common import writes_on_get
from app.errors import flatten_errors
from app.extensions import db
from app.labels import LABELS, label

bp = Blueprint("audit_pages", __name__)

PER_PAGE = 50
FILTERS = ("user", "action", "object_type", "object_id", "since", "until")
SENSITIVE = ",".join(audit_trail.SENSITIVE)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 500


def _typed() -> dict[str, str]:
    """The filters as typed, blanks left out (an empty box filters nothing)."""
    return {key: request.args[key].strip() for key in FILTERS if request.args.get(key, "").strip()}


def _load(typed: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    try:
        return AuditArgs().load({**typed, "page": request.args.get("page", "1")}), {}
    except ValidationError as exc:
        return None, flatten_errors(exc.messages)


def _action_choices() -> list[tuple[str, str]]:
    choices = [(SENSITIVE, _("Xem số định danh và tải xuống"))]
    return choices + [(value, label("audit_action", value)) for value in LABELS["audit_action"]]


@bp.app_template_filter("audit_action_label")
def audit_action_label(value: str) -> str:
    """Label an action (an old name as its new one)."""
    return label("audit_action", canonical(value))


@bp.route("/audit")
@login_required
@require(*audit_trail.READERS)
def audit():
    """Show who did what and when, filtered, page by page, newest first."""
    typed = _typed()
    args, errors = _load(typed)
    page, links = None, {}
    if args is not None:
        page = audit_trail.entries(acting_user(), args, args["page"], PER_PAGE)
        links = object_links(page.items)
    html = render_template(
        "audit/audit.html",
        typed=typed,
        errors=errors,
        page=page,
        pages=max(1, -(-page.total // PER_PAGE)) if page else 1,
        links=links,
        actions=_action_choices(),
        object_types=LABELS["audit_object"],
        sensitive=SENSITIVE,
        local_time=lambda at: to_vietnam(at).strftime("%d/%m/%Y %H:%M:%S"),
        short_detail=audit_trail.short_detail,
    )
    return html, 422 if errors else 200


def _safe(value: Any) -> Any:
    """Keep a text cell from being read as a formula by a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_headers() -> list[str]:
    return [
        _("Mã"),
        _("Thời điểm"),
        _("Mã người dùng"),
        _("Tên đăng nhập"),
        _("Hành động"),
        _("Tên hành động"),
        _("Loại đối tượng"),
        _("Mã đối tượng"),
        _("Địa chỉ IP"),
        _("Chi tiết"),
    ]


def _csv(query: Select) -> Iterator[str]:
    """Yield the CSV (UTF-8 with BOM, for Excel) in chunks, reading entries in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(_csv_headers())
    for count, entry in enumerate(audit_trail.all_entries(query), start=1):
        user = entry.user or {}
        detail = entry.detail
        writer.writerow(
            [
                entry.id,
                to_vietnam(entry.at).isoformat(timespec="seconds"),
                user.get("id", ""),
                _safe(user.get("username") or ""),
                entry.action,
                label("audit_action", entry.action),
                entry.object_type or "",
                _safe(entry.object_id or ""),
                entry.remote_addr or "",
                "" if detail is None else _safe(json.dumps(detail, ensure_ascii=False)),
            ]
        )
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.route("/audit.csv")
@writes_on_get
@login_required
@require(*audit_trail.READERS)
def audit_csv():
    """Download the filtered trail as CSV (streamed), itself recorded as an export."""
    typed = _typed()
    args, _errors = _load(typed)
    if args is None:
        return audit()
    user = acting_user()
    query = audit_trail.trail_query(user, args)
    record(db.session, "export", "audit", None, {"format": "csv", "filters": typed})
    db.session.commit()
    filename = f"nhat-ky-{today_in_vietnam().isoformat()}.csv"
    return Response(
        stream_with_context(_csv(query)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
