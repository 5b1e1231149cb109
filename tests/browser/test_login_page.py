"""The login page works in a real browser."""


def test_login_page_renders_without_errors(page, live_server, world, make_user, screenshot):
    make_user("commander", "20179", username="chihuy")
    page.goto("/login")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("#username", "chihuy")
    page.fill("#password", "secret-pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url or page.locator(".flash.error").count() == 0
    assert page.console_errors == []
    assert page.off_server_requests == []
