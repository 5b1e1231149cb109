"""One bad item never blocks the outbox: a server error for one visit leaves it pending while
the others go; "send again later" answers keep an entry pending, never refused."""

from __future__ import annotations

import json

import pytest

from tests.field.browser_helpers import (
    log_in,
    phone_rows,
    record_visit,
    server_visits,
    wait_for_data,
    wait_sent,
)


@pytest.fixture
def three(make_user, make_household):
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    ids = [
        make_household("20179-001", residents=[{"full_name": name}]).id
        for name in ("Hồ Văn Một", "Trần Văn Hai", "Lê Thị Ba")
    ]
    return ids


def entries(page) -> dict[int, dict]:
    """The phone's outbox entries by household id."""
    return {e["body"]["household_id"]: e for e in phone_rows(page, "outbox")}


def record_offline(page, context, household_ids) -> dict[int, str]:
    """Record a nobody-home visit for each household without signal; their client ids."""
    context.set_offline(True)
    for household_id in household_ids:
        record_visit(page, household_id, "nobody_home")
    return {hh: e["client_id"] for hh, e in entries(page).items()}


def until(page, check, timeout: int = 30_000) -> None:
    """Let the page run (and the routes answer) until check() is true."""
    for _ in range(timeout // 100):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


def unexpected(console_errors) -> list[str]:
    """Console errors other than the browser's note about the error answers the test made."""
    return [e for e in console_errors if "Failed to load resource" not in e]


def test_a_server_error_for_one_visit_does_not_hold_up_the_others(page, context, three):
    log_in(page, "canbo")
    wait_for_data(page)
    first, bad, last = three
    client_ids = record_offline(page, context, three)
    answered = []

    def batch(route):
        visits = route.request.post_data_json["visits"]
        broken = any(v["client_id"] == client_ids[bad] for v in visits)
        answered.append((len(visits), "error" if broken else "server"))
        if broken:
            body = {"code": 500, "message": "Lỗi máy chủ."}
            route.fulfill(status=500, content_type="application/json", body=json.dumps(body))
        else:
            route.continue_()

    page.route("**/api/v1/visits/batch", batch)
    context.set_offline(False)
    wait_sent(page, 2)
    # The batch of three failed; then one by one: the bad one alone failed, the others went.
    assert answered[0] == (3, "error")
    assert sorted(answered[1:]) == [(1, "error"), (1, "server"), (1, "server")]
    assert sorted(v.household_id for v in server_visits()) == [first, last]
    left = entries(page)
    assert list(left) == [bad]
    assert left[bad]["state"] == "pending" and left[bad]["attempts"] == 1
    assert page.inner_text("#outbox-pending-count") == "1"
    assert page.locator("#rejected-list").count() == 0

    page.unroute("**/api/v1/visits/batch")
    page.click("#send-now")
    wait_sent(page, 3)
    assert sorted(v.household_id for v in server_visits()) == sorted(three)
    assert unexpected(page.console_errors) == []


def test_three_server_errors_in_a_row_end_the_round(page, context, three):
    log_in(page, "canbo")
    wait_for_data(page)
    record_offline(page, context, three)
    answered = []

    def down(route):
        answered.append(len(route.request.post_data_json["visits"]))
        route.fulfill(status=502, content_type="application/json", body='{"code": 502}')

    page.route("**/api/v1/visits/batch", down)
    context.set_offline(False)
    until(page, lambda: len(answered) >= 4)
    page.wait_for_timeout(500)
    # The batch, then three single visits: the server is down, the round stops.
    assert answered == [3, 1, 1, 1]
    assert {e["state"] for e in entries(page).values()} == {"pending"}
    assert page.locator("#rejected-list").count() == 0
    assert unexpected(page.console_errors) == []


def test_send_again_later_stays_pending(page, context, three):
    log_in(page, "canbo")
    wait_for_data(page)
    first, busy = three[:2]
    client_ids = record_offline(page, context, [first, busy])
    singles = []

    def batch(route):
        visits = route.request.post_data_json["visits"]
        if not any(v["client_id"] == client_ids[busy] for v in visits):
            return route.continue_()
        if len(visits) > 1:
            return route.fulfill(status=503, content_type="application/json", body="{}")
        singles.append(1)
        if len(singles) == 1:  # the server's word for a temporary conflict
            result = {
                "status": "rejected",
                "code": 409,
                "retry": True,
                "client_id": client_ids[busy],
                "message": "Hồ sơ đang được cập nhật cùng lúc, gửi lại sau.",
            }
            return route.fulfill(status=200, json={"results": [result]})
        if len(singles) == 2:
            return route.fulfill(status=429, json={"code": 429, "message": "Quá nhiều yêu cầu."})
        return route.continue_()

    page.route("**/api/v1/visits/batch", batch)
    context.set_offline(False)
    wait_sent(page, 1)
    assert [v.household_id for v in server_visits()] == [first]
    until(page, lambda: entries(page)[busy]["attempts"] == 1)
    assert entries(page)[busy]["state"] == "pending"
    assert page.locator("#rejected-list").count() == 0

    page.click("#send-now")  # answered 429: still pending
    until(page, lambda: entries(page)[busy]["attempts"] == 2)
    left = entries(page)[busy]
    assert left["state"] == "pending" and left["attempts"] == 2
    assert page.locator("#rejected-list").count() == 0

    page.click("#send-now")  # the server takes it now
    wait_sent(page, 2)
    assert sorted(v.household_id for v in server_visits()) == [first, busy]
    assert unexpected(page.console_errors) == []
