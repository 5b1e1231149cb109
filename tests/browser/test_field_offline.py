"""The offline scenario: visits recorded without signal survive a reload and reach the server
exactly once when the signal returns."""

from __future__ import annotations

import pytest

from tests.field.browser_helpers import (
    log_in,
    outbox_count,
    photograph,
    record_visit,
    server_visits,
    wait_for_data,
)


@pytest.fixture
def field_world(make_user, make_household):
    officer = make_user("officer", "20179", hamlets=["20179-001", "20179-002"], username="canbo")
    households = [
        make_household(
            "20179-001",
            residents=[
                {"full_name": "Hồ Văn Nhờ", "date_of_birth": "1968-03-02"},
                {"full_name": "Nguyễn Thị Lan", "sex": "female", "relationship_to_head": "spouse"},
            ],
        ),
        make_household("20179-001", residents=[{"full_name": "Trần Văn Đức"}]),
        make_household("20179-002", residents=[{"full_name": "Lê Thị Hoa", "sex": "female"}]),
        make_household("20179-003", residents=[{"full_name": "Ngoài Địa Bàn"}]),
    ]
    return officer, households


def test_three_visits_offline_reach_the_server_once(page, context, field_world, screenshot):
    officer, households = field_world
    log_in(page, "canbo")
    wait_for_data(page)

    context.set_offline(True)
    for household in households[:3]:
        record_visit(page, household.id)
    assert outbox_count(page) == 3

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.inner_text("#outbox-pending-count") == "3"
    assert page.inner_text("#net") == "Mất mạng"
    photograph(page, screenshot, "outbox-offline")
    assert server_visits() == []

    context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('#outbox-pending-count')?.textContent === '0'",
        timeout=20_000,
    )
    visits = server_visits()
    assert sorted(v.household_id for v in visits) == sorted(h.id for h in households[:3])
    assert all(v.officer_id == officer.id for v in visits)
    assert all(v.location_missing_reason in ("denied", "unavailable", "timeout") for v in visits)
    assert page.inner_text("#outbox-sent-count") == "3"

    # Sending again (a second sync) changes nothing on the server.
    page.click("#send-now")
    page.wait_for_timeout(500)
    assert len(server_visits()) == 3
    assert page.console_errors == []
