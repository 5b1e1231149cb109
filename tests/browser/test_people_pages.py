"""People pages in Chromium, as admin and as commander, on a desktop and at 360 px: enrol a user
(the one-time password shown once), edit, reset, revoke phone sessions, deactivate; a
commander's refusal outside the unit and without the admin role."""

from __future__ import annotations

import pytest

from app.auth import service as auth_service
from app.auth.models import ApiToken, User
from app.extensions import db
from tests.field.browser_helpers import PASSWORD

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def people(app, make_user) -> dict[str, int]:
    app.config["WTF_CSRF_ENABLED"] = True
    chief = make_user("commander", "20179", username="chihuy")
    chief.full_name = "Trần Chỉ Huy"
    admin = make_user("admin", "46", username="quantri")
    far = make_user("officer", "19777", username="vyda")
    officer = make_user("officer", "20179", username="canbo", hamlets=["20179-001"])
    officer.full_name = "Nguyễn Thị Đào"
    db.session.commit()
    auth_service.issue_token(officer, "Chrome 120 / Android")
    db.session.commit()
    out = {"chief": chief.id, "admin": admin.id, "far": far.id, "officer": officer.id}
    db.session.rollback()
    return out


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard**")


def enrol(page, username: str, role: str, unit: str, hamlets: list[str]) -> str:
    """Fill the create form, submit, and answer the one-time password shown."""
    page.goto("/admin/users")
    page.click("#new-user")
    page.fill("#username", username)
    page.fill("#full_name", "Lê Thị Lan")
    page.select_option("#role", role)
    page.select_option("#unit_code", unit)
    for code in hamlets:
        page.check(f"input[name=hamlet_codes][value='{code}']")
    page.fill("#phone", "0912 345 678")
    page.click("button[type=submit].primary")
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) == 12
    return password


def manage(page, username: str) -> None:
    """Edit, reset, revoke the sessions of and deactivate a user from the people pages."""
    page.goto(f"/admin/users?q={username}")
    page.click(f"tr[data-username='{username}'] a")
    page.click("#edit-user")
    page.fill("#full_name", "Lê Thị Lan Anh")
    page.click("button[type=submit].primary")
    page.wait_for_selector("text=Đã lưu thay đổi")
    assert page.locator("h1").inner_text() == "Lê Thị Lan Anh"
    page.click("summary:has-text('Cấp lại mật khẩu')")
    page.click("#reset-password")
    assert len(page.locator("#one-time-password").inner_text().strip()) == 12
    page.go_back()
    page.reload()
    assert page.locator("#one-time-password").count() == 0
    page.click("summary:has-text('Khóa tài khoản')")
    page.click("#deactivate")
    page.wait_for_selector("text=Đã khóa tài khoản")
    assert "Đã khóa" in page.locator("#status").inner_text()
    page.click("summary:has-text('Mở lại tài khoản')")
    page.click("#reactivate")
    page.wait_for_selector("text=Đã mở lại tài khoản")


@pytest.mark.parametrize("viewport", [DESKTOP, None], ids=["desktop", "360px"])
def test_commander_enrols_and_manages(page, people, viewport, screenshot):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, "chihuy")
    page.goto("/admin/users")
    assert page.locator("nav.office a[aria-current=page]").inner_text() == "Người dùng"
    assert page.locator("#role option[value=admin]").count() == 0
    password = enrol(page, "canbo.lan", "officer", "20179", ["20179-002"])
    page.goto("/admin/users")
    assert password not in page.content()
    if viewport:
        screenshot(page, "people")
    page.fill("#q", "le thi lan")
    page.click(".people-filters button")
    assert page.locator("tr[data-username='canbo.lan']").count() == 1
    manage(page, "canbo.lan")
    # The officer's phone session, then revoke them all.
    page.goto(f"/admin/users/{people['officer']}")
    assert "Chrome 120 / Android" in page.locator("#sessions").inner_text()
    page.click("summary:has-text('Thu hồi tất cả phiên')")
    page.click("#revoke-all")
    page.wait_for_selector("text=Đã thu hồi 1 phiên")
    db.session.rollback()
    assert db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count() == 0
    db.session.rollback()
    # Outside the unit: a clear refusal.
    page.goto(f"/admin/users/{people['far']}")
    assert "Không tìm thấy người dùng" in page.locator("main").inner_text()
    # An admin role posted anyway is refused, and the form keeps what was typed.
    page.goto("/admin/users/new")
    page.fill("#username", "gia.mao")
    page.fill("#full_name", "Giả Mạo")
    page.evaluate(
        "() => { const o = document.createElement('option'); o.value = 'admin';"
        " o.textContent = 'admin'; document.querySelector('#role').append(o);"
        " document.querySelector('#role').value = 'admin'; }"
    )
    page.click("button[type=submit].primary")
    assert "quản trị" in page.locator("#form-error").inner_text()
    assert page.input_value("#full_name") == "Giả Mạo"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= (viewport or {"width": 360})["width"] + 1
    # The refusals (404, 403) are the only resources that failed; no script error.
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []


def test_admin_enrols_a_commander_and_a_village_head(page, people):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "quantri")
    page.goto("/admin/users")
    assert page.locator("tr[data-username='vyda']").count() == 1
    enrol(page, "chihuy.vyda", "commander", "19777", [])
    enrol(page, "truongthon2", "village_head", "20179-002", [])
    manage(page, "truongthon2")
    db.session.rollback()
    made = db.session.query(User).filter(User.username == "chihuy.vyda").one()
    assert made.must_change_password and made.unit.code == "19777"
    db.session.rollback()
    assert page.console_errors == []
