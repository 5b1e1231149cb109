"""Campaign pages in Chromium on the demo commune: a commander creates a campaign, types and
pastes targets (a bad pasted line is reported and kept), follows the progress with its chart
and bars; an admin edits the demo campaign and looks at a past day; an officer sees no
officers' table; at 360 px nothing but the tables' own wrappers scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import today_in_vietnam
from tests.browser.test_map import _load_demo, _log_in

TODAY = today_in_vietnam()
WIDE = {"width": 1280, "height": 900}
NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def demo(app, live_server):
    _load_demo(app)  # with its running campaign and field work


def _open_demo_campaign(page) -> str:
    page.goto("/campaigns")
    page.locator("table.campaigns tbody tr a").first.click()
    page.wait_for_load_state()
    return page.url


def _clean(page) -> None:
    # A refused form answers 422 on purpose; Chromium logs that, and nothing else may show.
    assert [e for e in page.console_errors if "status of 422" not in e] == []
    assert page.off_server_requests == []


def test_commander_creates_a_campaign_and_sets_targets(page, demo):
    page.set_viewport_size(WIDE)
    _log_in(page, "chihuy")
    page.goto("/campaigns")
    page.click("#new-campaign")
    page.fill("#name", "Cao điểm tháng sau")
    page.fill("#starts_on", (TODAY - timedelta(days=3)).isoformat())
    page.fill("#ends_on", (TODAY - timedelta(days=10)).isoformat())
    page.click("#save-campaign")
    # The end before the start: refused, what was typed is still there.
    assert page.locator("#error-ends_on").is_visible()
    assert page.input_value("#name") == "Cao điểm tháng sau"
    page.fill("#ends_on", (TODAY + timedelta(days=26)).isoformat())
    page.click("#save-campaign")
    page.wait_for_load_state()
    assert page.url.endswith("/targets")
    assert "Cao điểm tháng sau" in page.locator("h1").inner_text()
    first = page.locator("table.targets input.target").first
    first.fill("12")
    page.click("#save-typed")
    page.wait_for_load_state()
    assert page.locator("table.targets input.target").first.input_value() == "12"
    # Pasting: one unknown code is reported by its line, the text stays for fixing.
    page.select_option("#paste-metric", "id_collected")
    page.fill("#pasted", "20179-001\t30\n99999-999\t5")
    page.click("#save-paste")
    page.wait_for_load_state()
    assert page.locator("#paste-error").is_visible()
    assert "99999-999" in page.locator("table.paste-problems").inner_text()
    assert "20179-001\t30" in page.input_value("#pasted")
    page.fill("#pasted", "20179-001\t30\n20179-002\t20")
    page.click("#save-paste")
    page.wait_for_load_state()
    assert page.locator("#paste-error").count() == 0
    page.click("text=Xem tiến độ")
    page.wait_for_load_state()
    assert page.locator("svg.progress-chart").count() == 3
    assert page.locator("svg.progress-chart .plan").count() >= 2
    assert page.locator(".meter").count() >= 2
    assert page.locator("#officers table.performance").is_visible()
    _clean(page)


def test_demo_campaign_progress_for_admin_on_a_phone(page, demo, screenshot):
    _log_in(page, "admin")
    url = _open_demo_campaign(page)
    assert page.locator("svg.progress-chart polyline.done").count() >= 1
    assert page.locator("#officers").count() == 1
    assert page.evaluate(NO_SIDEWAYS)
    # Sort the officers' table by households completed (a link, works without JS).
    page.click("#officers th >> text=Hộ đã hoàn thành")
    page.wait_for_load_state()
    assert "sort=households_completed" in page.url
    # A past day: the note says so, and the picker keeps the day.
    past = (TODAY - timedelta(days=7)).isoformat()
    page.fill("#on", past)
    page.click(".day-picker button")
    page.wait_for_load_state()
    assert page.locator("#asof-note").is_visible()
    assert page.input_value("#on") == past
    assert page.evaluate(NO_SIDEWAYS)
    # Edit the campaign from its page.
    page.goto(url.split("?")[0] + "/edit")
    page.fill("#name", "Chiến dịch mẫu (đã sửa)")
    page.click("#save-campaign")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Chiến dịch mẫu (đã sửa)"
    _clean(page)


def test_demo_campaign_screenshot_as_commander(page, demo, screenshot):
    page.set_viewport_size(WIDE)
    _log_in(page, "chihuy")
    _open_demo_campaign(page)
    assert page.locator("svg.progress-chart").count() >= 1
    screenshot(page, "campaign")
    _clean(page)


def test_officer_sees_progress_but_no_officers_table(page, demo):
    _log_in(page, "canbo1")
    page.goto("/campaigns")
    assert page.locator("#new-campaign").count() == 0
    page.locator("table.campaigns tbody tr a").first.click()
    page.wait_for_load_state()
    assert page.locator("svg.progress-chart").count() >= 1
    assert page.locator("#officers").count() == 0
    assert page.locator("text=Sửa chiến dịch").count() == 0
    assert page.evaluate(NO_SIDEWAYS)
    _clean(page)
