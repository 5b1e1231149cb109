"""Today's list: urgent, then overdue, then the rest, each a walking route from where I stand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from tests.field.browser_helpers import log_in, wait_for_data

START = (16.066, 107.687)  # where the officer stands, inside hamlet 20179-001


def add_followup(household, officer, *, priority: int = 2, due: date | None = None) -> Followup:
    followup = Followup(
        kind="revisit",
        reason="Không có ai ở nhà",
        priority=priority,
        due_date=due or today_in_vietnam(),
        household_id=household.id,
        assignee_id=officer.id,
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
    )
    db.session.add(followup)
    return followup


@pytest.fixture
def day(make_user, make_household):
    officer = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")

    def house(name: str, lat_lon):
        return make_household("20179-001", residents=[{"full_name": name}], location=lat_lon)

    lat, lon = START
    stops = {
        # 1.1 km north: far, but urgent.
        "urgent": house("Hồ Văn Gấp", (lat + 0.01, lon)),
        # Overdue, next to the urgent one.
        "overdue": house("Lê Thị Trễ", (lat + 0.01, lon + 0.0005)),
        # Three normal ones on an east-west line through the start: 100 m east, 160 m west,
        # 320 m east. Nearest-from-the-start gives east 1, west, east 3; a walk goes on east
        # (east 1, east 3) and only then back west.
        "east1": house("Trần Văn Một", (lat, lon + 0.001)),
        "west": house("Nguyễn Văn Tây", (lat, lon - 0.0015)),
        "east3": house("Phạm Văn Ba", (lat, lon + 0.003)),
        "nowhere": house("Alăng Văn Không", None),
    }
    add_followup(stops["urgent"], officer, priority=0)
    add_followup(stops["overdue"], officer, due=today_in_vietnam() - timedelta(days=3))
    for name in ("east1", "west", "east3", "nowhere"):
        add_followup(stops[name], officer)
    never = house("Hồ Thị Chưa", (lat, lon + 0.0031))  # no follow-up, never visited
    db.session.commit()
    return stops, never


def test_today_is_urgent_then_overdue_then_a_walk(page, context, live_server, day):
    stops, never = day
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": START[0], "longitude": START[1], "accuracy": 10})
    log_in(page, "canbo")
    wait_for_data(page)
    page.goto("/app#today")
    page.wait_for_function("document.querySelector('#where').textContent.includes('±10 m')")
    order = page.eval_on_selector_all(
        "#due-list .item", "els => els.map(e => Number(e.dataset.household))"
    )
    names = ["urgent", "overdue", "east1", "east3", "west", "nowhere"]
    assert order == [stops[n].id for n in names]
    tags = page.eval_on_selector_all("#due-list .item .tag", "els => els.map(e => e.textContent)")
    assert tags[0].startswith("Gấp · ") and tags[1].startswith("Quá hạn · ")
    # The urgent stop is 1.1 km away; each later distance is from the stop before.
    dists = page.eval_on_selector_all("#due-list .item .dist", "els => els.map(e => e.textContent)")
    assert dists == ["1.1 km", "50 m", "1.1 km", "210 m", "480 m"]
    # Households never visited come last, as their own list, continuing the walk.
    assert page.eval_on_selector_all(
        "#open-list .item", "els => els.map(e => Number(e.dataset.household))"
    ) == [never.id]
    assert page.console_errors == []
