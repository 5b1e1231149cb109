"""Login and logout pages (session cookie with CSRF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.routing import BuildError

from app.auth import service
from app.auth.audit import acting_as, record, record_sign_in_failed
from app.extensions import db, limiter

bp = Blueprint("auth_pages", __name__)

# The ids of the API tokens this browser session handed to the phone app (`/app`), revoked
# when the session signs out; the most recent ones only (a session lives a day or so).
SESSION_TOKENS = "app_token_ids"
MAX_SESSION_TOKENS = 20

HOME_BY_ROLE = {
    "admin": "reports_pages.dashboard",
    "commander": "reports_pages.dashboard",
    "officer": "field.shell",
    "village_head": "field.shell",
}


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


def home_for(user) -> str:
    """Return the landing page of a user's role (the change-password form after a reset)."""
    if user.must_change_password:
        return url_for("password_pages.change_password")
    try:
        return url_for(HOME_BY_ROLE[user.role])
    except (KeyError, BuildError):
        return url_for("auth_pages.account")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    """Show the login form and sign the user in."""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        password = (request.form.get("password") or "")[:256]
        user = service.authenticate(username, password)
        if user is None:
            record_sign_in_failed(db.session, username, "page")
            flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
            return render_template("auth/login.html", username=username), 401
        login_user(user, remember=False)
        with acting_as(user):
            record(db.session, "sign_in", "users", user.id, {"via": "page"})
            db.session.commit()
        return redirect(_safe_next(request.args.get("next")) or home_for(user))
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/login.html", username="")


def remember_session_token(token_id: int) -> None:
    """Note that this session handed a token to the phone app, to revoke it at sign-out."""
    ids = [i for i in session.get(SESSION_TOKENS, []) if isinstance(i, int)]
    session[SESSION_TOKENS] = [*ids, token_id][-MAX_SESSION_TOKENS:]


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign the user out, and revoke the tokens this session gave the phone app."""
    ids = session.pop(SESSION_TOKENS, None)
    if current_user.is_authenticated and not g.get("auth_by_token"):
        user = current_user._get_current_object()
        with acting_as(user):
            revoked = service.revoke_tokens(user, ids if isinstance(ids, list) else [])
            record(db.session, "sign_out", "users", user.id, {"via": "page", "tokens": revoked})
            db.session.commit()
    logout_user()
    return redirect(url_for("auth_pages.login"))


@bp.route("/account")
@login_required
def account():
    """Show who is signed in, with their unit."""
    return render_template("auth/account.html")


@bp.route("/")
def index():
    """Send the user to their home page."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth_pages.login"))
