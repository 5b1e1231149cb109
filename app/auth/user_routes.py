"""Users API: another user's account, phone sessions and password; one's own password."""

from __future__ import annotations

from app.auth import user_directory, user_enrol, users
from app.auth.access import acting_user, require
from app.auth.user_schemas import (
    AccountIn,
    AccountListArgs,
    AccountListOut,
    AccountOut,
    AccountPatch,
    NewAccountOut,
    OneTimePasswordOut,
    PasswordChangeIn,
    SessionList,
)
from app.extensions import Blueprint, db
from app.schemas import Shown

blp = Blueprint("users", __name__, description="Người dùng / Users")

MANAGERS = ("admin", "commander")


@blp.route("/users")
@require(*MANAGERS)
@blp.arguments(AccountListArgs, location="query")
@blp.response(200, AccountListOut)
def list_users(args: dict):
    """List the users inside the caller's unit (a commander does not see admin accounts).

    `q` matches the full name or username without diacritics; `unit` keeps the users of a
    unit and below; `seen` is week, month, stale (not for 30 days) or never.
    """
    page, per_page = args.pop("page"), args.pop("per_page")
    filters = user_directory.Filters(**args)
    return user_directory.list_users(acting_user(), filters, page, per_page)


@blp.route("/users", methods=["POST"])
@require(*MANAGERS)
@blp.arguments(AccountIn)
@blp.response(201, NewAccountOut)
@blp.alt_response(403, description="the admin role, or a unit outside the caller's")
@blp.alt_response(409, description="the username is taken")
def create_user(args: dict):
    """Enrol a user inside the caller's unit; the answer carries `one_time_password`, shown
    this once: the user must change it at their first sign-in."""
    created = user_enrol.create_account(acting_user(), args)
    db.session.commit()
    shown = users.shown_account(created.user)
    return Shown(shown, one_time_password=created.one_time_password)


@blp.route("/users/<int:user_id>")
@require(*MANAGERS)
@blp.response(200, AccountOut)
def get_user(user_id: int):
    """Describe a user inside the caller's unit."""
    return users.account_of(acting_user(), user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@require(*MANAGERS)
@blp.arguments(AccountPatch)
@blp.response(200, AccountOut)
@blp.alt_response(403, description="the admin role, or a unit outside the caller's")
@blp.alt_response(409, description="deactivating, or moving, one's own account")
def update_user(args: dict, user_id: int):
    """Change a user's name, phone, role, unit or hamlets; deactivate or reactivate the
    account (deactivation ends its phone sessions)."""
    user = user_enrol.update_account(acting_user(), user_id, args)
    db.session.commit()
    return users.shown_account(user)


@blp.route("/users/<int:user_id>/tokens")
@require(*MANAGERS)
@blp.response(200, SessionList)
def list_tokens(user_id: int):
    """List a user's active phone sessions, newest first."""
    tokens = users.active_tokens(acting_user(), user_id)
    return {"items": tokens, "total": len(tokens)}


@blp.route("/users/<int:user_id>/tokens", methods=["DELETE"])
@require(*MANAGERS)
@blp.response(204)
def revoke_tokens(user_id: int):
    """Revoke all of a user's tokens at once (a lost phone)."""
    users.revoke_tokens(acting_user(), user_id)
    db.session.commit()


@blp.route("/users/<int:user_id>/password-reset", methods=["POST"])
@require(*MANAGERS)
@blp.response(200, OneTimePasswordOut)
def reset_password(user_id: int):
    """Set a one-time password, shown once; the user must change it at next sign-in."""
    password = users.reset_password(acting_user(), user_id)
    db.session.commit()
    return {"one_time_password": password}


@blp.route("/me/password", methods=["POST"])
@require()
@blp.arguments(PasswordChangeIn)
@blp.response(204)
@blp.alt_response(422, description="wrong current password, or a new one too weak")
def change_password(args: dict):
    """Replace one's own password (required after a reset)."""
    users.change_own_password(acting_user(), args["current_password"], args["new_password"])
    db.session.commit()
