"""One sign-in: /login then /app opens the app's home with no second login form; signing out
of either side ends both."""

from __future__ import annotations

import pytest

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from tests.field.browser_helpers import PASSWORD, wait_for_worker

# Remembers whether the phone app ever showed a password field (the /login page's own one
# does not count).
WATCH_PASSWORD = """
if (location.pathname === '/app') {
  new MutationObserver(() => {
    if (document.querySelector('#view input[type=password]')) window.sawPassword = true;
  }).observe(document, { childList: true, subtree: true });
}
"""


@pytest.fixture
def officer(app, make_user, make_household):
    app.config["WTF_CSRF_ENABLED"] = True  # the exchange and the sign-out check it for real
    user = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    house = make_household("20179-001", residents=[{"full_name": "Trần Văn Một"}])
    db.session.add(
        Followup(
            kind="revisit",
            reason="Không có ai ở nhà",
            priority=2,
            due_date=today_in_vietnam(),
            household_id=house.id,
            assignee_id=user.id,
            hamlet_id=house.hamlet_id,
            commune_id=house.commune_id,
            province_id=house.province_id,
        )
    )
    db.session.commit()
    return user, house


def _web_login(page) -> None:
    page.goto("/")
    page.wait_for_url("**/login**")
    page.fill("#username", "canbo")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def _app_home(page) -> None:
    page.wait_for_url("**/app**")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#tabs:not([hidden])")


def test_web_login_opens_the_app_without_a_second_login(page, context, officer):
    _, house = officer
    context.add_init_script(WATCH_PASSWORD)
    _web_login(page)  # an officer's home is the app
    _app_home(page)
    page.wait_for_selector(f"#due-list .item[data-household='{house.id}']")
    assert page.locator("#password").count() == 0
    assert page.evaluate("window.sawPassword === true") is False
    # Opened again without signal: the stored token still opens today's list.
    wait_for_worker(page)
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector(f"#due-list .item[data-household='{house.id}']")
    assert page.locator("#password").count() == 0
    context.set_offline(False)
    assert page.console_errors == []


def test_web_sign_out_ends_the_apps_access(page, officer):
    _web_login(page)
    _app_home(page)
    page.goto("/account")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login**")
    page.goto("/app")
    # The app's token went with the web session: its first request is refused, and it
    # returns to its login form (no page session to take a token from).
    # (Its first request waits for the start-up sync: 30 s, as the other waits on a server
    # answer, for a loaded machine; a CI run on PostgreSQL once took past 15 s here.)
    page.wait_for_selector("#view input[type=password]", timeout=30_000)
    assert page.locator("#tabs").is_hidden()


def test_app_sign_out_ends_the_web_session(page, officer):
    _web_login(page)
    _app_home(page)
    page.goto("/app#more")
    # The app ends the page session (POST /logout) before it shows the login form; wait for
    # that answer itself, not only the form, so a slow machine cannot race the next request.
    with page.expect_response(lambda r: r.url.endswith("/logout")) as ended:
        page.click("#logout")
    assert ended.value.status in (302, 303)
    page.wait_for_selector("#view input[type=password]")
    page.goto("/account")
    page.wait_for_url("**/login**")
    assert page.locator("h1").inner_text() == "Đăng nhập"
