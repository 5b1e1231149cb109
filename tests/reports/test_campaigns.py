"""Campaigns: creation, targets (explicit and spread), progress against a straight-line plan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import today_in_vietnam
from app.reports.campaigns import largest_remainder
from app.reports.models import Campaign
from app.reports.progress import Schedule, percent
from tests.factories import api_get, api_post
from tests.reports.conftest import at_days_ago


def _put(client, url, headers, body):
    response = client.put(url, headers=headers, json=body)
    return response.status_code, response.get_json(silent=True)


def _campaign(client, headers, **overrides):
    body = {
        "name": "Cao điểm 30 ngày",
        "starts_on": (today_in_vietnam() - timedelta(days=9)).isoformat(),
        "ends_on": (today_in_vietnam() + timedelta(days=20)).isoformat(),
        "unit": "20179",
        "metrics": ["households_visited", "id_collected", "eid_level2_active"],
        **overrides,
    }
    status, answer = api_post(client, "/api/v1/campaigns", headers, body)
    assert status == 201, answer
    return answer


def test_create_and_list(client, world, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    made = _campaign(client, headers)
    assert made["unit"] == {"code": "20179", "name": "Xã Nam Đông", "level": "commune"}
    assert made["metrics"] == ["households_visited", "id_collected", "eid_level2_active"]
    assert made["targets"] == []
    status, listing = api_get(client, "/api/v1/campaigns", headers)
    assert status == 200 and listing["total"] == 1
    assert listing["items"][0]["id"] == made["id"]
    other = token_for(make_user("commander", "19777"))
    assert api_get(client, "/api/v1/campaigns", other)[1]["total"] == 0
    assert api_get(client, f"/api/v1/campaigns/{made['id']}", other)[0] == 404
    province = token_for(make_user("admin", "46"))
    assert api_get(client, "/api/v1/campaigns", province)[1]["total"] == 1
    assert api_get(client, f"/api/v1/campaigns/{made['id']}", headers)[0] == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"metrics": ["households"]}, "metrics.0"),
        ({"metrics": []}, "metrics"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"unit": "20179-001"}, "unit"),
        ({"name": ""}, "name"),
        ({"starts_on": "22/11/2026"}, "starts_on"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_create_refuses_bad_input(client, world, make_user, token_for, change, field):
    headers = token_for(make_user("commander", "20179"))
    body = {
        "name": "X",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "unit": "20179",
        "metrics": ["households_visited"],
        **change,
    }
    status, answer = api_post(client, "/api/v1/campaigns", headers, body)
    assert status == 422, answer
    assert field in answer["errors"], answer


def test_create_needs_a_commander_in_scope(client, world, make_user, token_for):
    body = {
        "name": "X",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "unit": "46",
        "metrics": ["households_visited"],
    }
    commune = token_for(make_user("commander", "20179"))
    assert api_post(client, "/api/v1/campaigns", commune, body)[0] == 404
    officer = token_for(make_user("officer", "20179"))
    assert api_post(client, "/api/v1/campaigns", officer, {**body, "unit": "20179"})[0] == 403
    assert api_get(client, "/api/v1/campaigns", officer)[0] == 403


def test_explicit_targets_replace_a_metrics_targets(client, world, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    made = _campaign(client, headers)
    url = f"/api/v1/campaigns/{made['id']}/targets"
    status, answer = _put(
        client,
        url,
        headers,
        {
            "targets": [
                {"unit": "20179-001", "metric": "households_visited", "target": 2},
                {"unit": "20179-002", "metric": "households_visited", "target": 3},
                {"unit": "20179-001", "metric": "id_collected", "target": 5},
            ]
        },
    )
    assert status == 200, answer
    assert [(t["unit"], t["metric"], t["target"]) for t in answer["targets"]] == [
        ("20179-001", "households_visited", 2),
        ("20179-002", "households_visited", 3),
        ("20179-001", "id_collected", 5),
    ]
    status, answer = _put(
        client,
        url,
        headers,
        {"targets": [{"unit": "20179-003", "metric": "households_visited", "target": 1}]},
    )
    assert [(t["unit"], t["metric"], t["target"]) for t in answer["targets"]] == [
        ("20179-003", "households_visited", 1),
        ("20179-001", "id_collected", 5),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"targets": [{"unit": "19777-001", "metric": "id_collected", "target": 1}]},
            "targets.0.unit",
        ),
        (
            {"targets": [{"unit": "20179-001", "metric": "id_collected", "target": -1}]},
            "targets.0.target",
        ),
        ({}, "_schema"),
        (
            {
                "targets": [{"unit": "20179-001", "metric": "id_collected", "target": 1}],
                "spread": {"metric": "id_collected", "total": 3},
            },
            "_schema",
        ),
        ({"spread": {"metric": "id_collected", "total": 3, "by": "area"}}, "spread.by"),
    ],
)
def test_targets_refuse_bad_input(client, world, make_user, token_for, body, field):
    headers = token_for(make_user("commander", "20179"))
    made = _campaign(client, headers)
    status, answer = _put(client, f"/api/v1/campaigns/{made['id']}/targets", headers, body)
    assert status == 422, answer
    assert field in answer["errors"], answer


def test_target_for_a_metric_the_campaign_lacks(client, world, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    made = _campaign(client, headers, metrics=["households_visited"])
    status, answer = _put(
        client,
        f"/api/v1/campaigns/{made['id']}/targets",
        headers,
        {"spread": {"metric": "eid_level2_active", "total": 10}},
    )
    assert status == 422 and "spread.metric" in answer["errors"]


def test_spread_by_households_and_by_eligible_residents(client, counted, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    made = _campaign(client, headers)
    url = f"/api/v1/campaigns/{made['id']}/targets"
    # Households 4, 2, 0 -> 6.67, 3.33, 0 -> 7, 3, 0.
    status, answer = _put(
        client, url, headers, {"spread": {"metric": "households_visited", "total": 10}}
    )
    assert status == 200, answer
    assert {t["unit"]: t["target"] for t in answer["targets"]} == {
        "20179-001": 7,
        "20179-002": 3,
        "20179-003": 0,
    }
    # Eligible residents 6, 2, 0 -> 7.5, 2.5 -> the tie goes to the first hamlet.
    status, answer = _put(
        client,
        url,
        headers,
        {"spread": {"metric": "id_collected", "total": 10, "by": "eligible_residents"}},
    )
    spread = {t["unit"]: t["target"] for t in answer["targets"] if t["metric"] == "id_collected"}
    assert spread == {"20179-001": 8, "20179-002": 2, "20179-003": 0}


def test_largest_remainder_adds_up():
    assert largest_remainder(10, {1: 1, 2: 1, 3: 1}) == {1: 4, 2: 3, 3: 3}
    assert largest_remainder(5, {1: 0, 2: 0}) == {1: 3, 2: 2}
    assert largest_remainder(7, {}) == {}
    parts = largest_remainder(1000, {i: i * 7 % 13 + 1 for i in range(1, 40)})
    assert sum(parts.values()) == 1000


def test_percent_and_plan():
    assert percent(11661, 10000) == "116.61"
    assert percent(2, 3) == "66.67"
    assert percent(5, 0) is None and percent(5, None) is None
    # Short of the target never reads 100: only a target reached does.
    assert percent(19_999, 20_000) == "99.99" and percent(20_000, 20_000) == "100.00"
    campaign = Campaign(
        starts_on=today_in_vietnam() - timedelta(days=9),
        ends_on=today_in_vietnam() + timedelta(days=20),
    )
    plan = Schedule.of(campaign, today_in_vietnam())
    assert (plan.total_days, plan.elapsed_days, plan.status) == (30, 10, "running")
    assert plan.expected(30) == 10.0
    assert plan.days_ahead(15, 30) == 5.0
    assert plan.days_ahead(5, 30) == -5.0
    before = Schedule.of(campaign, campaign.starts_on - timedelta(days=1))
    assert (before.elapsed_days, before.status) == (0, "upcoming")
    after = Schedule.of(campaign, campaign.ends_on + timedelta(days=3))
    assert (after.elapsed_days, after.status) == (30, "ended")


def test_progress_per_hamlet(client, counted, make_user, token_for, add_change):
    headers = token_for(make_user("commander", "20179"))
    made = _campaign(client, headers)
    cid = made["id"]
    _put(
        client,
        f"/api/v1/campaigns/{cid}/targets",
        headers,
        {
            "targets": [
                {"unit": "20179-001", "metric": "households_visited", "target": 2},
                {"unit": "20179-002", "metric": "households_visited", "target": 3},
                {"unit": "20179-003", "metric": "households_visited", "target": 1},
                {"unit": "20179-001", "metric": "id_collected", "target": 2},
            ]
        },
    )
    hh = counted.households
    b1, f1 = hh["B"].residents[0], hh["F"].residents[0]
    a3 = hh["A"].residents[2]
    add_change(b1, "id_card", "not_collected", "collected", at=at_days_ago(1))
    add_change(hh["A"].residents[1], "id_card", "collected", "issued", at=at_days_ago(1))
    add_change(a3, "id_card", "not_collected", "collected", at=at_days_ago(40))  # before
    add_change(f1, "id_card", "not_collected", "collected", at=at_days_ago(2))
    add_change(f1, "id_card", "collected", "not_collected", at=at_days_ago(1))  # undone
    # Synced late: the change row is recent, the visit that saw it inside the period.
    late_visit = counted.visits["C"]
    add_change(hh["C"].residents[1], "id_card", "not_collected", "issued", visit=late_visit)
    status, body = api_get(client, f"/api/v1/campaigns/{cid}/progress", headers)
    assert status == 200, body
    assert (body["total_days"], body["elapsed_days"], body["status"]) == (30, 10, "running")
    visited = body["metrics"][0]
    assert visited["metric"] == "households_visited"
    assert (visited["count"], visited["target"], visited["percent"]) == (3, 6, "50.00")
    units = {u["code"]: u for u in visited["units"]}
    assert units["20179-001"] == {
        "code": "20179-001",
        "name": "Thôn 1",
        "count": 2,
        "target": 2,
        "percent": "100.00",
        "done": True,
        "rank": 1,
        "expected": 0.7,
        "days_ahead": 20.0,
    }
    assert (units["20179-002"]["percent"], units["20179-002"]["rank"]) == ("33.33", 2)
    assert units["20179-002"]["days_ahead"] == 0.0
    assert (units["20179-003"]["percent"], units["20179-003"]["days_ahead"]) == ("0.00", -10.0)
    assert (visited["units_done"], visited["units_with_target"]) == (1, 3)
    assert visited["summary"] == "1/3 thôn hoàn thành"
    ids = body["metrics"][1]
    assert ids["metric"] == "id_collected"
    assert {u["code"]: u["count"] for u in ids["units"]} == {
        "20179-001": 2,
        "20179-002": 0,
        "20179-003": 0,
    }
    assert ids["units"][0]["done"] is True and ids["summary"] == "1/1 thôn hoàn thành"
    eid = body["metrics"][2]
    assert eid["count"] == 0 and eid["target"] is None and eid["percent"] is None
    assert eid["summary"] == "0/0 thôn hoàn thành"


def test_province_progress_can_pass_the_target(client, counted, make_user, token_for):
    headers = token_for(make_user("admin", "46"))
    made = _campaign(client, headers, unit="46", metrics=["households_visited"])
    cid = made["id"]
    status, answer = _put(
        client,
        f"/api/v1/campaigns/{cid}/targets",
        headers,
        {
            "targets": [
                {"unit": "20179", "metric": "households_visited", "target": 2},
                {"unit": "19777", "metric": "households_visited", "target": 1},
            ]
        },
    )
    assert status == 200, answer
    body = api_get(client, f"/api/v1/campaigns/{cid}/progress", headers)[1]
    metric = body["metrics"][0]
    assert metric["summary"] == "2/2 xã hoàn thành"
    assert (metric["count"], metric["target"], metric["percent"]) == (4, 3, "133.33")
    units = {u["code"]: u for u in metric["units"]}
    assert units["20179"]["percent"] == "150.00" and units["20179"]["rank"] == 1
    assert units["19777"]["percent"] == "100.00" and units["19777"]["rank"] == 2
    commune = token_for(make_user("commander", "20179"))
    assert api_get(client, f"/api/v1/campaigns/{cid}/progress", commune)[0] == 404
    status, body = api_get(client, f"/api/v1/campaigns/{cid}/progress?on=2020-01-01", headers)
    assert body["status"] == "upcoming" and body["elapsed_days"] == 0
