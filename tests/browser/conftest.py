"""Browser fixtures: the app served on 127.0.0.1 and Debian's Chromium driven by Playwright.

Without Chromium these tests are skipped with a hint; with REQUIRE_BROWSER=1 (as in CI) a
missing browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
# The browser keeps Vietnam's time, as officers' phones do: on a machine in UTC the phone's
# day and Vietnam's differ from 17:00 to 24:00 UTC, and a date the phone writes (a returnee's
# day back, today's plan) would not be the server's today.
BROWSER_ENV = {**os.environ, "TZ": "Asia/Ho_Chi_Minh"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit and Path(explicit).exists():
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    path = _chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but Chromium is missing (apt-get install chromium)")
        pytest.skip("Chromium not found: `apt-get install chromium` to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS, env=BROWSER_ENV
        )
        yield chromium
        chromium.close()


class LiveServer:
    """The test app served by werkzeug in a background thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __str__(self) -> str:
        return self.url


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """Serve the test app on a free port of 127.0.0.1."""
    server = LiveServer(app)
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.thread.join(timeout=5)


@pytest.fixture
def context(browser, live_server):
    """A phone-sized browser context (360x640, Vietnamese) that records console errors."""
    ctx = browser.new_context(
        viewport={"width": 360, "height": 640},
        locale="vi-VN",
        base_url=live_server.url,
        service_workers="allow",
    )
    ctx.console_errors = []
    ctx.off_server_requests = []

    def watch(page) -> None:
        page.on(
            "console",
            lambda msg: ctx.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: ctx.console_errors.append(str(exc)))

    def record_request(request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if not url.startswith(live_server.url):
            ctx.off_server_requests.append(url)

    ctx.on("page", watch)
    ctx.on("request", record_request)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A page of the phone-sized context; `page.console_errors` lists console errors."""
    p = context.new_page()
    p.console_errors = context.console_errors
    p.off_server_requests = context.off_server_requests
    # Generous: the suite runs in two processes on two cores, each with its own Chromium.
    p.set_default_timeout(30_000)
    return p


@pytest.fixture
def console_errors(context) -> list[str]:
    """Console errors and uncaught exceptions seen by any page of the context."""
    return context.console_errors


@pytest.fixture
def screenshot():
    """Save a screenshot under docs/screenshots/ by name."""

    def take(page, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(target), full_page=full_page)
        return target

    return take
