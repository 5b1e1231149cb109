"""Editing a campaign through the API: name, dates, metrics, the officers' ranking switch;
in scope only, commanders and admins only, bad input answered with clear JSON errors."""

from __future__ import annotations

import pytest

from tests.factories import api_get, api_post


def _patch(client, url, headers, body):
    response = client.patch(url, headers=headers, json=body)
    return response.status_code, response.get_json(silent=True)


@pytest.fixture
def made(client, world, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    status, answer = api_post(
        client,
        "/api/v1/campaigns",
        headers,
        {
            "name": "Cao điểm",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "unit": "20179",
            "metrics": ["households_visited", "id_collected"],
        },
    )
    assert status == 201, answer
    assert answer["show_ranking_to_officers"] is False
    targets = {
        "targets": [
            {"unit": "20179-001", "metric": "households_visited", "target": 4},
            {"unit": "20179-001", "metric": "id_collected", "target": 9},
        ]
    }
    url = f"/api/v1/campaigns/{answer['id']}/targets"
    response = client.put(url, headers=headers, json=targets)
    assert response.status_code == 200
    return {"headers": headers, "url": f"/api/v1/campaigns/{answer['id']}"}


def test_patch_changes_what_is_sent_and_drops_targets_of_dropped_metrics(client, made):
    status, answer = _patch(
        client,
        made["url"],
        made["headers"],
        {
            "name": "  Cao điểm tháng 12 ",
            "ends_on": "2026-12-31",
            "metrics": ["households_visited", "eid_level2_active"],
            "show_ranking_to_officers": True,
        },
    )
    assert status == 200, answer
    assert answer["name"] == "Cao điểm tháng 12"
    assert (answer["starts_on"], answer["ends_on"]) == ("2026-11-01", "2026-12-31")
    assert answer["metrics"] == ["households_visited", "eid_level2_active"]
    assert answer["show_ranking_to_officers"] is True
    assert [(t["metric"], t["target"]) for t in answer["targets"]] == [("households_visited", 4)]
    assert api_get(client, made["url"], made["headers"])[1]["name"] == "Cao điểm tháng 12"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "_schema"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"metrics": []}, "metrics"),
        ({"metrics": ["households"]}, "metrics.0"),
        ({"ends_on": "2026-10-01"}, "ends_on"),  # before the start kept on file
        ({"starts_on": "2026-12-05"}, "ends_on"),  # after the end kept on file
        ({"ends_on": "2035-01-01"}, "ends_on"),  # more than five years
        ({"starts_on": "1/11/2026"}, "starts_on"),
        ({"unit": "19777"}, "unit"),  # the unit never changes
        ({"show_ranking_to_officers": "maybe"}, "show_ranking_to_officers"),
    ],
)
def test_patch_refuses_bad_input_clearly(client, made, body, field):
    status, answer = _patch(client, made["url"], made["headers"], body)
    assert status == 422, answer
    assert field in answer["errors"], answer
    assert answer["code"] and answer["message"]
    assert api_get(client, made["url"], made["headers"])[1]["name"] == "Cao điểm"


def test_patch_in_english(client, made):
    headers = {**made["headers"], "Accept-Language": "en"}
    status, answer = _patch(client, made["url"], headers, {"ends_on": "2026-10-01"})
    assert status == 422
    assert "Ngày" not in answer["message"]


def test_patch_only_in_scope_and_by_commanders(client, made, make_user, token_for):
    body = {"name": "Đổi tên"}
    other = token_for(make_user("commander", "19777"))
    assert _patch(client, made["url"], other, body)[0] == 404
    officer = token_for(make_user("officer", "20179"))
    assert _patch(client, made["url"], officer, body)[0] == 403
    admin = token_for(make_user("admin", "46"))
    assert _patch(client, made["url"], admin, body)[0] == 200
    assert _patch(client, "/api/v1/campaigns/999999", admin, body)[0] == 404
    assert client.patch(made["url"], json=body).status_code == 401
