"""Reviewing corrections through the API: If-Match versions, the decision's rules (fixed on a
day of the national data, dismissed with a reason), who may review, the new list filters, the
bulk review one result per id, and the follow-ups that fixed and dismissed corrections close."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction
from tests.factories import api_get, api_post

TODAY = today_in_vietnam()


@pytest.fixture(autouse=True)
def quiet_followups():
    """Here the follow-up rules run: fixed and dismissed corrections must close theirs."""
    yield


def visit(client, headers, household, corrections):
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 10},
        "outcome": "met",
        "residents": [{"resident_id": household.residents[0].id, "corrections": corrections}],
    }
    status, answer = api_post(client, "/api/v1/visits", headers, body)
    assert status == 201, answer
    return [c["id"] for c in answer["corrections"]]


@pytest.fixture
def found(client, headers, household):
    """The officer reports a wrong ethnicity and a wrong birthplace for the head."""
    return visit(
        client,
        headers,
        household,
        [
            {"field": "ethnicity", "proposed": "Cơ Tu", "note": "theo giấy khai sinh"},
            {"field": "birthplace", "proposed": "Huế"},
        ],
    )


def version(correction_id):
    db.session.expire_all()
    return db.session.get(Correction, correction_id).version


def patch(client, headers, correction_id, body, if_match="current"):
    extra = {} if if_match is None else {"If-Match": if_match}
    if if_match == "current":
        extra["If-Match"] = str(version(correction_id))
    response = client.patch(
        f"/api/v1/corrections/{correction_id}", headers={**headers, **extra}, json=body
    )
    return response.status_code, response.get_json(), response.headers


def verify_documents(household):
    db.session.expire_all()
    return db.session.scalars(
        select(Followup).where(
            Followup.household_id == household.id, Followup.kind == "verify_documents"
        )
    ).all()


def test_if_match_missing_bad_and_stale(client, headers, found):
    first = found[0]
    status, body, _h = patch(client, headers, first, {"status": "verified"}, if_match=None)
    assert (status, list(body["errors"])) == (428, ["If-Match"])
    status, body, _h = patch(client, headers, first, {"status": "verified"}, if_match="abc")
    assert (status, list(body["errors"])) == (422, ["If-Match"])
    status, body, head = patch(client, headers, first, {"status": "verified"}, if_match='W/"1"')
    assert (status, body["status"], body["version"]) == (200, "verified", 2)
    assert head["ETag"] == '"2"'
    # Someone else already verified it: the old version answers 409 with the current record.
    status, body, _h = patch(
        client, headers, first, {"status": "dismissed", "reason": "đúng"}, if_match="1"
    )
    assert status == 409
    assert (body["current"]["status"], body["current"]["version"]) == ("verified", 2)
    assert body["current"]["id"] == first and "If-Match" in body["errors"]
    assert db.session.get(Correction, first).status == "verified"


def test_decision_rules_answer_422(client, headers, found):
    first = found[0]

    def refused(body):
        status, answer, _h = patch(client, headers, first, body)
        assert status == 422, answer
        assert answer["code"] == 422 and answer["message"]
        return list(answer["errors"])

    assert refused({"status": "fixed"}) == ["fixed_on"]
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert refused({"status": "fixed", "fixed_on": tomorrow}) == ["fixed_on"]
    long_ago = (TODAY - timedelta(days=30)).isoformat()
    assert refused({"status": "fixed", "fixed_on": long_ago}) == ["fixed_on"]
    assert refused({"status": "fixed", "fixed_on": "2026-02-30"}) == ["fixed_on"]
    assert refused({"status": "verified", "fixed_on": TODAY.isoformat()}) == ["fixed_on"]
    assert refused({"status": "dismissed"}) == ["reason"]
    assert refused({"status": "dismissed", "reason": "  "}) == ["reason"]
    assert refused({"status": "open"}) == ["status"]
    assert refused({"status": "closed"}) == ["status"]
    assert version(first) == 1  # nothing was written
    status, body, _h = patch(client, headers, first, {"status": "fixed", "fixed_on": str(TODAY)})
    assert (status, body["status"], body["fixed_on"]) == (200, "fixed", TODAY.isoformat())


def test_who_may_review(client, headers, found, make_user, token_for):
    first, second = found
    elsewhere = token_for(make_user("officer", "20179", hamlets=["20179-002"]))
    status, body, _h = patch(client, elsewhere, first, {"status": "verified"})
    assert status == 403 and body["message"]
    same_hamlet = token_for(make_user("officer", "20179", hamlets=["20179-001"]))
    assert patch(client, same_hamlet, first, {"status": "verified"})[0] == 200
    assert patch(client, token_for(make_user("commander", "19777")), second, {})[0] == 422
    far = token_for(make_user("commander", "19777"))
    assert patch(client, far, second, {"status": "verified"}, if_match="1")[0] == 404
    head = token_for(make_user("village_head", "20179-001"))
    assert patch(client, head, second, {"status": "verified"}, if_match="1")[0] == 403
    commander = token_for(make_user("commander", "20179"))
    assert patch(client, commander, second, {"status": "verified"})[0] == 200
    admin = token_for(make_user("admin", "46"))
    assert patch(client, admin, second, {"status": "dismissed", "reason": "đúng"})[0] == 200


def test_fixed_and_dismissed_close_the_follow_up_verified_does_not(
    client, headers, household, found
):
    first, second = found
    [followup] = verify_documents(household)
    assert followup.status == "open"
    assert patch(client, headers, first, {"status": "verified"})[0] == 200
    assert patch(client, headers, second, {"status": "verified"})[0] == 200
    assert verify_documents(household)[0].status == "open"  # verified: not yet fixed
    assert patch(client, headers, first, {"status": "fixed", "fixed_on": str(TODAY)})[0] == 200
    assert verify_documents(household)[0].status == "done"


def test_dismissed_closes_the_follow_up(client, headers, household):
    [only] = visit(client, headers, household, [{"field": "ethnicity", "proposed": "Tà Ôi"}])
    assert verify_documents(household)[0].status == "open"
    status, _b, _h = patch(client, headers, only, {"status": "dismissed", "reason": "đúng rồi"})
    assert status == 200
    assert verify_documents(household)[0].status == "done"


def test_list_filters_and_versions(
    client, headers, household, neighbour, found, make_user, token_for
):
    other = make_user("officer", "20179", hamlets=["20179-002"])
    [theirs] = visit(client, token_for(other), neighbour, [{"field": "sex", "proposed": "male"}])
    commander = token_for(make_user("commander", "20179"))

    def ids(query):
        status, page = api_get(client, f"/api/v1/corrections{query}", commander)
        assert status == 200, page
        return [item["id"] for item in page["items"]]

    assert ids("") == [theirs, *sorted(found, reverse=True)]
    assert ids("?hamlet=20179-002") == [theirs]
    assert ids("?hamlet=20179") == []  # a commune is not a hamlet
    assert ids("?hamlet=19777-001") == []
    assert ids(f"?found_by={other.id}") == [theirs]
    assert ids("?field=birthplace&status=open") == [found[1]]
    page = api_get(client, "/api/v1/corrections", commander)[1]
    assert {item["version"] for item in page["items"]} == {1}
    assert page["items"][0]["found_by"] == other.id
    assert api_get(client, "/api/v1/corrections?found_by=x", commander)[0] == 422


def test_bulk_review_one_result_per_id(client, headers, household, found, make_user, token_for):
    [third] = visit(client, headers, household, [{"field": "full_name", "proposed": "Hồ Văn Nhơ"}])
    first, second = found
    assert patch(client, headers, second, {"status": "verified"})[0] == 200  # second is now v2
    elsewhere = make_user("commander", "19777")
    commander = token_for(make_user("commander", "20179"))
    body = {
        "ids": [first, second, third, 999999],
        "versions": [1, 1, 1, 1],
        "status": "fixed",
        "fixed_on": TODAY.isoformat(),
    }
    status, answer = api_post(client, "/api/v1/corrections/review", commander, body)
    assert status == 200, answer
    results = answer["results"]
    assert [r["result"] for r in results] == ["ok", "conflict", "ok", "error"]
    assert [r["code"] for r in results] == [200, 409, 200, 404]
    assert results[0]["correction"]["status"] == "fixed"
    assert (results[1]["correction"]["status"], results[1]["correction"]["version"]) == (
        "verified",
        2,
    )
    assert results[3]["correction"] is None
    db.session.expire_all()
    statuses = [db.session.get(Correction, i).status for i in (first, second, third)]
    assert statuses == ["fixed", "verified", "fixed"]
    assert db.session.get(Correction, third).resident.full_name == "Hồ Văn Nhơ"
    # Invalid for every item: each answers an error, nothing is written.
    body = {"ids": [second], "versions": [2], "status": "dismissed"}
    [result] = api_post(client, "/api/v1/corrections/review", commander, body)[1]["results"]
    assert (result["result"], list(result["errors"])) == ("error", ["reason"])
    refused = {"ids": [first, second], "versions": [1], "status": "verified"}
    assert api_post(client, "/api/v1/corrections/review", commander, refused)[0] == 422
    far = {"ids": [second], "versions": [2], "status": "verified"}
    [result] = api_post(client, "/api/v1/corrections/review", token_for(elsewhere), far)[1][
        "results"
    ]
    assert (result["result"], result["code"]) == ("error", 404)
