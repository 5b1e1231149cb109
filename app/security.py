"""Security headers on every answer: pages, API, errors and static files.

The Content-Security-Policy allows scripts only from the app itself or carrying this
request's nonce: no inline script without it, no inline event handler, no eval. Templates give
their own inline scripts ``nonce="{{ csp_nonce() }}"``; HTML generated elsewhere (the folium
maps) passes through :func:`with_nonce`.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# One year; sent only on HTTPS answers, as a plain-HTTP answer cannot be trusted to carry it.
HSTS = "max-age=31536000"
NONCE_KEY = "gocua.csp_nonce"

# A host in a CSP source: letters, digits, dots, dashes, an optional leading "*." and port.
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$")
_SCRIPT_TAG = re.compile(r"<script\b(?![^>]*\bnonce=)", re.IGNORECASE)


def csp_nonce() -> str:
    """Return this request's script nonce (made on first use)."""
    # Kept in the request's environ, not `g`: an app context can outlive one request.
    environ = request.environ
    if NONCE_KEY not in environ:
        environ[NONCE_KEY] = secrets.token_urlsafe(16)
    return environ[NONCE_KEY]


def with_nonce(html: str) -> str:
    """Give every ``<script>`` tag of generated HTML this request's nonce."""
    return _SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', html)


@lru_cache(maxsize=8)
def tile_source(tiles_url: str | None) -> str | None:
    """Return the CSP source of a tile URL template's server (None: the app's own origin).

    ``{s}`` subdomains become a ``*.`` wildcard; a template a policy cannot name safely is
    left out, so its tiles are refused rather than the header broken.
    """
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not _HOST.match(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def policy(nonce: str, tiles_url: str | None = None) -> str:
    """Build the Content-Security-Policy of one answer."""
    images = " ".join(filter(None, ("'self'", "data:", tile_source(tiles_url))))
    directives = (
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        # Leaflet and folium set inline styles (style="" in their markup and <style> blocks);
        # styles cannot run code, so they are allowed inline while scripts never are.
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
    return "; ".join(directives)


def add_headers(response: Response, tiles_url: str | None) -> Response:
    """Set the security headers on an answer (keeping any a view set itself)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy(csp_nonce(), tiles_url))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Send the headers on every answer; trust TRUSTED_PROXIES proxies' X-Forwarded-*."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Behind a reverse proxy that ends HTTPS, X-Forwarded-Proto makes request.is_secure
        # true (and so HSTS sent) and X-Forwarded-For gives rate limits the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response: Response) -> Response:
        return add_headers(response, app.config.get("MAP_TILES_URL"))
