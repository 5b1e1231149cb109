"""The village head flags a person who came home, and sees whether an officer visited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.followups.models import Followup, Returnee
from tests.field.browser_helpers import (
    log_in,
    overflowing,
    photograph,
    small_targets,
    wait_for_data,
    wait_sent,
)


@pytest.fixture
def village(make_user, make_household):
    head = make_user("village_head", "20179-001", username="truongthon")
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    household = make_household(
        "20179-001",
        residents=[
            {"full_name": "Hồ Văn Nhờ"},
            {
                "full_name": "Hồ Văn Đông",
                "presence": "away_working",
                "relationship_to_head": "child",
                "date_of_birth": "1998",
            },
        ],
    )
    return head, household


def test_village_head_flags_a_returnee_in_three_taps(page, village, screenshot):
    head, household = village
    log_in(page, "truongthon")
    wait_for_data(page)
    assert page.locator("h1").inner_text() == "Báo người về"
    page.fill("#person-q", "dong")
    page.click("#person-matches .pick")  # tap 1 (after typing a few letters)
    page.fill("#phone", "0912345678")
    assert overflowing(page) == [] and small_targets(page) == []
    photograph(page, screenshot, "returnee")
    page.click("#send-returnee")  # tap 2
    page.wait_for_selector("#my-flags .flag", timeout=20_000)

    flag = db.session.scalar(select(Returnee))
    away = household.residents[1]
    assert (flag.resident_id, flag.returned_on, flag.phone) == (away.id, date.today(), "0912345678")
    assert flag.flagged_by_id == head.id
    followup = db.session.scalar(select(Followup).where(Followup.kind == "returnee_visit"))
    assert followup.resident_id == away.id
    assert "Chưa thăm" in page.inner_text("#my-flags")
    page.locator("#flags-box").scroll_into_view_if_needed()
    photograph(page, screenshot, "returnee-flags")
    assert page.console_errors == []
    assert page.off_server_requests == []


def test_village_head_types_a_name_offline(page, context, village):
    log_in(page, "truongthon")
    wait_for_data(page)
    context.set_offline(True)
    page.fill("#person-q", "khong co ai")
    page.fill("#typed-name", "Alăng Văn Mới")
    page.fill("#leaving-on", "2099-01-31")
    page.click("#send-returnee")
    page.wait_for_selector("#my-flags .pending")
    assert db.session.scalar(select(Returnee)) is None
    context.set_offline(False)
    wait_sent(page, 1)
    db.session.rollback()
    flag = db.session.scalar(select(Returnee))
    assert flag.full_name == "Alăng Văn Mới"
    assert flag.leaving_on == date(2099, 1, 31)
