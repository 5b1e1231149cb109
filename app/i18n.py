"""Locale choice: Vietnamese first, English on request."""

from flask import has_request_context, request

LOCALES = ("vi", "en")


def select_locale() -> str:
    """Pick the user's language: explicit cookie, then Accept-Language, then Vietnamese."""
    if not has_request_context():
        return "vi"
    chosen = request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    header = request.headers.get("Accept-Language", "")
    if not header.strip():
        return "vi"
    return request.accept_languages.best_match(LOCALES, default="vi")
