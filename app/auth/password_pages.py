"""The change-password page: after a reset, the one page a user may use."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import users
from app.auth.audit import acting_as
from app.auth.pages import home_for
from app.errors import InvalidError
from app.extensions import db, limiter

bp = Blueprint("password_pages", __name__)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def change_password():
    """Show the change-password form and replace the signed-in user's password."""
    user = current_user._get_current_object()
    if request.method == "GET":
        return render_template("auth/change_password.html", required=user.must_change_password)
    current = (request.form.get("current_password") or "")[:256]
    new = (request.form.get("new_password") or "")[:256]
    if new != (request.form.get("confirm_password") or "")[:256]:
        flash(_("Hai lần nhập mật khẩu mới không khớp."), "error")
        return _form_again(user), 422
    try:
        with acting_as(user):
            users.change_own_password(user, current, new)
            db.session.commit()
    except InvalidError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _form_again(user), 422
    flash(_("Đã đổi mật khẩu."), "success")
    return redirect(home_for(user))


def _form_again(user) -> str:
    return render_template("auth/change_password.html", required=user.must_change_password)
