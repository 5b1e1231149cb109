"""One sign-in for the web pages and the phone app.

An officer or village head signed in on `/login` who opens `/app` gets the app's bearer token
from that session instead of a second login form: the app asks `GET /app/session` (never
cached; the precached shell carries no CSRF token) who the page session is, with a CSRF
token, and exchanges it at `POST /app/session-token` for a token recorded and audited as a
login. The session notes the token, so signing out of the web (`POST /logout`) revokes it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf

from app.auth import service
from app.auth.audit import acting_as, record
from app.auth.models import User
from app.auth.pages import remember_session_token
from app.auth.schemas import TokenOut
from app.errors import error_body
from app.extensions import csrf, db, limiter
from app.schemas import shaped_for

bp = Blueprint("field_signin", __name__)

APP_ROLES = ("officer", "village_head")


def _session_user() -> User | None:
    """The user signed in by the page session cookie (never by a bearer token)."""
    if not current_user.is_authenticated or g.get("auth_by_token"):
        return None
    return current_user._get_current_object()


def _json(body: Any, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/app/session")
def page_session():
    """Say who the page session is (and a CSRF token for them), or that there is none."""
    user = _session_user()
    if user is None:
        return _json({"signed_in": False})
    return _json(
        {
            "signed_in": True,
            "username": user.username,
            "role": user.role,
            "csrf_token": generate_csrf(),
        }
    )


@bp.route("/app/session-token", methods=["POST"])
@csrf.exempt  # checked below, after the session, so each refusal says what is missing
@limiter.limit(lambda: current_app.config["TOKEN_RATE_LIMIT"])
def session_token():
    """Hand the phone app a bearer token for the signed-in page user."""
    user = _session_user()
    if user is None:
        return _json(error_body(401, _("Bạn cần đăng nhập.")), 401)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError:
            message = _("Thiếu hoặc sai mã CSRF. Hãy mở lại ứng dụng.")
            return _json(error_body(400, message), 400)
    if user.role not in APP_ROLES:
        message = _(
            "Ứng dụng này dành cho cán bộ và trưởng thôn. Chỉ huy và quản trị dùng trang quản lý."
        )
        return _json(error_body(403, message), 403)
    with acting_as(user):
        raw, token = service.issue_token(user)
        record(db.session, "sign_in", "users", user.id, {"via": "session"})
        db.session.commit()
    remember_session_token(token.id)
    body = {"token": raw, "expires_at": token.expires_at.isoformat()}
    with shaped_for(user):
        body["user"] = service.shown_user(user)
        return _json(TokenOut().dump(body))
