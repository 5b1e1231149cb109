"""The demo's main API answers keep their field names (API.md is the contract).

The snapshot (`snapshots/api_shapes.json`) holds, for each answer, every key path it carries
(`items[].residents[].id_number`), taken from the demo before the redesign of answers. A
rename, a dropped field or a field moved to another level fails here. New fields are allowed
(API.md: add freely) but must be added to the snapshot on purpose:
`UPDATE_API_SNAPSHOT=1 pytest tests/foundation/test_api_snapshot.py` rewrites it.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.people.models import Household, Resident

SNAPSHOT = Path(__file__).with_name("snapshots") / "api_shapes.json"

# Objects whose keys are data (unit codes, field names), not field names of the contract.
DATA_KEYED = {"errors"}


def shape(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value; list items are merged under `[]`."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            if key not in DATA_KEYED:
                paths |= shape(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= shape(item, f"{prefix}[]")
    return paths


def _login(client, username: str) -> dict[str, str]:
    answer = client.post(
        "/api/v1/auth/token", json={"username": username, "password": "gocua-demo"}
    )
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def _answers(app, client) -> dict[str, Any]:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    token_answer = client.post(
        "/api/v1/auth/token", json={"username": "canbo1", "password": "gocua-demo"}
    ).get_json()
    token_answer["token"] = "…"
    officer = _login(client, "canbo1")
    commander = _login(client, "chihuy")
    head = _login(client, "truongthon1")

    households = client.get("/api/v1/households?per_page=5", headers=officer).get_json()
    household_id = households["items"][0]["id"]
    resident_id = db.session.scalar(
        select(Resident.id)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.id_number.is_not(None), Household.id == household_id)
        .limit(1)
    ) or db.session.scalar(select(Resident.id).where(Resident.household_id == household_id))
    campaign_id = client.get("/api/v1/campaigns", headers=commander).get_json()["items"][0]["id"]
    followups = client.get(
        "/api/v1/followups?mine=1&status=open&near=16.06,107.73", headers=officer
    ).get_json()

    visit = {
        "client_id": str(uuid.uuid4()),
        "household_id": household_id,
        "visited_at": datetime.now(UTC).isoformat(),
        "location": {"lat": 16.06468, "lon": 107.73449, "accuracy_m": 9},
        "outcome": "met",
        "residents": [
            {
                "resident_id": resident_id,
                "presence": "present",
                "id_card": "issued",
                "eid": "level1",
                "has_smartphone": True,
                "corrections": [{"field": "date_of_birth", "proposed": "1993-04-12"}],
            }
        ],
        "new_residents": [
            {"full_name": "Trần Gia Bảo", "date_of_birth": "2025-06-01", "sex": "male"}
        ],
        "note": "",
    }
    created = client.post("/api/v1/visits", json=visit, headers=officer)
    assert created.status_code == 201, created.get_json()
    duplicate = client.post("/api/v1/visits", json=visit, headers=officer)
    bad = {**visit, "client_id": str(uuid.uuid4()), "outcome": "asleep"}
    batch = client.post("/api/v1/visits/batch", json={"visits": [visit, bad]}, headers=officer)
    returnee = client.post(
        "/api/v1/returnees",
        json={"full_name": "Hồ Văn Về", "returned_on": datetime.now(UTC).date().isoformat()},
        headers=head,
    )
    assert returnee.status_code == 201, returnee.get_json()

    gets = {
        "me": ("/api/v1/me", officer),
        "unit": ("/api/v1/units/20179", commander),
        "unit_children": ("/api/v1/units/20179/children", commander),
        "households": ("/api/v1/households?per_page=5", officer),
        "households_village_head": ("/api/v1/households?per_page=5", head),
        "household": (f"/api/v1/households/{household_id}", officer),
        "resident": (f"/api/v1/residents/{resident_id}", officer),
        "visits": ("/api/v1/visits?per_page=5", commander),
        "visits_rejected": ("/api/v1/visits/rejected", commander),
        "followups": ("/api/v1/followups?per_page=5", commander),
        "followup": (f"/api/v1/followups/{followups['items'][0]['id']}", officer),
        "followups_overdue_summary": ("/api/v1/followups/overdue-summary", commander),
        "followups_away": ("/api/v1/followups/away", head),
        "returnees": ("/api/v1/returnees", head),
        "corrections": ("/api/v1/corrections?status=open&per_page=5", commander),
        "coverage": ("/api/v1/coverage?unit=20179", commander),
        "coverage_campaign": (f"/api/v1/coverage?unit=20179&campaign={campaign_id}", commander),
        "campaigns": ("/api/v1/campaigns", commander),
        "campaign": (f"/api/v1/campaigns/{campaign_id}", commander),
        "campaign_progress": (f"/api/v1/campaigns/{campaign_id}/progress", commander),
    }
    answers: dict[str, Any] = {
        "auth_token": token_answer,
        "followups_near": followups,
        "visit_created": created.get_json(),
        "visit_duplicate": duplicate.get_json(),
        "visit_batch": batch.get_json(),
        "returnee_created": returnee.get_json(),
        "error_not_found": client.get("/api/v1/households/2000000000", headers=officer).get_json(),
    }
    for name, (url, headers) in gets.items():
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, (name, answer.get_json())
        answers[name] = answer.get_json()
    return answers


def test_main_answers_keep_their_field_names(app, client):
    shapes = {name: sorted(shape(body)) for name, body in _answers(app, client).items()}
    if os.environ.get("UPDATE_API_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(shapes, indent=1, ensure_ascii=False) + "\n", "utf-8")
        pytest.skip("snapshot rewritten")
    expected = json.loads(SNAPSHOT.read_text("utf-8"))
    assert len(expected) >= 27  # the snapshot holds every main answer
    assert sorted(shapes) == sorted(expected)
    for name, paths in expected.items():
        missing = sorted(set(paths) - set(shapes[name]))
        added = sorted(set(shapes[name]) - set(paths))
        assert not missing, f"{name}: fields gone or renamed: {missing}"
        assert not added, f"{name}: new fields, add them to the snapshot on purpose: {added}"
