"""The visit plan and the household notices in Chromium, on the demo commune.

The notices are printed with Chromium's own print-to-PDF (`page.pdf()`): one A4 page per
household of a demo hamlet.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry
from app.auth.scope import rows_inside
from app.extensions import db
from app.people.models import Household
from app.units.models import Unit
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_map import _load_demo, _log_in

PRINTED = "20179-006"  # the demo's smallest hamlet, no plan: notices say the day comes later


def pdf_pages(data: bytes) -> int:
    """The page count of a PDF Chromium wrote (its page tree's /Count)."""
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert not counts or max(counts) == pages, (counts, pages)
    return pages


@pytest.fixture
def demo(app, live_server):
    _load_demo(app)


def _households(code: str) -> int:
    hamlet = db.session.scalar(select(Unit).where(Unit.code == code))
    return db.session.scalar(select(func.count(Household.id)).where(rows_inside(Household, hamlet)))


@pytest.mark.parametrize("code", [PRINTED, "20179-001"])
def test_notices_print_one_page_per_household(page, live_server, demo, console_errors, code):
    _log_in(page, "canbo2" if code == PRINTED else "canbo1")
    # Some sixty A4 pages of a loaded demo: more than the default 10 s on a busy machine.
    response = page.goto(f"/hamlets/{code}/notices", timeout=60_000)
    assert response.status == 200
    households = _households(code)
    assert page.locator("article.notice").count() == households
    if code == "20179-001":
        page.set_viewport_size({"width": 820, "height": 1160})
        notice = page.locator("article.notice").first
        notice.screenshot(path=str(SCREENSHOTS / "notice.png"))
    data = page.pdf(format="A4", print_background=True)
    assert pdf_pages(data) == households
    assert console_errors == []
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "print").order_by(AuditEntry.id.desc())
    )
    assert entry.changes["hamlet"] == code and entry.changes["households"] == households


def test_plan_a_hamlet_at_360_px(page, live_server, demo, console_errors, screenshot):
    _log_in(page, "chihuy")
    page.goto("/dashboard?unit=20179")
    page.click(f"a.schedule-link[href='/hamlets/{PRINTED}/schedule']")
    assert page.locator("#no-plan").is_visible()
    page.fill("#minutes_per_household", "30")
    page.click("#make-plan")
    page.wait_for_load_state()
    assert "Đã lập lịch thăm" in page.inner_text("#schedule-message")
    rows = page.locator("table.plan tbody tr:not(.day)")
    assert rows.count() == _households(PRINTED)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # the table scrolls inside its own box
    screenshot(page, "schedule-page", full_page=False)
    page.click("#print-notices")
    page.wait_for_load_state()
    assert "07:30" in page.inner_text("article.notice >> nth=0")
    assert console_errors == []
