"""People pages (`/admin/users`, admin and commander): the list, enrolling, editing, password
resets, (de)activation and a user's phone sessions, with the rules of the users API.

A one-time password is shown once, on the page that answers the form that made it (never in a
URL, a flash message or a page that can be opened again), and that page is not cached.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from app.auth import user_directory, user_enrol, users
from app.auth.access import acting_user, require
from app.auth.models import ROLES, User
from app.auth.user_schemas import AccountListArgs
from app.errors import InvalidError, ServiceError, flatten_errors
from app.extensions import db

bp = Blueprint("user_pages", __name__)

MANAGERS = ("admin", "commander")
FORM_FIELDS = ("username", "full_name", "role", "unit_code", "phone")
PER_PAGE = 50
IMPORT_ENDPOINT = "user_import_pages.import_users"  # the bulk enrolment (app/imports)


def roles_for(actor: User) -> list[str]:
    """The roles the actor may give: a commander never gives the admin role."""
    return [r for r in ROLES if actor.role == "admin" or r != "admin"]


def list_filters() -> tuple[user_directory.Filters, int]:
    """The list's filters and page from the query string (empty fields ignored; 422 if bad)."""
    raw = {k: v for k, v in request.args.items() if v.strip()}
    try:
        args = AccountListArgs().load(raw)
    except ValidationError as exc:
        raise InvalidError(_("Tham số không hợp lệ."), flatten_errors(exc.messages)) from exc
    page = args.pop("page")
    args.pop("per_page", None)
    return user_directory.Filters(**args), page


@bp.route("/admin/users", endpoint="users")
@login_required
@require(*MANAGERS)
def users_list():
    """List the users inside the signed-in manager's unit, searched and filtered."""
    actor = acting_user()
    filters, page = list_filters()
    found = user_directory.list_users(actor, filters, page, PER_PAGE)
    pages = max(1, -(-found.total // PER_PAGE))
    query = {k: v for k, v in request.args.items() if v.strip() and k != "page"}
    return render_template(
        "admin/users.html",
        found=found,
        pages=pages,
        filters=filters,
        query=query,
        roles=roles_for(actor),
        units=user_directory.unit_choices(actor, hamlets=False),
        seen_filters=user_directory.SEEN_FILTERS,
        can_import=IMPORT_ENDPOINT in current_app.view_functions,
    )


def form_values(source: Any | None = None, user: User | None = None) -> dict[str, Any]:
    """What the form shows: what was typed, else the user's values (or blanks)."""
    if source is not None:
        values = {k: (source.get(k) or "").strip()[:300] for k in FORM_FIELDS}
        codes = source.getlist("hamlet_codes") + user_enrol.split_codes(
            (source.get("hamlet_codes_text") or "")[:2000]
        )
        values["hamlet_codes"] = user_enrol.split_codes(codes)
        return values
    if user is None:
        return {k: "" for k in FORM_FIELDS} | {"hamlet_codes": []}
    shown = users.shown_account(user)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "unit_code": user.unit.code,
        "phone": user.phone or "",
        "hamlet_codes": [h.code for h in shown.hamlets],
    }


def render_form(actor: User, values: dict, *, user: User | None = None, error=None, status=200):
    """The create or edit form, with what was typed and the error's field messages."""
    body = render_template(
        "admin/user_form.html",
        values=values,
        user=user,
        error=error and str(error.message),
        field_errors=(error and error.errors) or {},
        roles=roles_for(actor),
        units=user_directory.unit_choices(actor),
        hamlets=user_directory.hamlet_choices(actor),
    )
    return body, status


def secret_page(user: User, password: str, *, created: bool) -> Response:
    """The page that shows a one-time password, this once; never cached."""
    response = make_response(
        render_template(
            "admin/one_time_password.html", user=user, password=password, created=created
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
@require(*MANAGERS)
def new_user():
    """Enrol a user; the one-time password is shown once on the answer."""
    actor = acting_user()
    if request.method == "GET":
        return render_form(actor, form_values() | {"unit_code": actor.unit.code})
    values = form_values(request.form)
    data = {k: v for k, v in values.items() if k != "phone" or v}
    try:
        created = user_enrol.create_account(actor, data)
    except ServiceError as exc:
        db.session.rollback()
        return render_form(actor, values, error=exc, status=exc.status)
    db.session.commit()
    return secret_page(created.user, created.one_time_password, created=True)


@bp.route("/admin/users/<int:user_id>")
@login_required
@require(*MANAGERS)
def user(user_id: int):
    """Show a user with their phone sessions and what may be done to the account."""
    actor = acting_user()
    target = users.managed_user(actor, user_id)
    return render_template(
        "admin/user.html",
        user=users.shown_account(target),
        sessions=users.active_tokens(actor, user_id),
        is_self=target.id == actor.id,
    )


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@require(*MANAGERS)
def edit_user(user_id: int):
    """Change a user's name, phone, role, unit and hamlets."""
    actor = acting_user()
    target = users.managed_user(actor, user_id)
    if request.method == "GET":
        return render_form(actor, form_values(user=target), user=target)
    values = form_values(request.form)
    changes = {k: values[k] for k in ("full_name", "role", "unit_code", "phone", "hamlet_codes")}
    try:
        user_enrol.update_account(actor, user_id, changes)
    except ServiceError as exc:
        db.session.rollback()
        target = users.managed_user(actor, user_id)
        return render_form(actor, values, user=target, error=exc, status=exc.status)
    db.session.commit()
    flash(_("Đã lưu thay đổi của %(u)s.", u=target.username), "ok")
    return redirect(url_for("user_pages.user", user_id=user_id), code=303)


@bp.route("/admin/users/<int:user_id>/password-reset", methods=["POST"])
@login_required
@require(*MANAGERS)
def reset_password(user_id: int):
    """Give a user a new one-time password (shown once) and end their phone sessions."""
    actor = acting_user()
    password = users.reset_password(actor, user_id)
    db.session.commit()
    return secret_page(users.managed_user(actor, user_id), password, created=False)


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@login_required
@require(*MANAGERS)
def set_active(user_id: int):
    """Deactivate (ending every phone session) or reactivate an account."""
    actor = acting_user()
    active = request.form.get("active") == "1"
    try:
        target = user_enrol.update_account(actor, user_id, {"active": active})
    except ServiceError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("user_pages.user", user_id=user_id), code=303)
    db.session.commit()
    if active:
        flash(_("Đã mở lại tài khoản %(u)s.", u=target.username), "ok")
    else:
        flash(_("Đã khóa tài khoản %(u)s; mọi phiên đã bị thu hồi.", u=target.username), "ok")
    return redirect(url_for("user_pages.user", user_id=user_id), code=303)


@bp.route("/admin/users/<int:user_id>/sessions/revoke", methods=["POST"])
@login_required
@require(*MANAGERS)
def revoke_sessions(user_id: int):
    """End every phone session of a user at once (a lost phone)."""
    revoked = users.revoke_tokens(acting_user(), user_id)
    db.session.commit()
    flash(_("Đã thu hồi %(n)d phiên đăng nhập.", n=revoked.count), "ok")
    return redirect(url_for("user_pages.user", user_id=user_id), code=303)
