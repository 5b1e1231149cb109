"""Audit API: the trail, filtered, for scripts (admins and commanders, inside their unit)."""

from __future__ import annotations

from app.auth import audit_trail
from app.auth.access import acting_user, require
from app.auth.audit_schemas import AuditArgs, AuditListOut
from app.extensions import Blueprint

blp = Blueprint("audit", __name__, description="Nhật ký / Audit trail")


@blp.route("/audit")
@require(*audit_trail.READERS)
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditListOut)
def list_entries(args: dict):
    """List who did what and when, newest first, in the caller's scope.

    Admins and commanders see the entries by users of their unit and about objects inside it
    (an admin also those about nobody: failed sign-ins on unknown usernames, commands; see
    `app/auth/audit_trail.py`); old action names are found and shown under the new ones.
    """
    return audit_trail.entries(acting_user(), args, args["page"], args["per_page"])
