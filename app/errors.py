"""Every error as JSON for the API: `{code, message, errors}`, Vietnamese first."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.validation import translated

log = logging.getLogger("gocua.errors")


class ServiceError(Exception):
    """A rule refused the request; routes turn it into a JSON error answer."""

    status = 400

    def __init__(
        self, message: Any = None, errors: dict[str, list[str]] | None = None, **extra: Any
    ) -> None:
        super().__init__(str(message) if message else self.__class__.__name__)
        self.message = message
        self.errors = errors
        self.extra = extra


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    status = 409


class InvalidError(ServiceError):
    status = 422


class ForbiddenError(ServiceError):
    status = 403


DEFAULT_MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    401: _l("Bạn cần đăng nhập."),
    403: _l("Bạn không có quyền làm việc này."),
    404: _l("Không tìm thấy."),
    405: _l("Phương thức không được hỗ trợ."),
    409: _l("Xung đột dữ liệu."),
    413: _l("Dữ liệu gửi lên quá lớn."),
    415: _l("Định dạng dữ liệu không được hỗ trợ."),
    422: _l("Dữ liệu không hợp lệ."),
    428: _l("Thiếu điều kiện phiên bản (If-Match)."),
    429: _l("Quá nhiều yêu cầu, vui lòng thử lại sau."),
    500: _l("Lỗi máy chủ, vui lòng thử lại."),
    503: _l("Máy chủ tạm thời không sẵn sàng."),
}


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into `{"a.b.0.c": ["..."]}`, in the request's
    language (marshmallow's own messages are app.validation's)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if prefix == "" and key in ("json", "query", "querystring", "headers", "form", "files"):
                path = ""
            elif key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub_path, texts in flatten_errors(value, path).items():
                out.setdefault(sub_path, []).extend(texts)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out.setdefault(prefix or "_schema", []).extend(translated(m) for m in messages)
        else:
            for item in messages:
                for sub_path, texts in flatten_errors(item, prefix).items():
                    out.setdefault(sub_path, []).extend(texts)
    elif messages is not None:
        out.setdefault(prefix or "_schema", []).append(translated(messages))
    return out


def wants_json() -> bool:
    """Decide whether this request should get a JSON error rather than a page."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_body(
    status: int, message: Any = None, errors: dict | None = None, **extra: Any
) -> dict[str, Any]:
    """Build the JSON error document of API.md."""
    body: dict[str, Any] = {
        "code": status,
        "message": str(message) if message else str(DEFAULT_MESSAGES.get(status, _("Lỗi."))),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _respond(status: int, body: dict[str, Any], headers: Any = None) -> Response:
    if wants_json():
        response = jsonify(body)
    else:
        response = make_response(render_template("error.html", error=body))
    response.status_code = status
    for key, value in headers or ():
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def handle_http_exception(error: HTTPException):
    """Answer an HTTP error (abort, 404, 405, 413, webargs 422 ...) in JSON or as a page."""
    original = getattr(error, "original_exception", None)  # Flask's 500 for a late failure
    if database_unreachable(original):
        return handle_database_unreachable(original)
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = None
    message = data.get("message")
    if "messages" in data:
        errors = flatten_errors(data["messages"])
        if status == 400 and any("JSON" in m for texts in errors.values() for m in texts):
            message = _("Nội dung JSON không hợp lệ.")
            errors = None
        elif status in (400, 422):
            message = message or _("Dữ liệu không hợp lệ.")
    elif "errors" in data:
        errors = data["errors"]
    if status >= 500:
        message = None
    headers = error.get_response().headers.items() if status in (405, 429) else None
    return _respond(status, error_body(status, message, errors), headers)


def handle_csrf_error(_error: Exception):
    """A form sent without its CSRF token, or with an old one (the page stayed open too long,
    or the session ended): say so, and what to do."""
    message = _("Biểu mẫu đã cũ hoặc thiếu mã bảo vệ (CSRF). Hãy tải lại trang rồi gửi lại.")
    return _respond(400, error_body(400, message))


def handle_service_error(error: ServiceError):
    """Answer a refused service call."""
    return _respond(
        error.status, error_body(error.status, error.message, error.errors, **error.extra)
    )


# Seconds a client should wait before sending again while the database is unreachable.
RETRY_AFTER_SECONDS = 5


def database_unreachable(error: BaseException | None) -> bool:
    """Whether an exception says the database cannot be reached (down, restarting, the
    connection cut), rather than that the request or the code is wrong. An error raised while
    a lost connection was being handled (SQLAlchemy's `PendingRollbackError` when a savepoint
    is rolled back on an invalidated connection) says the same: its context is looked at too."""
    seen = 0
    while isinstance(error, SQLAlchemyError) and seen < 5:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def handle_database_unreachable(error: Exception):
    """Answer 503 with Retry-After, never an HTML 500, when the database cannot be reached:
    the phone keeps the visit and sends it again (same client_id) later."""
    log.warning("database unreachable on %s %s: %s", request.method, request.path, error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is removed anyway
        log.debug("rollback after a lost connection failed", exc_info=True)
    message = _("Máy chủ tạm thời không kết nối được cơ sở dữ liệu; thử lại sau.")
    return _respond(503, error_body(503, message), [("Retry-After", str(RETRY_AFTER_SECONDS))])


def handle_unexpected(error: Exception):
    """Answer an unexpected failure without leaking a stack trace."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if database_unreachable(error):
        return handle_database_unreachable(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    try:
        # A failed statement leaves the session's transaction to roll back: the error page
        # reads the signed-in user through it, and would fail in turn (a bare 500).
        db.session.rollback()
    except Exception:
        log.debug("rollback after an unhandled error failed", exc_info=True)
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the error handlers (replacing flask-smorest's default)."""
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(DBAPIError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
