"""The sector-list pages in Chromium at 360 px: upload the demo health-station list, see the
counts, filter by class, send a row nobody matches to the hamlet's officer, download the
cleaned list."""

from __future__ import annotations

from collections import Counter

import pytest

from app.demo.health_list import generate_health_list
from tests.browser.test_map import _load_demo, _log_in


@pytest.fixture
def demo(app, live_server):
    _load_demo(app)


def test_upload_the_demo_list_and_see_the_counts(page, live_server, demo, tmp_path, screenshot):
    health = generate_health_list()
    expected = Counter(row.expected for row in health.rows)
    path = tmp_path / "tiem-chung-nam-dong.xlsx"
    path.write_bytes(health.xlsx())
    page.set_viewport_size({"width": 360, "height": 800})
    _log_in(page, "chihuy")
    page.goto("/reconciliations")
    assert page.locator("h1").inner_text() == "Đối chiếu danh sách ngành"
    page.select_option("#sector", "health")
    page.set_input_files("#file", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#counts").is_visible()
    total = page.locator('#count-total td[data-key="rows"]').inner_text()
    assert int(total) == len(health.rows)
    for key, number in expected.items():
        assert int(page.locator(f'#count-total td[data-key="{key}"]').inner_text()) == number
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= 361, overflow
    page.set_viewport_size({"width": 360, "height": 1400})
    screenshot(page, "reconciliation", full_page=False)

    page.click("nav.filters >> text=Không tìm thấy")
    page.wait_for_load_state()
    assert page.locator("#rows tbody tr").count() == expected["not_found"]
    page.locator("#rows tbody tr").first.locator("text=Giao cán bộ xác minh").click()
    page.wait_for_load_state()
    assert "Đã ghi quyết định cho 1 dòng" in page.locator(".flash.ok").inner_text()
    assert page.locator("#rows tbody tr").first.locator("text=Đã giao xác minh").count() == 1

    with page.expect_download() as info:
        page.click("#cleaned-link")
    assert info.value.suggested_filename.startswith("danh-sach-lam-sach-")
    assert page.console_errors == []
    assert page.off_server_requests == []
