"""As of a day: a campaign's progress for a past day never moves when later visits arrive.

The clock is moved with time-machine so that visits are made *and received* on the days the
story says, through the real API and the real rules (which write the status history).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from app.clock import VIETNAM, today_in_vietnam
from app.reports.asof import AsOf
from tests.factories import api_get, api_post


def days_from(today: date) -> dict[str, date]:
    """The day the figures are asked for (set again by tests/conftest.py when a run crosses
    Vietnam's midnight)."""
    return {"DAY": today - timedelta(days=5)}


TODAY = today_in_vietnam()
DAY = days_from(TODAY)["DAY"]


def at(day: date, hour: int = 10) -> datetime:
    """A moment of a Vietnam day."""
    return datetime.combine(day, time(hour), VIETNAM)


def visit(household, *, made: datetime, **resident) -> dict:
    """A visit body meeting the household's first resident, with the statuses given."""
    head = household.residents[0]
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": made.isoformat(timespec="seconds"),
        "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 12},
        "outcome": "met",
        "residents": [{"resident_id": head.id, "presence": "present", **resident}],
        "new_residents": [],
        "note": "",
    }


@pytest.fixture
def story(client, make_user, make_household, token_for):
    """A campaign of xã Nam Đông started 10 days ago, an officer and four households."""
    with time_machine.travel(at(TODAY - timedelta(days=12)), tick=False):
        officer = make_user("officer", "20179", hamlets=["20179-001", "20179-002"])
        commander = make_user("commander", "20179")
        homes = [make_household(f"20179-00{1 + n % 2}") for n in range(4)]
        officer_headers, commander_headers = token_for(officer), token_for(commander)
        status, made = api_post(
            client,
            "/api/v1/campaigns",
            commander_headers,
            {
                "name": "Cao điểm",
                "starts_on": (TODAY - timedelta(days=10)).isoformat(),
                "ends_on": (TODAY + timedelta(days=20)).isoformat(),
                "unit": "20179",
                "metrics": ["households_visited", "id_collected", "eid_level2_active"],
            },
        )
        assert status == 201, made
    return {"officer": officer_headers, "commander": commander_headers, "homes": homes, **made}


def send(client, headers, body, *, received: datetime) -> None:
    with time_machine.travel(received, tick=False):
        status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer


def progress(client, story, on: date, *, asked: datetime) -> dict:
    """The campaign's progress as of a day, asked at a moment; counts per metric."""
    with time_machine.travel(asked, tick=False):
        status, body = api_get(
            client, f"/api/v1/campaigns/{story['id']}/progress?on={on}", story["commander"]
        )
    assert status == 200, body
    return {m["metric"]: (m["count"], [u["count"] for u in m["units"]]) for m in body["metrics"]}


def test_progress_for_a_past_day_never_moves(client, story):
    one, two, three, four = story["homes"]
    before = at(DAY - timedelta(days=2))
    send(client, story["officer"], visit(one, made=before, id_card="collected"), received=before)
    send(
        client,
        story["officer"],
        visit(two, made=at(DAY), eid="level2_active", id_card="issued"),
        received=at(DAY, 15),
    )
    # Asked that evening, when the day is still today and the values on file answer.
    that_evening = progress(client, story, DAY, asked=at(DAY, 21))
    assert that_evening["households_visited"][0] == 2
    assert that_evening["id_collected"][0] == 2
    assert that_evening["eid_level2_active"][0] == 1

    # After the day: a visit the day after, one that reports less (the rules keep the
    # better status), and a visit made before the day
    # but synced late.
    after = at(DAY + timedelta(days=1))
    send(client, story["officer"], visit(three, made=after, id_card="collected"), received=after)
    send(
        client,
        story["officer"],
        visit(two, made=after, eid="level1", id_card="not_collected"),
        received=after,
    )
    late = visit(four, made=at(DAY - timedelta(days=1)), id_card="collected")
    send(client, story["officer"], late, received=at(DAY + timedelta(days=2)))

    for asked in (at(DAY + timedelta(days=1), 8), at(TODAY, 9), at(TODAY + timedelta(days=10))):
        assert progress(client, story, DAY, asked=asked) == that_evening, asked

    # Today's figures do see what came later, so the test is not looking at an empty story.
    now = progress(client, story, TODAY, asked=at(TODAY, 9))
    assert now["households_visited"][0] == 4
    assert now["id_collected"][0] == 4  # the rules keep a card once issued: no undoing it
    assert now["eid_level2_active"][0] == 1


def test_a_day_before_the_campaign_counts_nothing(client, story):
    one = story["homes"][0]
    made = at(TODAY - timedelta(days=3))
    send(client, story["officer"], visit(one, made=made, id_card="collected"), received=made)
    early = TODAY - timedelta(days=11)
    counts = progress(client, story, early, asked=at(TODAY, 9))
    assert all(count == 0 for count, _ in counts.values())


def test_asof_knows_which_days_are_over():
    with time_machine.travel(at(TODAY, 12), tick=False):
        assert AsOf.of(TODAY - timedelta(days=1)).is_past
        assert not AsOf.of().is_past
        assert AsOf.of(TODAY).end == at(TODAY + timedelta(days=1), 0)
    with pytest.raises(ValueError):
        AsOf.of().value("full_name")


def test_a_residents_status_as_of_a_day_comes_from_the_history(make_household, add_change):
    from sqlalchemy import select

    from app.extensions import db
    from app.people.models import Resident

    home = make_household("20179-001", residents=[{"full_name": "A"}, {"full_name": "B"}])
    first, untouched = home.residents
    add_change(first, "id_card", "not_collected", "collected", at=at(TODAY - timedelta(days=6)))
    add_change(first, "presence", "present", "moved", at=at(TODAY - timedelta(days=2)))

    def as_of(day: date) -> dict[str, tuple[str, str]]:
        asof = AsOf.of(day)
        rows = db.session.execute(
            select(Resident.full_name, asof.value("id_card"), asof.value("presence"))
        )
        return {name: (card, presence) for name, card, presence in rows}

    assert as_of(TODAY - timedelta(days=7)) == {
        "A": ("not_collected", "present"),
        "B": ("not_collected", "present"),
    }
    assert as_of(TODAY - timedelta(days=6))["A"] == ("collected", "present")
    assert as_of(TODAY - timedelta(days=2))["A"] == ("collected", "moved")
    assert as_of(TODAY)["A"] == ("collected", "moved")
    assert untouched.id_card == "not_collected"
