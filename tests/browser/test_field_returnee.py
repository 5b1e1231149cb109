"""The village head flags a person who came home, and sees whether an officer visited."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup, Returnee
from tests.factories import api_post
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
    assert (flag.resident_id, flag.returned_on, flag.phone) == (
        away.id,
        today_in_vietnam(),
        "0912345678",
    )
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
    db.session.rollback()  # end the read: a transaction of the test may hold SQLite's lock
    context.set_offline(False)
    wait_sent(page, 1)
    db.session.rollback()
    flag = db.session.scalar(select(Returnee))
    assert flag.full_name == "Alăng Văn Mới"
    assert flag.leaving_on == date(2099, 1, 31)


def test_village_head_sees_who_needs_help_and_who_is_away(
    app, page, village, make_user, make_household, token_for, screenshot
):
    """Three failed tries ask the village head's help; a tap on a person away fills the flag."""
    _head, household = village
    closed = make_household("20179-001", residents=[{"full_name": "Lò Văn Vắng"}])
    officer = make_user("officer", "20179", hamlets=["20179-001"])
    headers = token_for(officer)
    client = app.test_client()
    now = datetime.now(UTC)
    for days in (6, 4, 2):  # the server's own rules turn the third into "ask the village head"
        visit = {
            "client_id": str(uuid.uuid4()),
            "household_id": closed.id,
            "visited_at": (now - timedelta(days=days)).isoformat(),
            "location": None,
            "location_missing_reason": "unavailable",
            "outcome": "nobody_home",
        }
        status, _ = api_post(client, "/api/v1/visits", headers, visit)
        assert status == 201
    away = household.residents[1]
    ids = (closed.id, away.id)
    db.session.rollback()  # the test's own transaction would hold SQLite's write lock

    log_in(page, "truongthon")
    wait_for_data(page)
    page.wait_for_selector("#help-list .entry")
    [row] = page.locator("#help-list .entry").all()
    assert row.get_attribute("data-household") == str(ids[0])
    text = row.inner_text()
    assert "Lò Văn Vắng" in text and "Thôn 1" in text and "Đã đến 3 lần" in text
    assert "trưởng thôn" in text  # the server's reason

    page.wait_for_selector("#away-list .pick")
    [person] = page.locator("#away-list .pick").all()
    assert person.get_attribute("data-resident") == str(ids[1])
    assert "Hồ Văn Đông" in person.inner_text() and "Hộ Hồ Văn Nhờ" in person.inner_text()
    page.locator("#help-box").scroll_into_view_if_needed()
    assert overflowing(page) == [] and small_targets(page) == []
    photograph(page, screenshot, "returnee-lists")

    person.click()
    assert page.inner_text("#person-chosen strong") == "Hồ Văn Đông"
    assert page.locator("#typed-box").is_hidden()
    page.click("#send-returnee")
    page.wait_for_selector("#my-flags .flag", timeout=20_000)
    db.session.rollback()
    flag = db.session.scalar(select(Returnee))
    assert flag.resident_id == ids[1]
    assert "Đã báo về" in page.inner_text("#away-list")

    # Offline, the lists still come from the phone's own copy.
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#help-list .entry")
    assert page.locator("#away-list .pick").count() == 1
    assert page.console_errors == []


def test_a_flag_stays_until_the_server_itself_confirms_it(page, village):
    """A Wi-Fi login portal answers 200 with its own page: the flag is not taken as sent."""
    log_in(page, "truongthon")
    wait_for_data(page)
    portal = []

    def captive(route):
        if route.request.method == "POST" and not portal:
            portal.append(1)
            return route.fulfill(status=200, content_type="text/html", body="<h1>Wi-Fi</h1>")
        return route.continue_()

    page.route("**/api/v1/returnees", captive)
    page.fill("#person-q", "khong co ai")
    page.fill("#typed-name", "Alăng Văn Chờ")
    page.click("#send-returnee")
    for _ in range(100):  # the portal has answered once
        if portal:
            break
        page.wait_for_timeout(100)
    assert portal
    page.goto("/app#outbox")
    page.wait_for_selector("#outbox-pending-count")
    assert page.inner_text("#outbox-pending-count") == "1"  # still waiting, not sent
    db.session.rollback()
    assert db.session.scalar(select(Returnee)) is None
    page.click("#send-now")  # the real server confirms it on the next round
    wait_sent(page, 1)
    db.session.rollback()
    assert db.session.scalar(select(Returnee)).full_name == "Alăng Văn Chờ"
