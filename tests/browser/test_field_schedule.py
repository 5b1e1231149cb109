"""Hôm nay on the phone: today's planned households first, in the plan's order with their
windows, from the phone's own copy (so offline too); a visit marks one done."""

from __future__ import annotations

from datetime import time

import pytest

from app.clock import today_in_vietnam
from app.extensions import db
from app.schedule import planning
from tests.field.browser_helpers import log_in, record_visit, wait_for_data

START = (16.066, 107.687)


@pytest.fixture
def planned(make_user, make_household):
    officer = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    lat, lon = START
    homes = [
        make_household("20179-001", residents=[{"full_name": name}], location=(lat, lon + dx))
        for name, dx in (("Hồ Văn Xa", 0.004), ("Lê Thị Giữa", 0.002), ("Trần Văn Gần", 0.0))
    ]
    body = {
        "days": [today_in_vietnam()],
        "day_start": time(7, 0),
        "day_end": time(8, 0),
        "minutes_per_household": 20,
    }
    plan = planning.plan_hamlet(officer, "20179-001", body)
    db.session.commit()
    order = [v.household_id for v in sorted(plan.slots, key=lambda v: v.position)]
    return homes, order


def test_today_shows_the_plan_in_order_offline_too(page, context, planned):
    _homes, order = planned
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto("/app#today")
    page.wait_for_selector("#scheduled-list .item")
    shown = page.eval_on_selector_all(
        "#scheduled-list .item", "els => els.map(e => Number(e.dataset.household))"
    )
    assert shown == order
    slots = page.eval_on_selector_all("#scheduled-list .slot", "els => els.map(e => e.textContent)")
    assert slots == ["07:00–07:20", "07:20–07:40", "07:40–08:00"]
    assert page.inner_text("#scheduled-count") == "3/3"
    # The planned households are not listed again among those not yet visited.
    assert page.locator("#open-list .item").count() == 0

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#scheduled-list .item")
    record_visit(page, order[0])
    page.goto("/app#today")
    page.wait_for_function(
        "() => document.querySelector('#scheduled-count')?.textContent === '2/3'"
    )
    first = page.inner_text("#scheduled-list .item >> nth=0")
    assert "Đã thăm" in first
