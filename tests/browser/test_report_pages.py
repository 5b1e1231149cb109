"""The weekly report in Chromium on the demo commune, as commander and as admin, at 360 px and
on a desktop: choose last week, read the figures, download the XLSX, open the printable page;
a period typed the wrong way round is explained and kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Household, Resident, StatusChange
from app.visits.models import Visit

DEMO_PASSWORD = "gocua-demo"


def _load_demo(app) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _as_if_synced_when_made() -> None:
    """The demo loads its weeks of field work at once, so the server learns of it today and
    last week's report (as of last Sunday) would rightly count nothing. Here the work is dated
    as if each visit had been synced the moment it was made, with the list loaded a month ago."""
    month_ago = datetime.now(UTC) - timedelta(days=30)
    made = select(Visit.visited_at).scalar_subquery
    db.session.execute(update(Household).values(created_at=month_ago))
    db.session.execute(update(Resident).values(created_at=month_ago))
    db.session.execute(update(Visit).values(received_at=Visit.visited_at))
    db.session.execute(
        update(StatusChange)
        .where(StatusChange.visit_id.is_not(None))
        .values(at=made().where(Visit.id == StatusChange.visit_id).correlate(StatusChange))
    )
    db.session.execute(
        update(Correction)
        .where(Correction.visit_id.is_not(None))
        .values(created_at=made().where(Visit.id == Correction.visit_id).correlate(Correction))
    )
    db.session.execute(
        update(Followup)
        .where(Followup.created_by_visit_id.is_not(None))
        .values(
            created_at=made().where(Visit.id == Followup.created_by_visit_id).correlate(Followup)
        )
    )
    db.session.commit()


@pytest.fixture
def demo(app, live_server):
    _load_demo(app)
    _as_if_synced_when_made()


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
