"""One resident: the full record with history; changes need the current version (If-Match)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.people.models import Household, Resident, StatusChange


def patch(client, url, headers, body, version=None):
    extra = dict(headers)
    if version is not None:
        extra["If-Match"] = str(version)
    response = client.patch(url, headers=extra, json=body)
    return response.status_code, response.get_json(silent=True), response.headers


def test_full_record_with_etag(client, headers, household):
    head = household.residents[0]
    response = client.get(f"/api/v1/residents/{head.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id_number"] == "********0123"
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert body["household"] == {
        "id": household.id,
        "code": "HO-00812",
        "address": "Thôn 1, xã Nam Đông",
        "hamlet_code": "20179-001",
    }
    assert body["history"] == [] and body["corrections"] == []


def test_change_with_current_version(client, headers, household, officer):
    head = household.residents[0]
    url = f"/api/v1/residents/{head.id}"
    status, body, response_headers = patch(
        client,
        url,
        headers,
        {"full_name": "hồ văn  nhơ", "eid": "level2_active", "phone": "0912 345 679"},
        version='W/"1"',
    )
    assert status == 200, body
    assert (body["full_name"], body["eid"], body["phone"], body["version"]) == (
        "Hồ Văn Nhơ",
        "level2_active",
        "0912345679",
        2,
    )
    assert response_headers["ETag"] == '"2"'
    changes = db.session.execute(
        select(
            StatusChange.field,
            StatusChange.old_value,
            StatusChange.new_value,
            StatusChange.user_id,
            StatusChange.visit_id,
        )
        .where(StatusChange.resident_id == head.id)
        .order_by(StatusChange.field)
    ).all()
    assert [tuple(c) for c in changes] == [
        ("eid", "level1", "level2_active", officer.id, None),
        ("full_name", "Hồ Văn Nhờ", "Hồ Văn Nhơ", officer.id, None),
        ("phone", "0912345678", "0912345679", officer.id, None),
    ]
    assert {h["field"] for h in body["history"]} == {"eid", "full_name", "phone"}
    assert db.session.get(Resident, head.id).name_folded == "ho van nho"
    assert "ho van nho" in db.session.get(Household, household.id).search_text


def test_if_match_required_and_stale_version_answers_current_record(client, headers, household):
    url = f"/api/v1/residents/{household.residents[0].id}"
    status, body, _ = patch(client, url, headers, {"eid": "level2_applied"})
    assert status == 428
    assert body["errors"] == {"If-Match": ["Trường này là bắt buộc."]}
    status, body, _ = patch(client, url, headers, {"eid": "level2_applied"}, version="abc")
    assert status == 422
    assert patch(client, url, headers, {"eid": "level2_applied"}, version=1)[0] == 200
    status, body, _ = patch(client, url, headers, {"eid": "level2_active"}, version=1)
    assert status == 409
    assert body["current"]["version"] == 2
    assert body["current"]["eid"] == "level2_applied"
    assert body["current"]["id_number"] == "********0123"


@pytest.mark.postgres_only  # on SQLite a writing request holds the write lock from its first read
def test_write_between_read_and_save_is_caught(client, headers, household, monkeypatch):
    """Another writer commits after our version check: the version column catches it."""
    from app.people import service

    head = household.residents[0]
    real = service.parse_version

    def then_someone_else_writes(if_match):
        with db.engine.begin() as other:
            other.execute(
                update(Resident)
                .where(Resident.id == head.id)
                .values(version=Resident.version + 1, ethnicity="Kinh")
            )
        return real(if_match)

    monkeypatch.setattr(service, "parse_version", then_someone_else_writes)
    status, body, _ = patch(
        client, f"/api/v1/residents/{head.id}", headers, {"ethnicity": "Cơ Tu"}, version=1
    )
    assert status == 409, body
    assert body["current"]["version"] == 2
    assert body["current"]["ethnicity"] == "Kinh"


def test_patch_refusals(client, headers, household, neighbour):
    head = household.residents[0]
    url = f"/api/v1/residents/{head.id}"
    for change, field in (
        ({}, "_schema"),
        ({"eid": "level9"}, "eid"),
        ({"has_smartphone": "true"}, "has_smartphone"),
        ({"date_of_birth": "1968-02-30"}, "date_of_birth"),
        ({"id_number": "04606800012"}, "id_number"),
        ({"version": 5}, "version"),
    ):
        status, body, _ = patch(client, url, headers, change, version=1)
        assert (status, field in body["errors"]) == (422, True), (change, body)
    taken = neighbour.residents[0]
    taken.id_number = "046075000111"
    db.session.commit()
    status, body, _ = patch(client, url, headers, {"id_number": "046075000111"}, version=1)
    assert status == 409
    assert "HO-00900" in body["errors"]["id_number"][0]
    assert db.session.get(Resident, head.id).version == 1


def test_patch_opens_server_findings(client, headers, household):
    wife = household.residents[1]
    status, body, _ = patch(
        client, f"/api/v1/residents/{wife.id}", headers, {"id_number": "046090000321"}, version=1
    )
    assert status == 200
    assert [(c["field"], c["rule"]) for c in body["opened"]] == [("sex", "id_sex")]
