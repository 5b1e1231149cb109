"""Session pages: the list, the planner (new and edit), one session's results, and the printed
list of invited residents (session login, scope as the API; officers and up)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError

from app.auth.access import acting_user, require
from app.auth.audit import record
from app.auth.models import User
from app.auth.user_directory import unit_choices
from app.clock import today_in_vietnam
from app.common import writes_on_get
from app.errors import ConflictError, InvalidError, NotFoundError, flatten_errors
from app.extensions import db
from app.labels import label
from app.sessions import plans, proposals, shown
from app.sessions.forms import read_form, site_choices, team_choices, typed_of
from app.sessions.models import KINDS, STATUSES, CaptureSession
from app.sessions.schemas import CaptureSessionArgs
from app.text import has_control_chars
from app.units.models import Unit

bp = Blueprint("session_pages", __name__)

ROLES = ("admin", "commander", "officer")
PAGE_SIZE = 30
# What a citizen brings to an ID card capture (printed on the session's list).
TO_BRING = (
    _l("Giấy khai sinh (bản chính hoặc bản sao)"),
    _l("Sổ hộ khẩu hoặc giấy tờ chứng minh nơi cư trú"),
    _l("Thẻ căn cước công dân hoặc chứng minh nhân dân cũ (nếu có)"),
)


@bp.route("/sessions")
@login_required
@require(*ROLES)
def sessions():
    """List sessions in scope: filters by day, kind and unit."""
    try:
        args = CaptureSessionArgs().load(request.args.to_dict())
    except ValidationError as exc:
        raise InvalidError(_("Tham số không hợp lệ."), flatten_errors(exc.messages)) from exc
    user = acting_user()
    args["per_page"] = PAGE_SIZE
    result = shown.list_sessions(user, **args)
    return render_template(
        "sessions/list.html",
        result=result,
        pages=max((result.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        args=request.args,
        kinds=[(k, label("session_kind", k)) for k in KINDS],
        units=unit_choices(user) or [],
        page_url=lambda n: url_for(
            "session_pages.sessions", **{**request.args.to_dict(), "page": n}
        ),
    )


def _proposed(user: User, kind: str, unit: str | None) -> list[dict]:
    if unit and has_control_chars(unit):
        return []  # the form's own check refuses it; nothing is proposed for it
    try:
        return proposals.propose(user, unit or None, kind)
    except NotFoundError:
        return []


def _form_page(
    user: User,
    typed: dict[str, Any],
    errors: dict,
    session: CaptureSession | None = None,
    status: int = 200,
):
    proposed = _proposed(user, typed.get("kind") or "at_home", typed.get("unit"))
    invited = shown.invitees_of(session) if session is not None else []
    known = {i["resident_id"] for i in invited}
    people = invited + [p for p in proposed if p["resident_id"] not in known]
    ticked = set(typed.get("resident_ids") or [])
    if session is None and not ticked and not errors:
        ticked = {p["resident_id"] for p in proposed}  # a new plan: every proposal ticked
    page = render_template(
        "sessions/form.html",
        typed=typed,
        errors=errors,
        session=session,
        people=people,
        ticked=ticked,
        kinds=[(k, label("session_kind", k)) for k in KINDS],
        statuses=[(k, label("session_status", k)) for k in STATUSES],
        units=unit_choices(user) or [],
        team=team_choices(user),
        sites=site_choices(user),
    )
    return page, status


def _save(user: User, session: CaptureSession | None):
    typed, data, errors = read_form(request.form)
    if errors:
        return _form_page(user, typed, errors, session, 422)
    if session is not None and not any(
        data.get(k) for k in ("unit", "hamlet_code", "household_id")
    ):
        data["unit"] = db.session.get(Unit, session.commune_id).code  # stays in its commune
    try:
        if session is None:
            session = plans.create_session(user, data)
        else:
            session = plans.update_session(user, session.id, data)
    except (InvalidError, ConflictError) as exc:
        db.session.rollback()
        again = plans.session_for(user, session.id) if session is not None else None
        return _form_page(user, typed, exc.errors or {"_schema": [str(exc.message)]}, again, 422)
    db.session.commit()
    flash(_("Đã lưu buổi thu nhận."), "ok")
    return redirect(url_for("session_pages.session", session_id=session.id), code=303)


@bp.route("/sessions/new", methods=["GET", "POST"])
@login_required
@require(*ROLES)
def new_session():
    """The planner: kind, day, window, place, team and the proposed residents, all ticked."""
    user = acting_user()
    if request.method == "POST":
        return _save(user, None)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else "at_home"
    typed = {
        "kind": kind,
        "date": today_in_vietnam().isoformat(),
        "starts_at": "08:00",
        "ends_at": "11:00",
        "unit": request.args.get("unit", "")[:32],
        "team_ids": [user.id] if user.role in ("officer", "commander") else [],
    }
    return _form_page(user, typed, {})


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
@require(*ROLES)
def edit_session(session_id: int):
    """The planner filled in with a saved session."""
    user = acting_user()
    session = plans.session_for(user, session_id)
    if request.method == "POST":
        return _save(user, session)
    view = shown.shown_session(session)
    return _form_page(user, typed_of(session, view.hamlet_code), {}, session)


@bp.route("/sessions/<int:session_id>")
@login_required
@require(*ROLES)
def session(session_id: int):
    """One session: the plan, the team, each invited resident and their result so far."""
    view = shown.shown_session(plans.session_for(acting_user(), session_id))
    return render_template("sessions/detail.html", s=view)


@bp.route("/sessions/<int:session_id>/print")
@writes_on_get
@login_required
@require(*ROLES)
def print_list(session_id: int):
    """The invited residents as a printable list (recorded as a print: it shows years of
    birth and addresses)."""
    user = acting_user()
    view = shown.shown_session(plans.session_for(user, session_id))
    record(
        db.session, "print", "capture_sessions", str(view.id), {"residents": len(view.residents)}
    )
    db.session.commit()
    return render_template("sessions/print.html", s=view, to_bring=TO_BRING, user=user)
