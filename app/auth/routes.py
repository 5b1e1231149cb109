"""Auth API: tokens and the current user."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from app.auth import service
from app.auth.access import UnauthorizedError, acting_user, require
from app.auth.audit import acting_as, record, record_sign_in_failed
from app.auth.clients import describe_client
from app.auth.models import User
from app.auth.schemas import AssignHamletsIn, TokenOut, TokenRequest, UserOut
from app.auth.scope import unit_in_scope
from app.errors import NotFoundError
from app.extensions import Blueprint, db, limiter

blp = Blueprint("auth", __name__, description="Đăng nhập, mã truy cập / Login and tokens")


@blp.route("/auth/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["TOKEN_RATE_LIMIT"])
@blp.arguments(TokenRequest)
@blp.response(200, TokenOut)
def token(args: dict):
    """Issue a bearer token for a username and password."""
    user = service.authenticate(args["username"], args["password"])
    if user is None:
        record_sign_in_failed(db.session, args["username"], "token")
        raise UnauthorizedError(_("Sai tên đăng nhập hoặc mật khẩu."))
    with acting_as(user):
        raw, token_row = service.issue_token(user, describe_client(request.user_agent.string))
        record(db.session, "sign_in", "users", user.id, {"via": "token"})
        db.session.commit()
    return {
        "token": raw,
        "expires_at": token_row.expires_at.isoformat(),
        "user": service.shown_user(user),
    }


@blp.route("/auth/token", methods=["DELETE"])
@require()
@blp.response(204)
def revoke():
    """Revoke the bearer token this request carries."""
    from flask import request

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        service.revoke_token(header[7:].strip())
        db.session.commit()


@blp.route("/me")
@require()
@blp.response(200, UserOut)
def me():
    """Describe the user behind this request."""
    return service.shown_user(acting_user())


@blp.route("/users/<int:user_id>/hamlets", methods=["PUT"])
@require("admin", "commander")
@blp.arguments(AssignHamletsIn)
@blp.response(200, UserOut)
def assign_hamlets(args: dict, user_id: int):
    """Assign an officer or village head to hamlets inside the caller's unit."""
    actor = acting_user()
    user = db.session.get(User, user_id)
    if user is None or not unit_in_scope(actor, user.unit):
        raise NotFoundError(_("Không tìm thấy người dùng."))
    service.assign_hamlets(user, args["hamlets"], replace=args["replace"])
    db.session.commit()
    return service.shown_user(user)
