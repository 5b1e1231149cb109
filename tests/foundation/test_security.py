"""Security headers on every answer: a page, an API answer, errors, a static file."""

from __future__ import annotations

import re

import pytest

from app.config import load_config
from app.security import policy, tile_source, with_nonce

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def directives(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: sources}."""
    out = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def assert_secure(response) -> dict[str, list[str]]:
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    csp = directives(response)
    scripts = csp["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert scripts[0] == "'self'" and re.fullmatch(r"'nonce-[\w-]{16,}'", scripts[1])
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    return csp


def test_page_has_the_headers_and_a_fresh_nonce(client):
    first, second = client.get("/login"), client.get("/login")
    assert first.status_code == 200
    one, two = assert_secure(first)["script-src"][1], assert_secure(second)["script-src"][1]
    assert one != two


def test_api_answer_and_api_errors_have_the_headers(client, world, make_user, token_for):
    ok = client.get("/api/v1/me", headers=token_for(make_user("commander", "20179")))
    assert ok.status_code == 200
    assert_secure(ok)
    unauthorised = client.get("/api/v1/me")
    assert unauthorised.status_code == 401
    assert_secure(unauthorised)
    assert_secure(client.get("/api/v1/nope"))


def test_error_pages_have_the_headers(client, make_app):
    assert_secure(client.get("/no-such-page"))
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_secure(response)


def test_static_file_and_service_worker_have_the_headers(client):
    icon = client.get("/static/icon.svg")
    assert icon.status_code == 200
    assert_secure(icon)
    icon.close()
    assert_secure(client.get("/app/sw.js"))
    assert_secure(client.get("/app"))


def test_hsts_only_over_https(client, make_app):
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    forwarded = {"X-Forwarded-Proto": "https"}
    # Without a trusted proxy anyone could claim HTTPS: ignored.
    assert "Strict-Transport-Security" not in client.get("/login", headers=forwarded).headers
    behind_proxy = make_app(TRUSTED_PROXIES=1).test_client()
    assert "Strict-Transport-Security" in behind_proxy.get("/login", headers=forwarded).headers
    assert "Strict-Transport-Security" not in behind_proxy.get("/login").headers


def test_tile_server_is_allowed_for_images(client, app):
    app.config["MAP_TILES_URL"] = "https://tiles.example.vn:8443/osm/{z}/{x}/{y}.png"
    images = directives(client.get("/login"))["img-src"]
    assert images == ["'self'", "data:", "https://tiles.example.vn:8443"]


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("/static/reports/blank-tile.svg?z={z}", None),  # the app's own origin: 'self'
        ("https://evil.example; script-src *", None),  # cannot be named safely: left out
        ("ftp://tiles.example/{z}", None),
        ("", None),
        (None, None),
    ],
)
def test_tile_source(template, source):
    assert tile_source(template) == source
    assert "script-src 'self' 'nonce-n';" in policy("n", template)


def test_with_nonce_marks_only_script_tags_without_one(app):
    with app.test_request_context():
        html = with_nonce('<script src="/a.js"></script><SCRIPT>x()</SCRIPT><script nonce="k">')
        nonce = app.jinja_env.globals["csp_nonce"]()
    assert html == (
        f'<script nonce="{nonce}" src="/a.js"></script><script nonce="{nonce}">x()</SCRIPT>'
        '<script nonce="k">'
    )


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    assert load_config()["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    assert load_config()["TRUSTED_PROXIES"] == 1


def test_the_office_menu_shows_only_the_pages_a_role_may_open(app, make_user):
    """A commander's menu links the office pages, the current one marked; not the phone app."""
    commander = make_user("commander", "20179")
    client = app.test_client()
    client.post("/login", data={"username": commander.username, "password": "secret-pass"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'nav class="office"' in page
    assert 'href="/dashboard" aria-current="page"' in page
    assert 'href="/admin/imports"' in page
    assert 'href="/app"' not in page
    assert 'nav class="office"' not in app.test_client().get("/login").get_data(as_text=True)
