"""The audit trail in Chromium on the demo commune: as the commander on a phone (360 px) and as
the admin on a desktop: the menu entry, the quick filter and the action filter, a linked object
opened, the CSV downloaded, a bad period refused with the form kept, an officer refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import User
from app.auth.scope import hamlet_ids_of
from app.extensions import db
from app.people.models import Resident

DEMO_PASSWORD = "gocua-demo"


def _log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def demo_trail(app):
    """The demo commune, an ID number shown in full to an officer, a failed sign-in."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    officer = db.session.scalar(select(User).where(User.username == "canbo1"))
    resident = db.session.scalar(
        select(Resident)
        .where(Resident.id_number.is_not(None), Resident.hamlet_id.in_(hamlet_ids_of(officer)))
        .limit(1)
    )
    raw, _token = auth_service.issue_token(officer)
    db.session.commit()
    client = app.test_client()
    shown = client.get(
        f"/api/v1/residents/{resident.id}?reveal=id_number",
        headers={"Authorization": f"Bearer {raw}", "X-Client": "phone:visit-form"},
    )
    assert shown.status_code == 200, shown.get_json()
    refused = client.post("/login", data={"username": "chihuy", "password": "not-the-password"})
    assert refused.status_code == 401
    ids = {"resident": resident.id}
    db.session.rollback()
    return ids


def _rows(page) -> int:
    return page.locator("table.audit tbody tr").count()


def test_commander_on_a_phone(page, live_server, demo_trail, console_errors):
    _log_in(page, "chihuy")
    page.click("nav.office >> text=Nhật ký")
    page.wait_for_load_state()
    assert page.url.endswith("/audit")
    assert page.locator("h1").inner_text() == "Nhật ký"
    # The form stacks and the table scrolls inside its wrapper: nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Quick filter: ID numbers shown and downloads.
    page.click("nav.switch >> text=Xem số định danh và tải xuống")
    page.wait_for_load_state()
    assert _rows(page) == 1
    row = page.locator("table.audit tbody tr").first
    assert "canbo1" in row.inner_text() and "Xem" in row.inner_text()
    # The resident opens the visit list of their hamlet.
    row.locator("a").click()
    page.wait_for_load_state()
    assert "/visit-list" in page.url
    assert page.locator("h1").inner_text().startswith("Danh sách thăm hộ")
    # Opening the printable list is itself in the trail, as a print.
    page.goto("/audit")
    page.select_option("#f-action", "print")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "action=print" in page.url
    assert _rows(page) == 1 and "In" in page.locator("table.audit tbody tr").first.inner_text()
    # The failed sign-in on the commander's own account.
    page.select_option("#f-action", "sign_in_failed")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "Đăng nhập không thành công" in page.locator("table.audit tbody").inner_text()
    # A period that ends before it starts is refused, the form keeps what was typed.
    page.fill("#f-user", "canbo1")
    page.fill("#f-since", "2026-11-22")
    page.fill("#f-until", "2026-11-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".field-error").inner_text() == "Ngày kết thúc phải sau ngày bắt đầu."
    assert page.input_value("#f-user") == "canbo1"
    assert page.input_value("#f-until") == "2026-11-01"
    # The refusal's 422 status is the only thing the console reports.
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_admin_on_a_desktop_exports_csv(browser, live_server, demo_trail, screenshot):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _log_in(page, "admin")
        page.goto("/audit")
        page.select_option("#f-action", "read,export")
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
        assert _rows(page) == 1
        page.goto("/audit?action=sign_in,sign_in_failed,read,print")
        assert _rows(page) >= 3
        screenshot(page, "audit", full_page=False)
        with page.expect_download() as info:
            page.click("text=Tải CSV (theo bộ lọc)")
        content = Path(info.value.path()).read_text(encoding="utf-8-sig")
        lines = content.splitlines()
        assert lines[0].startswith("Mã,Thời điểm,Mã người dùng,Tên đăng nhập,Hành động")
        assert any(",sign_in_failed," in line for line in lines[1:])
        assert not any(",create," in line for line in lines[1:])
        # The download is in the trail too.
        page.goto("/audit?action=export&object_type=audit")
        assert _rows(page) == 1 and "admin" in page.locator("table.audit tbody").inner_text()
    finally:
        context.close()


def test_an_officer_is_refused(page, live_server, demo_trail):
    _log_in(page, "canbo1")
    response = page.goto("/audit")
    assert response.status == 403
    assert page.locator("nav.office >> text=Nhật ký").count() == 0
