"""Scope matrix: each role sees and changes only what lies inside its unit.

Users: admin of province 01 (outside), commander of commune 19777 (outside), officer of
20179 (inside), village head of hamlet 20179-001 (inside, names only, no writes).
Data: household A in 20179-001, household B in 20179-002, a correction and a visit on A.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.people.models import Correction
from tests.factories import api_get, api_post

ROLES = {
    "admin_01": ("admin", "01"),
    "commander_19777": ("commander", "19777"),
    "officer_20179": ("officer", "20179"),
    "village_head_001": ("village_head", "20179-001"),
}

# What each role gets: (GET A, GET B, list holds, GET resident, PATCH resident, visits list,
# corrections list holds, PATCH correction, POST household in 20179-001). The officer is not
# the one who found the correction and has no hamlet assigned: they see it but may not review it.
EXPECTED = {
    "admin_01": (404, 404, set(), 404, 404, set(), 0, 404, 404),
    "commander_19777": (404, 404, set(), 404, 404, set(), 0, 404, 404),
    "officer_20179": (200, 200, {"A", "B"}, 200, 200, {"A"}, 1, 403, 201),
    "village_head_001": (200, 404, {"A"}, 403, 403, 403, 403, 403, 403),
}


@pytest.fixture
def data(client, world, make_user, make_household, token_for):
    a = make_household("20179-001", code="A", residents=[{"full_name": "Hồ Văn Nhờ"}])
    b = make_household("20179-002", code="B", residents=[{"full_name": "Lê Thị Hoa"}])
    officer = make_user("officer", "20179")
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": a.id,
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "location": {"lat": a.lat, "lon": a.lon, "accuracy_m": 10},
        "outcome": "met",
        "residents": [
            {
                "resident_id": a.residents[0].id,
                "corrections": [{"field": "ethnicity", "proposed": "Cơ Tu"}],
            }
        ],
    }
    status, answer = api_post(client, "/api/v1/visits", token_for(officer), body)
    assert status == 201
    return {
        "A": a,
        "B": b,
        "correction": answer["corrections"][0]["id"],
        "resident": a.residents[0],
    }


@pytest.mark.parametrize("who", list(ROLES))
def test_scope(client, data, make_user, token_for, who):
    role, unit = ROLES[who]
    headers = token_for(make_user(role, unit))
    (get_a, get_b, listed, get_res, patch_res, visits, corrections, patch_corr, post_household) = (
        EXPECTED[who]
    )
    a, b, resident = data["A"], data["B"], data["resident"]
    assert api_get(client, f"/api/v1/households/{a.id}", headers)[0] == get_a
    assert api_get(client, f"/api/v1/households/{b.id}", headers)[0] == get_b
    status, page = api_get(client, "/api/v1/households", headers)
    assert status == 200
    assert {h["code"] for h in page["items"]} == listed
    assert api_get(client, f"/api/v1/residents/{resident.id}", headers)[0] == get_res
    response = client.patch(
        f"/api/v1/residents/{resident.id}",
        json={"phone": "0912000111"},
        headers={**headers, "If-Match": str(resident.version)},
    )
    assert response.status_code == patch_res
    status, page = api_get(client, "/api/v1/visits", headers)
    if visits == 403:
        assert status == 403
    else:
        assert {v["household_id"] for v in page["items"]} == {data[k].id for k in visits}
    status, page = api_get(client, "/api/v1/corrections", headers)
    assert (status if corrections == 403 else page["total"]) == corrections
    db.session.expire_all()
    version = db.session.get(Correction, data["correction"]).version
    response = client.patch(
        f"/api/v1/corrections/{data['correction']}",
        json={"status": "verified"},
        headers={**headers, "If-Match": str(version)},
    )
    assert response.status_code == patch_corr
    status, _ = api_post(
        client,
        "/api/v1/households",
        headers,
        {
            "hamlet_code": "20179-001",
            "address": "Thôn 1",
            "residents": [{"full_name": "Người Mới"}],
        },
    )
    assert status == post_household
    # Nobody but officers submits visits.
    expected_visit = 201 if role == "officer" else 403
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": a.id,
        "visited_at": datetime.now(UTC).isoformat(),
        "outcome": "nobody_home",
        "location": None,
        "location_missing_reason": "timeout",
    }
    assert api_post(client, "/api/v1/visits", headers, body)[0] == expected_visit


def test_officer_of_another_commune_cannot_visit_or_see(client, data, make_user, token_for):
    headers = token_for(make_user("officer", "19777"))
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": data["A"].id,
        "visited_at": datetime.now(UTC).isoformat(),
        "outcome": "nobody_home",
        "location": None,
        "location_missing_reason": "timeout",
    }
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert (status, list(answer["errors"])) == (404, ["household_id"])
    assert api_get(client, "/api/v1/visits", headers)[1]["total"] == 0
    assert api_get(client, "/api/v1/visits/rejected", headers)[1]["total"] == 1
