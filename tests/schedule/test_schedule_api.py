"""POST/GET /api/v1/units/<hamlet>/schedule and PATCH /api/v1/households/<id>/scheduled-visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.people.models import ScheduledVisit, VisitSchedule
from tests.factories import api_get, api_post
from tests.schedule.conftest import HAMLET1, HAMLET2, day, plan_body

URL = f"/api/v1/units/{HAMLET1}/schedule"


def test_plan_orders_the_hamlet_as_a_walk_and_fills_the_days(
    people, hamlet_households, client, token_for
):
    body = plan_body([day(2), day(1)], day_end="09:00", minutes_per_household=30)
    status, plan = api_post(client, URL, token_for(people.officer), body)
    assert status == 201, plan
    assert plan["days"] == [day(1), day(2)]  # in order
    assert plan["capacity"] == 6 and plan["left_out"] == 0
    codes = [v["household_code"] for v in plan["visits"]]
    # From the hamlet's centre (x = +0.03 of the line's start): the walk runs along the line,
    # the unplaced household last.
    assert codes[-1] == "T1-9"
    assert sorted(codes[:-1]) == ["T1-1", "T1-2", "T1-3", "T1-4", "T1-5"]
    assert codes[:-1] in (
        ["T1-5", "T1-3", "T1-1", "T1-2", "T1-4"],
        ["T1-5", "T1-2", "T1-4", "T1-3", "T1-1"],
    )
    windows = [(v["date"], v["from"], v["to"]) for v in plan["visits"]]
    assert windows == [
        (day(1), "07:30", "08:00"),
        (day(1), "08:00", "08:30"),
        (day(1), "08:30", "09:00"),
        (day(2), "07:30", "08:00"),
        (day(2), "08:00", "08:30"),
        (day(2), "08:30", "09:00"),
    ]
    assert [v["order"] for v in plan["visits"]] == [1, 2, 3, 4, 5, 6]
    # The household answers carry their slot.
    first = plan["visits"][0]
    status, household = api_get(
        client, f"/api/v1/households/{first['household_id']}", token_for(people.officer)
    )
    assert household["scheduled_visit"] == {
        "date": day(1),
        "from": "07:30",
        "to": "08:00",
        "order": 1,
        "moved": False,
    }
    status, listing = api_get(
        client, f"/api/v1/households?hamlet={HAMLET1}", token_for(people.commander)
    )
    assert all(h["scheduled_visit"] for h in listing["items"])
    status, again = api_get(client, URL, token_for(people.commander))
    assert status == 200 and again["visits"] == plan["visits"]


def test_days_too_few_refuse_in_vietnamese(people, hamlet_households, client, token_for):
    body = plan_body([day(1)], day_end="09:00", minutes_per_household=30)
    status, answer = api_post(client, URL, token_for(people.officer), body)
    assert status == 422
    assert "chỉ đủ thăm 3 hộ" in answer["message"] and "6 hộ" in answer["message"]
    assert "thêm ít nhất 1 ngày" in answer["message"]
    assert db.session.query(ScheduledVisit).count() == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"days": ["2020-01-02"]}, "days"),
        ({"days": []}, "days"),
        ({"day_end": "07:00"}, "day_end"),
        ({"day_end": "07:30"}, "day_end"),
        ({"minutes_per_household": 4}, "minutes_per_household"),
        ({"minutes_per_household": 241}, "minutes_per_household"),
        ({"day_start": "7h30"}, "day_start"),
        ({"day_end": "07:40", "minutes_per_household": 20}, "minutes_per_household"),
    ],
)
def test_bad_plans_answer_422_naming_the_field(
    people, hamlet_households, client, token_for, changes, field
):
    status, answer = api_post(client, URL, token_for(people.officer), plan_body(**changes))
    assert status == 422, answer
    assert field in answer["errors"]


def test_today_is_a_valid_day(people, make_household, client, token_for):
    make_household(HAMLET1)
    status, plan = api_post(client, URL, token_for(people.officer), plan_body([day(0)]))
    assert status == 201, plan


@pytest.mark.parametrize(
    "who, expected",
    [
        ("officer", 201),
        ("commander", 201),
        ("other_hamlet_officer", 403),
        ("head", 403),
        ("admin", 403),
        ("other_commander", 404),
    ],
)
def test_who_may_plan(people, hamlet_households, client, token_for, who, expected):
    status, answer = api_post(client, URL, token_for(getattr(people, who)), plan_body())
    assert status == expected, answer
    status, _ = api_get(client, URL, token_for(getattr(people, who)))
    assert status == (200 if expected == 201 else expected)


def test_no_plan_yet_is_404(people, client, token_for):
    status, answer = api_get(client, URL, token_for(people.officer))
    assert status == 404 and "chưa có lịch thăm" in answer["message"]


def test_rescheduling_moves_only_that_household(people, hamlet_households, client, token_for):
    headers = token_for(people.officer)
    _, plan = api_post(client, URL, headers, plan_body())
    moved = plan["visits"][1]
    response = client.patch(
        f"/api/v1/households/{moved['household_id']}/scheduled-visit",
        headers=headers,
        json={"date": day(3), "from": "14:00", "to": "14:30"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "date": day(3),
        "from": "14:00",
        "to": "14:30",
        "order": 2,
        "moved": True,
    }
    _, after = api_get(client, URL, headers)
    before = {v["household_id"]: v for v in plan["visits"]}
    for visit in after["visits"]:
        if visit["household_id"] == moved["household_id"]:
            assert (visit["date"], visit["from"], visit["moved"]) == (day(3), "14:00", True)
        else:
            assert visit == before[visit["household_id"]]
    assert after["visits"][-1]["household_id"] == moved["household_id"]  # now the last visit


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date": "2020-01-01", "from": "08:00", "to": "08:30"}, "date"),
        ({"date": "TOMORROW", "from": "08:30", "to": "08:00"}, "to"),
        ({"date": "TOMORROW", "from": "8 giờ", "to": "08:30"}, "from"),
    ],
)
def test_rescheduling_refuses_bad_windows(
    people, hamlet_households, client, token_for, body, field
):
    headers = token_for(people.officer)
    api_post(client, URL, headers, plan_body())
    body = {**body, "date": body["date"].replace("TOMORROW", day(1))}
    response = client.patch(
        f"/api/v1/households/{hamlet_households[0].id}/scheduled-visit", headers=headers, json=body
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_rescheduling_needs_a_plan_and_the_right_person(
    people, hamlet_households, client, token_for
):
    url = f"/api/v1/households/{hamlet_households[0].id}/scheduled-visit"
    body = {"date": day(1), "from": "08:00", "to": "08:30"}
    response = client.patch(url, headers=token_for(people.officer), json=body)
    assert response.status_code == 422 and "chưa có lịch thăm" in response.get_json()["message"]
    api_post(client, URL, token_for(people.officer), plan_body())
    for who, expected in (("other_hamlet_officer", 403), ("head", 403), ("other_commander", 404)):
        response = client.patch(url, headers=token_for(getattr(people, who)), json=body)
        assert response.status_code == expected, who


def test_planning_again_replaces_the_plan_and_leaves_out_visited_households(
    people, hamlet_households, client, token_for
):
    headers = token_for(people.officer)
    _, first = api_post(client, URL, headers, plan_body())
    visited = hamlet_households[2]
    visited.last_visit_at = datetime.now(UTC)
    db.session.commit()
    status, second = api_post(client, URL, headers, plan_body([day(3)], day_end="11:00"))
    assert status == 201, second
    assert second["left_out"] == 1
    planned = {v["household_id"] for v in second["visits"]}
    assert visited.id not in planned and len(planned) == 5
    assert {v["date"] for v in second["visits"]} == {day(3)}
    assert db.session.query(ScheduledVisit).count() == 5
    _, answer = api_get(client, f"/api/v1/households/{visited.id}", headers)
    assert answer["scheduled_visit"] is None
    assert len(first["visits"]) == 6


def test_another_hamlet_is_untouched(people, hamlet_households, make_household, client, token_for):
    other = make_household(HAMLET2)
    api_post(client, URL, token_for(people.officer), plan_body())
    _, answer = api_get(client, f"/api/v1/households/{other.id}", token_for(people.commander))
    assert answer["scheduled_visit"] is None


def test_planning_again_twice_keeps_a_done_household_out(
    people, hamlet_households, client, token_for
):
    """Plan A; a household is visited; plan B leaves it out; plan C (new hours, say) keeps it
    out: its check is done, whatever the plan before did with it."""
    headers = token_for(people.officer)
    url = f"/api/v1/units/{HAMLET1}/schedule"
    assert api_post(client, url, headers, plan_body())[0] == 201
    done = hamlet_households[0]
    schedule = db.session.scalar(select(VisitSchedule))
    done.last_visit_at = schedule.created_at - timedelta(minutes=5)
    schedule.created_at -= timedelta(minutes=10)  # plan A, the visit, then plans B and C
    db.session.commit()
    for day_end in ("12:00", "12:30"):
        status, plan = api_post(client, url, headers, plan_body(day_end=day_end))
        assert status == 201, plan
        assert plan["left_out"] == 1, day_end
        assert done.id not in {v["household_id"] for v in plan["visits"]}, day_end
