"""Every page loads in Chromium with the Content-Security-Policy enforced and breaks no rule of it.

A violation shows in two ways: Chromium's console message ("Refused to execute inline script
because it violates the following Content Security Policy directive ...") and the
`securitypolicyviolation` event, which a script added before the page's own reports to the
console too. Either fails the test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.test_map import DEMO_PASSWORD, _load_demo

WATCH_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`securitypolicyviolation: ${e.violatedDirective} ${e.blockedURI}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def demo(app, live_server):
    """The demo commune, its map tiles served by the live server itself."""
    _load_demo(app)
    app.config["MAP_TILES_URL"] = f"{live_server.url}/static/reports/blank-tile.svg?z={{z}}"


@pytest.fixture
def open_as(browser, live_server):
    """Open pages signed in as a demo user; return the CSP problems seen."""
    contexts = []

    def visit(username: str | None, paths: list[str], ready: dict[str, str] | None = None):
        ctx = browser.new_context(base_url=live_server.url, locale="vi-VN")
        contexts.append(ctx)
        ctx.add_init_script(WATCH_VIOLATIONS)
        problems: list[str] = []
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda msg: _keep(problems, msg.type, msg.text))
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        if username:
            _sign_in(page, username)
        for path in paths:
            response = page.goto(path)
            assert response.ok, path
            csp = response.headers.get("content-security-policy", "")
            assert (
                "script-src 'self' 'nonce-" in csp
                and "unsafe-inline" not in csp.split("style-src")[0]
            ), path
            page.wait_for_load_state("networkidle")
            if ready and path in ready:
                try:
                    page.wait_for_function(ready[path])
                except PlaywrightError:
                    pytest.fail(f"{path} did not finish drawing; problems: {problems}")
        return page, problems

    yield visit
    for ctx in contexts:
        ctx.close()


def _keep(problems: list[str], kind: str, text: str) -> None:
    # Chromium reports a refused script as a console error; the event's report is one too.
    if kind == "error" or "Content Security Policy" in text:
        problems.append(text)


def _sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_login_page_keeps_the_policy(open_as, demo):
    _page, problems = open_as(None, ["/login"])
    assert problems == []


def test_commander_pages_and_map_keep_the_policy(open_as, demo):
    map_ready = "() => window.L && document.querySelector('.leaflet-container .leaflet-tile')"
    _page, problems = open_as(
        "chihuy",
        ["/dashboard", "/maps/coverage?unit=20179", "/dashboard/overdue"],
        ready={"/maps/coverage?unit=20179": map_ready},
    )
    assert problems == []


def test_printed_visit_list_keeps_the_policy_and_its_print_button_works(open_as, demo):
    page, problems = open_as("chihuy", ["/hamlets/20179-001/visit-list"])
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.click("button[data-print]")
    assert page.evaluate("() => window.printed") is True
    assert problems == []


def test_admin_imports_page_keeps_the_policy(open_as, demo):
    _page, problems = open_as("admin", ["/admin/imports"])
    assert problems == []


def test_field_app_keeps_the_policy(open_as, demo):
    page, problems = open_as(None, ["/app"])
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#username", "canbo1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#tabs:not([hidden])")
    page.wait_for_selector("body[data-offline-ready]", state="attached", timeout=20_000)
    page.goto("/app#outbox")
    page.wait_for_load_state("networkidle")
    assert problems == []


OFFICE_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/import",
    "/campaigns",
    "/campaigns/new",
    "/sessions",
    "/sessions/new",
    "/corrections",
    "/audit",
    "/reports",
    "/reports/print",
    "/reconciliations",
]
# Pages reached by the other tests of this file (their paths with no argument).
OTHER_PAGES = {"/login", "/dashboard", "/dashboard/overdue", "/maps/coverage", "/admin/imports"}
# Not pages: downloads, the phone app's files, redirects and the field app (tested above).
NOT_PAGES = {"/", "/account", "/account/password", "/app", "/app/session", "/admin/outbox-import"}


def test_office_pages_keep_the_policy(open_as, demo):
    from sqlalchemy import select

    from app.extensions import db
    from app.reports.models import Campaign

    campaign = db.session.scalar(select(Campaign.id))
    campaign_pages = [f"/campaigns/{campaign}", f"/campaigns/{campaign}/targets"]
    _page, problems = open_as("chihuy", OFFICE_PAGES + campaign_pages)
    assert problems == []


def test_every_page_without_arguments_is_loaded_by_this_file(app):
    """A new page with no URL argument must join a list above (or say why it is no page)."""
    served = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith(("/api/", "/static"))
        and not rule.rule.endswith((".csv", ".xlsx", ".json", ".js", ".webmanifest"))
        and rule.rule != "/healthz"
    }
    assert served - set(OFFICE_PAGES) - OTHER_PAGES - NOT_PAGES == set()
