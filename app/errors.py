"""Every error as JSON for the API: `{code, message, errors}`, Vietnamese first."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

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

# marshmallow / webargs default messages, matched by pattern, with their Vietnamese text.
FIELD_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^Missing data for required field\.$"), _l("Trường này là bắt buộc.")),
    (re.compile(r"^Unknown field\.$"), _l("Trường không được chấp nhận.")),
    (re.compile(r"^Field may not be null\.$"), _l("Trường này không được để trống.")),
    (re.compile(r"^Not a valid integer\.$"), _l("Phải là số nguyên.")),
    (re.compile(r"^Not a valid number\.$"), _l("Phải là số.")),
    (re.compile(r"^Not a valid string\.$"), _l("Phải là chuỗi ký tự.")),
    (re.compile(r"^Not a valid boolean\.$"), _l("Phải là đúng/sai (true/false).")),
    (re.compile(r"^Not a valid date\.$"), _l("Ngày không hợp lệ.")),
    (re.compile(r"^Not a valid datetime\.$"), _l("Thời gian không hợp lệ.")),
    (re.compile(r"^Not a valid list\.$"), _l("Phải là danh sách.")),
    (re.compile(r"^Not a valid mapping type\.$"), _l("Phải là một đối tượng JSON.")),
    (re.compile(r"^Invalid input type\.$"), _l("Kiểu dữ liệu không hợp lệ.")),
    (re.compile(r"^Invalid value\.$"), _l("Giá trị không hợp lệ.")),
    (re.compile(r"^Invalid JSON body\.$"), _l("Nội dung JSON không hợp lệ.")),
    (re.compile(r"^Must be one of: (.*)\.$"), _l("Phải là một trong: %(arg)s.")),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        _l("Phải nằm trong khoảng %(arg)s đến %(arg2)s."),
    ),
    (
        re.compile(r"^Must be greater than or equal to (\S+)\.$"),
        _l("Phải lớn hơn hoặc bằng %(arg)s."),
    ),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), _l("Phải nhỏ hơn hoặc bằng %(arg)s.")),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), _l("Dài quá %(arg)s ký tự.")),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), _l("Ngắn hơn %(arg)s ký tự.")),
    (
        re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
        _l("Độ dài phải từ %(arg)s đến %(arg2)s."),
    ),
    (re.compile(r"^Number too large\.$"), _l("Số quá lớn.")),
    (
        re.compile(r"^Special numeric values \(nan or infinity\) are not permitted\.$"),
        _l("Không chấp nhận NaN hoặc vô cực."),
    ),
    (re.compile(r"^String does not match expected pattern\.$"), _l("Sai định dạng.")),
    (re.compile(r"^Not a valid UUID\.$"), _l("Không phải UUID hợp lệ.")),
]


def translate_field_message(message: str) -> str:
    """Return the user's-language text of a marshmallow/webargs message."""
    for pattern, text in FIELD_MESSAGES:
        match = pattern.match(message)
        if match:
            groups = match.groups()
            params = {
                "arg": groups[0] if groups else "",
                "arg2": groups[1] if len(groups) > 1 else "",
            }
            return str(text) % params if groups else str(text)
    return message


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into `{"a.b.0.c": ["..."]}`."""
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
            out.setdefault(prefix or "_schema", []).extend(
                translate_field_message(m) for m in messages
            )
        else:
            for item in messages:
                for sub_path, texts in flatten_errors(item, prefix).items():
                    out.setdefault(sub_path, []).extend(texts)
    elif messages is not None:
        out.setdefault(prefix or "_schema", []).append(translate_field_message(str(messages)))
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


def handle_unexpected(error: Exception):
    """Answer an unexpected failure without leaking a stack trace."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the error handlers (replacing flask-smorest's default)."""
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(Exception, handle_unexpected)
