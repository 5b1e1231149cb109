"""Reconciliation pages: /reconciliations (the lists uploaded, and the upload form) and
/reconciliations/<id> (progress, counts, rows by class, decisions, downloads)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from app.auth.access import acting_user, require
from app.errors import ConflictError, InvalidError, flatten_errors
from app.extensions import db
from app.imports.pages import communes_for
from app.labels import choices, label
from app.reconcile import decisions, service
from app.reconcile.models import CLASSES, SECTORS
from app.reconcile.routes import upload
from app.reconcile.schemas import DecisionsIn, UploadForm
from app.reconcile.service import COUNT_KEYS
from app.reconcile.shown import recent, rows_page, shown_reconciliation

bp = Blueprint("reconcile_pages", __name__)

ROLES = ("commander", "admin")
PER_PAGE = 50


def _list_page(form: dict | None = None, error: str | None = None, status: int = 200):
    user = acting_user()
    communes = communes_for(user)
    names = {c.id: c for c in communes}
    return render_template(
        "reconcile/list.html",
        communes=communes,
        sectors=choices("reconciliation_sector"),
        items=[(r, names.get(r.unit_id)) for r in recent(list(names))],
        form=form or {},
        error=error,
        count_keys=COUNT_KEYS,
        label=label,
    ), status


@bp.route("/reconciliations")
@login_required
@require(*ROLES)
def reconciliations():
    """The lists uploaded for the communes in scope, newest first, and the upload form."""
    return _list_page()


@bp.route("/reconciliations", methods=["POST"])
@login_required
@require(*ROLES)
def create():
    """Upload a list; when it is read, go to its page (which follows the progress)."""
    user = acting_user()
    typed = {key: request.form.get(key, "") for key in ("sector", "unit")}
    try:
        form = UploadForm().load(typed)
        reconciliation = upload(user, form, request.files.get("file"))
    except ValidationError as exc:
        db.session.rollback()
        errors = flatten_errors(exc.messages)
        return _list_page(typed, " ".join(m for v in errors.values() for m in v), 422)
    except InvalidError as exc:
        db.session.rollback()
        return _list_page(typed, str(exc.message), 422)
    db.session.commit()
    return redirect(url_for(".reconciliation", reconciliation_id=reconciliation.id), 303)


def _page_args() -> tuple[str | None, int]:
    row_class = request.args.get("class")
    row_class = row_class if row_class in CLASSES else None
    try:
        page = max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        page = 1
    return row_class, page


@bp.route("/reconciliations/<int:reconciliation_id>")
@login_required
@require(*ROLES)
def reconciliation(reconciliation_id: int):
    """A list's progress, counts (in total and per hamlet), rows by class and decisions."""
    found = service.reconciliation_for(acting_user(), reconciliation_id)
    row_class, page = _page_args()
    rows = rows_page(found, row_class, page, PER_PAGE) if found.status == "done" else None
    return render_template(
        "reconcile/detail.html",
        rec=shown_reconciliation(found),
        rows=rows,
        row_class=row_class,
        classes=CLASSES,
        count_keys=COUNT_KEYS,
        sectors=SECTORS,
        label=label,
        pages=((rows.total + PER_PAGE - 1) // PER_PAGE) if rows else 0,
        page=page,
    )


def _decision_body() -> dict[str, Any]:
    """The page's forms: one row's decision, or the bulk confirmation by score."""
    if request.form.get("min_score"):
        return {"min_score": request.form["min_score"]}
    item: dict[str, Any] = {"row": request.form.get("row", "")}
    if request.form.get("resident_id"):
        item["resident_id"] = request.form["resident_id"]
    if request.form.get("action"):
        item["action"] = request.form["action"]
    return {"decisions": [item]}


@bp.route("/reconciliations/<int:reconciliation_id>/decisions", methods=["POST"])
@login_required
@require(*ROLES)
def decide(reconciliation_id: int):
    """Apply one decision (or the bulk confirmation) and go back to the same rows."""
    user = acting_user()
    found = service.reconciliation_for(user, reconciliation_id)
    back = url_for(
        ".reconciliation",
        reconciliation_id=reconciliation_id,
        **{k: v for k, v in request.args.items() if k in ("class", "page")},
    )
    try:
        answer = decisions.decide(found, user, DecisionsIn().load(_decision_body()))
    except ValidationError as exc:
        db.session.rollback()
        errors = flatten_errors(exc.messages)
        flash(" ".join(m for v in errors.values() for m in v) or _("Không hợp lệ."), "error")
        return redirect(back, 303)
    except (InvalidError, ConflictError) as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(_("Đã ghi quyết định cho %(n)s dòng.", n=answer["decided"]), "ok")
    return redirect(back, 303)
