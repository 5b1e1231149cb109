"""GPS by itself: a granted position geotags the visit; a denied one sends the reason."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.field.browser_helpers import (
    log_in,
    phone_rows,
    photograph,
    server_visits,
    wait_for_data,
    wait_sent,
)

POINT = {"latitude": 16.0661, "longitude": 107.6871, "accuracy": 12}


@pytest.fixture
def household(make_user, make_household):
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    return make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])


def test_granted_position_geotags_the_visit(page, context, live_server, household, screenshot):
    hamlet_id = household.hamlet_id
    db.session.rollback()  # end the test's read before the server writes
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation(POINT)
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{household.id}")
    page.wait_for_selector("#gps[data-state=fix]")
    assert page.inner_text("#gps") == "Vị trí: ±12 m"
    page.check("input[name=outcome][value=met]")
    photograph(page, screenshot, "visit-form")
    page.click("#save-visit")
    wait_sent(page, 1)
    [visit] = server_visits()
    assert (visit.lat, visit.lon, visit.accuracy_m) == (16.0661, 107.6871, 12)
    assert visit.location_missing_reason is None
    # 15 m from the household, inside its hamlet: geotagged there, nothing to check.
    assert visit.distance_m is not None and 10 < visit.distance_m < 20
    assert visit.geo_hamlet_id == hamlet_id
    assert visit.flags == [] and visit.flagged is False
    sent = phone_rows(page, "sent")
    assert [(s["status"], s["flags"]) for s in sent] == [("created", [])]
    assert "cần kiểm tra vị trí" not in page.inner_text("#sent-list")
    assert page.console_errors == []


def test_best_fix_is_kept_until_submit(page, context, live_server, household):
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({**POINT, "accuracy": 40})
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto(f"/app#visit/{household.id}")
    page.wait_for_selector("#gps[data-state=fix]")
    context.set_geolocation({"latitude": 16.0662, "longitude": 107.6872, "accuracy": 8})
    page.wait_for_function("() => document.querySelector('#gps').dataset.accuracy === '8'")
    context.set_geolocation({"latitude": 16.07, "longitude": 107.69, "accuracy": 90})
    page.wait_for_timeout(300)
    assert page.inner_text("#gps") == "Vị trí: ±8 m"
    page.check("input[name=outcome][value=nobody_home]")
    page.click("#save-visit")
    wait_sent(page, 1)
    [visit] = server_visits()
    assert (visit.lat, visit.lon, visit.accuracy_m) == (16.0662, 107.6872, 8)


def test_denied_position_sends_the_reason(page, context, household, screenshot):
    log_in(page, "canbo")  # no permission granted: the browser denies
    wait_for_data(page)
    page.goto(f"/app#visit/{household.id}")
    page.wait_for_selector("#gps[data-state=denied]")
    photograph(page, screenshot, "visit-form-no-gps")
    page.check("input[name=outcome][value=met]")
    page.click("#save-visit")
    wait_sent(page, 1)
    [visit] = server_visits()
    assert visit.lat is None and visit.lon is None
    assert visit.location_missing_reason == "denied"
    assert "no_location" in visit.flags
    assert page.console_errors == []
