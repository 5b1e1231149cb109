"""Households: search without diacritics, names only for village heads, found in the field."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.people.models import Household, Resident
from tests.factories import api_get, api_post


def test_list_with_residents_and_masked_ids(client, headers, household, neighbour):
    status, page = api_get(client, "/api/v1/households", headers)
    assert status == 200
    assert page["total"] == 2
    assert [h["code"] for h in page["items"]] == ["HO-00812", "HO-00900"]
    first = page["items"][0]
    assert first["hamlet_code"] == "20179-001"
    assert first["location"]["source"] == "known"
    head = first["residents"][0]
    assert head["full_name"] == "Hồ Văn Nhờ"
    assert head["id_number"] == "********0123"
    assert (head["eid"], head["phone"], head["date_of_birth"]) == (
        "level1",
        "0912345678",
        "1968-03-02",
    )
    assert first["residents"][1]["date_of_birth"] == "1990"


def test_search_ignores_diacritics_over_names_and_address(client, headers, household, neighbour):
    def codes(q):
        status, page = api_get(client, f"/api/v1/households?q={q}", headers)
        assert status == 200
        return [h["code"] for h in page["items"]]

    assert codes("nho") == ["HO-00812"]
    assert codes("DANG VAN DUC") == ["HO-00900"]
    assert codes("Đức") == ["HO-00900"]
    assert codes("thon 2") == ["HO-00900"]
    assert codes("nam dong") == ["HO-00812", "HO-00900"]
    assert codes("100%") == []
    assert codes("_") == []
    status, page = api_get(client, "/api/v1/households?hamlet=20179-002", headers)
    assert [h["code"] for h in page["items"]] == ["HO-00900"]
    status, page = api_get(client, "/api/v1/households?per_page=1&page=2", headers)
    assert status == 200
    assert (page["total"], [h["code"] for h in page["items"]]) == (2, ["HO-00900"])


def test_village_head_reads_names_only_in_own_hamlet(
    client, make_user, token_for, household, neighbour
):
    head = token_for(make_user("village_head", "20179-001"))
    status, page = api_get(client, "/api/v1/households", head)
    assert status == 200
    assert [h["code"] for h in page["items"]] == ["HO-00812"]
    item = page["items"][0]
    assert set(item) == {"id", "code", "address", "hamlet_code", "residents"}
    assert all(set(r) == {"id", "household_id", "full_name"} for r in item["residents"])
    status, one = api_get(client, f"/api/v1/households/{household.id}", head)
    assert status == 200 and "id_number" not in one["residents"][0]
    assert api_get(client, f"/api/v1/households/{neighbour.id}", head)[0] == 404
    assert api_get(client, f"/api/v1/residents/{household.residents[0].id}", head)[0] == 403


FIELD_HOUSEHOLD = {
    "hamlet_code": "20179-003",
    "address": "Thôn 3, xã Nam Đông",
    "location": {"lat": 16.151, "lon": 107.69},
    "residents": [
        {
            "full_name": "Hồ Văn Nhờ",
            "date_of_birth": "1968",
            "sex": "male",
            "id_number": "046068000124",
            "relationship": "head",
        }
    ],
}


def test_household_found_in_the_field(client, headers, officer):
    status, answer = api_post(client, "/api/v1/households", headers, FIELD_HOUSEHOLD)
    assert status == 201, answer
    assert answer["code"] == f"F-{answer['id']}"
    assert answer["hamlet_code"] == "20179-003"
    assert answer["location"] == {"lat": 16.151, "lon": 107.69, "source": "known"}
    assert answer["source"] == "field"
    assert answer["corrections"] == []
    created = db.session.get(Household, answer["id"])
    assert created.created_by_id == officer.id
    assert "ho van nho" in created.search_text
    resident = db.session.scalar(select(Resident).where(Resident.household_id == created.id))
    assert (resident.birth_year, resident.birth_date, resident.name_folded) == (
        1968,
        None,
        "ho van nho",
    )
    assert answer["residents"][0]["id_number"] == "********0124"


def test_field_household_is_checked_like_any_other(client, headers, household):
    body = dict(
        FIELD_HOUSEHOLD,
        residents=[
            {
                "full_name": "Hồ Thị Na",
                "sex": "male",
                "date_of_birth": "1990-02-02",
                "id_number": "046190000999",
            },
            {"full_name": "Hồ Thị Mai", "date_of_birth": "1990"},
        ],
    )
    status, answer = api_post(client, "/api/v1/households", headers, body)
    assert status == 201, answer
    rules = sorted((c["resident_name"], c["rule"]) for c in answer["corrections"])
    assert rules == [("Hồ Thị Mai", "probable_duplicate"), ("Hồ Thị Na", "id_sex")]


def test_id_number_on_file_is_refused_naming_the_household(
    client, headers, household, make_household
):
    body = dict(FIELD_HOUSEHOLD, residents=[{"full_name": "Ai Đó", "id_number": "046068000123"}])
    status, answer = api_post(client, "/api/v1/households", headers, body)
    assert status == 409
    [message] = answer["errors"]["residents.0.id_number"]
    assert "HO-00812" in message
    make_household(
        "00004-001",
        code="HN-1",
        residents=[{"full_name": "Người Hà Nội", "id_number": "001090000001"}],
    )
    body = dict(FIELD_HOUSEHOLD, residents=[{"full_name": "Ai Đó", "id_number": "001090000001"}])
    status, answer = api_post(client, "/api/v1/households", headers, body)
    assert status == 409
    assert "HN-1" not in answer["errors"]["residents.0.id_number"][0]
    two = dict(
        FIELD_HOUSEHOLD,
        residents=[
            {"full_name": "A", "id_number": "046090000001"},
            {"full_name": "B", "id_number": "046090000001"},
        ],
    )
    status, answer = api_post(client, "/api/v1/households", headers, two)
    assert (status, list(answer["errors"])) == (422, ["residents.1.id_number"])
    assert db.session.query(Household).count() == 2


def test_field_household_refusals(client, headers, make_user, token_for):
    cases = [
        (dict(FIELD_HOUSEHOLD, hamlet_code="19777-001"), 404, "hamlet_code"),
        (dict(FIELD_HOUSEHOLD, hamlet_code="20179"), 404, "hamlet_code"),
        (dict(FIELD_HOUSEHOLD, location={"lat": 107.69, "lon": 16.151}), 422, "location.lat"),
        (dict(FIELD_HOUSEHOLD, location={"lat": "16.1", "lon": 107.6}), 422, "location.lat"),
        (dict(FIELD_HOUSEHOLD, residents=[]), 422, "residents"),
        (dict(FIELD_HOUSEHOLD, address=" "), 422, "address"),
        (dict(FIELD_HOUSEHOLD, residents=[{"full_name": "X", "sex": "m"}]), 422, "residents.0.sex"),
        (
            dict(FIELD_HOUSEHOLD, residents=[{"full_name": "X", "phone": "call me"}]),
            422,
            "residents.0.phone",
        ),
    ]
    for body, code, field in cases:
        status, answer = api_post(client, "/api/v1/households", headers, body)
        assert (status, field in (answer.get("errors") or {})) == (code, True), (body, answer)
    head = token_for(make_user("village_head", "20179-003"))
    assert api_post(client, "/api/v1/households", head, FIELD_HOUSEHOLD)[0] == 403
    commander = token_for(make_user("commander", "46"))
    assert api_post(client, "/api/v1/households", commander, FIELD_HOUSEHOLD)[0] == 201
    assert db.session.query(Household).count() == 1
