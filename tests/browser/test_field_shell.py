"""The phone app's shell: opens, logs in with its own screen, is kept by the service worker."""

from tests.field.browser_helpers import log_in, open_app, overflowing


def test_login_screen_opens_in_vietnamese(page, live_server):
    open_app(page)
    assert page.locator("h1").inner_text() == "Đăng nhập"
    assert overflowing(page) == []
    assert page.console_errors == []
    assert page.off_server_requests == []


def test_officer_logs_in_and_lands_on_today(page, live_server, make_user):
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    log_in(page, "canbo")
    assert page.locator("h1").inner_text() == "Hôm nay"
    assert page.console_errors == []
