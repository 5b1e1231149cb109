"""The corrections review in Chromium on the demo commune, as commander and as admin, on a
desktop and at 360 px: the queue, a filter, one correction verified; a bulk fix; and the stale
path (the record changes between the page load and the submit: the message and the current
record appear, what was typed stays)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.scope import hamlet_ids_of
from app.extensions import db
from app.people.models import Correction, Household, Resident

DEMO_PASSWORD = "gocua-demo"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 640}


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def demo(app, live_server) -> dict:
    """The demo commune, plus three open corrections an officer found in Thôn 1."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    officer = db.session.scalar(select(User).where(User.username == "canbo1"))
    residents = db.session.scalars(
        select(Resident)
        .join(Household, Household.id == Resident.household_id)
        .where(Household.hamlet_id == sorted(hamlet_ids_of(officer))[0])
        .order_by(Resident.id)
        .limit(3)
    ).all()
    made = []
    for resident, (field, proposed) in zip(
        residents,
        (("ethnicity", "Cơ Tu"), ("birthplace", "Huế"), ("full_name", "Tên Đúng")),
        strict=True,
    ):
        correction = Correction(
            household_id=resident.household_id,
            resident_id=resident.id,
            field=field,
            current_value=getattr(resident, field, None),
            proposed_value=proposed,
            note="ZBROWSER theo giấy khai sinh",
            source="officer",
            created_by_id=officer.id,
            hamlet_id=resident.hamlet_id,
            commune_id=resident.commune_id,
            province_id=resident.province_id,
        )
        db.session.add(correction)
        made.append(correction)
    db.session.commit()
    out = {c.field: c.id for c in made}
    out["open"] = db.session.scalar(
        select(func.count(Correction.id)).where(Correction.status == "open")
    )
    db.session.rollback()
    return out


def _queue_to_verify(page, ids: dict) -> None:
    page.goto("/corrections")
    assert page.locator("h1").inner_text() == "Sai sót cần xử lý"
    assert page.locator('[data-count="open"]').inner_text() == str(ids["open"])
    page.select_option("select[name=field]", "ethnicity")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "field=ethnicity" in page.url
    page.click(f'a[href="/corrections/{ids["ethnicity"]}"]')
    page.wait_for_load_state()
    assert "ZBROWSER" in page.locator("#evidence-note").inner_text()
    page.check('input[name=action][value="verified"]')
    page.click("form.decision button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#current-status").inner_text() == "Đã đối chiếu"
    assert "Đã cập nhật sai sót" in page.locator(".flash").inner_text()


def _bulk_fix(page, ids: dict) -> None:
    page.goto("/corrections?status=open")
    for key in ("birthplace", "full_name"):
        page.check(f'input[name=ids][value^="{ids[key]}:"]')
    page.select_option("select[name=action]", "fixed")
    assert page.input_value("input[name=fixed_on]")  # today in Vietnam by default
    page.click(".bulk-bar button[type=submit]")
    page.wait_for_load_state()
    assert "Đã cập nhật 2 sai sót" in page.locator(".flash").inner_text()
    db.session.expire_all()
    assert {db.session.get(Correction, ids[k]).status for k in ("birthplace", "full_name")} == {
        "fixed"
    }
    db.session.rollback()


def _stale(page, ids: dict) -> None:
    page.goto(f"/corrections/{ids['ethnicity']}")
    page.check('input[name=action][value="dismissed"]')
    page.fill("textarea[name=reason]", "Lý do tôi đã gõ")
    # Someone else fixes it meanwhile.
    target = db.session.get(Correction, ids["ethnicity"])
    target.status, target.resolution_reason = "dismissed", "Người khác đã xử lý"
    db.session.commit()
    page.click("form.decision button[type=submit]")
    page.wait_for_load_state()
    stale = page.locator("#stale").inner_text()
    assert "vừa được người khác thay đổi" in stale and "Người khác đã xử lý" in stale
    assert page.locator("#current-status").inner_text() == "Không cần sửa"
    assert page.locator("form.decision").count() == 0  # nothing left to decide
    db.session.rollback()


@pytest.mark.parametrize("username", ["chihuy", "admin"])
def test_corrections_review_on_a_desktop(browser, live_server, demo, username, console_errors):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _log_in(page, username)
        _queue_to_verify(page, demo)
        _bulk_fix(page, demo)
        _stale(page, demo)
    finally:
        context.close()


def test_corrections_review_at_360_px(page, demo, screenshot, console_errors):
    _log_in(page, "chihuy")
    _queue_to_verify(page, demo)
    _bulk_fix(page, demo)
    page.goto("/corrections?status=all")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 362, width  # the table scrolls inside its wrapper, not the page
    screenshot(page, "corrections")
    # The stale path keeps what was typed when the decision is still possible.
    page.goto(f"/corrections/{demo['ethnicity']}")
    page.check('input[name=action][value="dismissed"]')
    page.fill("textarea[name=reason]", "Lý do tôi đã gõ")
    target = db.session.get(Correction, demo["ethnicity"])
    target.note = "ZBROWSER sửa ghi chú"  # a change by someone else: the version moves on
    db.session.commit()
    page.click("form.decision button[type=submit]")
    page.wait_for_load_state()
    assert "vừa được người khác thay đổi" in page.locator("#stale").inner_text()
    assert page.input_value("textarea[name=reason]") == "Lý do tôi đã gõ"
    assert page.is_checked('input[name=action][value="dismissed"]')
    assert "ZBROWSER sửa ghi chú" in page.locator("#evidence-note").inner_text()
    db.session.rollback()
    # Chromium logs the stale answer's status (409) itself; nothing else may fail.
    assert [e for e in console_errors if "status of 409" not in e] == []
