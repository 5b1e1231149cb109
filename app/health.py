"""Liveness and database health."""

from contextlib import suppress

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import RETRY_AFTER_SECONDS, error_body
from app.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Answer whether the server and its database are up."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        with suppress(SQLAlchemyError):  # the connection is gone; the session ends anyway
            db.session.rollback()
        body = error_body(503, _("Máy chủ tạm thời không kết nối được cơ sở dữ liệu; thử lại sau."))
        body.update(status="degraded", db="unreachable")
        return jsonify(body), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify(status="ok", db="ok")
