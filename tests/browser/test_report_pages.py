"""The weekly report in Chromium on the demo commune, as commander and as admin, at 360 px and
on a desktop: choose last week, read the figures, download the XLSX, open the printable page;
a period typed the wrong way round is explained and kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.browser.test_map import _load_demo, _log_in


@pytest.fixture
def demo(app, live_server):
    """The demo commune, dated as a phone would have synced it (app/demo), so last week's
    report has figures."""
    _load_demo(app)


def _figure(page, key: str) -> int:
    text = page.locator(f'tr[data-figure="{key}"] td.now').inner_text()
    return int(text.replace(".", "").replace("—", "0"))


def _report_path(page, context, who: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/reports")
    assert page.locator("h1").inner_text() == "Báo cáo lên cấp trên"
    page.click('a[data-shortcut="last_week"]')
    page.wait_for_load_state()
    assert page.locator('a[data-shortcut="last_week"]').get_attribute("class") == "current"
    assert page.locator(".report-title").inner_text().startswith("BÁO CÁO KẾT QUẢ")
    assert _figure(page, "households_total") > 0
    assert page.locator('tr[data-figure="eid_level2_applied"]').count() == 1
    assert page.locator("table.report-children tbody tr").count() >= 6  # the demo's hamlets
    # Nothing wider than the screen but the tables, which scroll in their wrappers.
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width + 1, (who, overflow)

    with page.expect_download() as info:
        page.click("#download-xlsx")
    download = info.value
    assert download.suggested_filename.startswith("bao-cao-")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames[0] == "Báo cáo"
    assert book["Báo cáo"]["A1"].value.startswith("BÁO CÁO KẾT QUẢ")

    with context.expect_page() as opened:
        page.click("#print-link")
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.locator("nav.office").count() == 0
    assert printable.locator("h1").inner_text().startswith("BÁO CÁO KẾT QUẢ")
    assert printable.locator("tr[data-figure]").count() == page.locator("tr[data-figure]").count()
    printable.emulate_media(media="print")
    assert not printable.locator("button[data-print]").is_visible()
    printable.close()


@pytest.mark.parametrize("who", ["chihuy", "admin"])
def test_the_weekly_report_in_chromium(page, context, live_server, demo, screenshot, who):
    _log_in(page, who)
    _report_path(page, context, who, 360)
    if who == "chihuy":
        page.set_viewport_size({"width": 360, "height": 1400})
        page.goto("/reports")
        page.click('a[data-shortcut="last_week"]')
        page.wait_for_load_state()
        screenshot(page, "report", full_page=False)
    _report_path(page, context, who, 1280)
    assert page.console_errors == []
    assert page.off_server_requests == []


def test_a_period_the_wrong_way_round_is_explained(page, live_server, demo):
    _log_in(page, "chihuy")
    page.goto("/reports")
    page.fill("#from", "2026-12-07")
    page.fill("#to", "2026-12-01")
    page.click("#range-form button[type=submit]")
    page.wait_for_load_state()
    assert "Ngày bắt đầu" in page.locator(".flash.error").inner_text()
    assert page.input_value("#from") == "2026-12-07"
    assert page.input_value("#to") == "2026-12-01"
    assert page.locator(".report-title").count() == 0
    assert page.console_errors == [] or all("422" in e for e in page.console_errors)
