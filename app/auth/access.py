"""Who is asking: bearer tokens for API clients, session cookies for pages; role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.auth.audit import act_in_request
from app.auth.models import User
from app.auth.service import user_for_token
from app.errors import ForbiddenError, ServiceError
from app.extensions import csrf, db, login
from app.schemas import shaped_for
from app.text import ascii_digits

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
STAFF = ("admin", "commander", "officer")
ALL_ROLES = ("admin", "commander", "officer", "village_head")
# What a user whose password was reset may still do before choosing a new one.
WHILE_PASSWORD_RESET = {
    "users.change_password",
    "auth.token",
    "auth.revoke",
    "auth_pages.login",
    "auth_pages.logout",
    "password_pages.change_password",
    "static",
    "health.healthz",
}


class UnauthorizedError(ServiceError):
    status = 401


def init_login(app: Flask) -> None:
    """Wire Flask-Login: session users for pages, bearer tokens for the API."""
    login.login_view = "auth_pages.login"
    login.login_message = None

    @app.before_request
    def forget_previous_user() -> None:
        # `g` belongs to the app context, which a test (or a CLI) may share between requests:
        # who is asking is decided anew for every request.
        for key in ("_login_user", "auth_by_token", "audit_user_id", "audit_unit_id"):
            g.pop(key, None)

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if ascii_digits(user_id) else None
        return user if user is not None and user.active else None

    @login.request_loader
    def load_from_token(req) -> User | None:
        header = req.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        user = user_for_token(header[7:].strip())
        if user is not None:
            g.auth_by_token = True
        return user

    app.before_request(hold_until_password_changed)

    @login.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            raise UnauthorizedError(_("Bạn cần đăng nhập."))
        return redirect(url_for("auth_pages.login", next=request.full_path))


def hold_until_password_changed():
    """After a password reset, refuse everything but changing it: the API with a 403, pages
    by sending the user to the change-password form."""
    if request.endpoint in WHILE_PASSWORD_RESET or request.endpoint is None:
        return None
    user = current_user._get_current_object() if current_user else None
    if user is None or not user.is_authenticated or not user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        raise ForbiddenError(
            _("Bạn cần đổi mật khẩu trước khi tiếp tục."), reason="password_change_required"
        )
    return redirect(url_for("password_pages.change_password"))


def acting_user() -> User:
    """Return the authenticated user of this request (raises 401 when there is none)."""
    user = current_user._get_current_object() if current_user else None
    if user is None or not user.is_authenticated:
        raise UnauthorizedError(_("Bạn cần đăng nhập."))
    if request.method not in SAFE_METHODS and not g.get("auth_by_token"):
        try:
            csrf.protect()
        except CSRFError as exc:
            raise ForbiddenError(_("Thiếu hoặc sai mã CSRF.")) from exc
    act_in_request(user)
    return user


def require(*roles: str) -> Callable:
    """Let the view run only for an authenticated user with one of these roles.

    The answer is dumped for that user (`app.schemas.viewer()`): what it shows may depend on
    the role.
    """
    allowed = roles or ALL_ROLES

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = acting_user()
            if user.role not in allowed:
                raise ForbiddenError(_("Vai trò của bạn không được làm việc này."))
            with shaped_for(user):
                return view(*args, **kwargs)

        return wrapped

    return decorator
