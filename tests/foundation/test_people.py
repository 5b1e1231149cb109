"""The people API: listing users in scope, enrolling them with a one-time password, changing
their role, unit and hamlets; refusals outside the unit and of the admin role; last seen."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry, User, UserHamlet
from app.extensions import db


@pytest.fixture
def team(world, make_user, token_for) -> dict:
    commander = make_user("commander", "20179", username="chihuy")
    officer = make_user("officer", "20179", username="canbo", hamlets=["20179-001"])
    officer.full_name = "Nguyễn Thị Đào"
    far = make_user("officer", "19777", username="vyda")
    admin = make_user("admin", "46", username="quantri")
    db.session.commit()
    return {
        "commander": commander.id,
        "officer": officer.id,
        "far": far.id,
        "admin": admin.id,
        "boss": token_for(commander),
        "root": token_for(admin),
    }


def new_user(**extra) -> dict:
    return {
        "username": "canbo2",
        "full_name": "Lê Văn Hai",
        "role": "officer",
        "unit_code": "20179",
        "hamlet_codes": ["20179-002"],
        "phone": "0912 345 678",
        **extra,
    }


def test_list_in_scope_search_without_diacritics(client, team):
    body = client.get("/api/v1/users", headers=team["boss"]).get_json()
    names = {u["username"] for u in body["items"]}
    assert names == {"chihuy", "canbo"}  # not the admin, not Phường Vỹ Dạ's officer
    assert body["total"] == 2 and body["page"] == 1
    found = client.get("/api/v1/users?q=nguyen dao", headers=team["boss"]).get_json()
    assert [u["username"] for u in found["items"]] == ["canbo"]
    assert found["items"][0]["hamlets"][0]["code"] == "20179-001"
    by_role = client.get("/api/v1/users?role=commander", headers=team["boss"]).get_json()
    assert [u["username"] for u in by_role["items"]] == ["chihuy"]
    everyone = client.get("/api/v1/users", headers=team["root"]).get_json()
    assert {u["username"] for u in everyone["items"]} == {"chihuy", "canbo", "vyda", "quantri"}
    unit = client.get("/api/v1/users?unit=19777", headers=team["root"]).get_json()
    assert [u["username"] for u in unit["items"]] == ["vyda"]
    outside = client.get("/api/v1/users?unit=19777", headers=team["boss"])
    assert outside.status_code == 404 and outside.get_json()["message"]
    assert client.get("/api/v1/users?active=false", headers=team["boss"]).get_json()["total"] == 0
    never = client.get("/api/v1/users?seen=never", headers=team["boss"]).get_json()
    assert {u["username"] for u in never["items"]} == {"canbo"}  # the commander used a token


@pytest.mark.parametrize("query", ["role=king", "active=maybe", "per_page=0", "seen=x", "page=-1"])
def test_list_bad_filters_are_422(client, team, query):
    answer = client.get(f"/api/v1/users?{query}", headers=team["boss"])
    assert answer.status_code == 422 and answer.get_json()["errors"]


def test_create_answers_the_one_time_password_once(client, team):
    answer = client.post("/api/v1/users", json=new_user(), headers=team["boss"])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    password = body["one_time_password"]
    assert len(password) == 12
    assert body["must_change_password"] is True and body["phone"] == "0912 345 678"
    assert [h["code"] for h in body["hamlets"]] == ["20179-002"]
    again = client.get(f"/api/v1/users/{body['id']}", headers=team["boss"]).get_json()
    assert "one_time_password" not in again
    assert password not in str(
        client.get("/api/v1/users", headers=team["boss"]).get_data(as_text=True)
    )
    # The new user signs in with it and must change it first.
    token = client.post("/api/v1/auth/token", json={"username": "canbo2", "password": password})
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    held = client.get("/api/v1/households", headers=headers)
    assert held.status_code == 403 and held.get_json()["reason"] == "password_change_required"
    db.session.rollback()
    [created] = [
        e
        for e in db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "create", AuditEntry.object_type == "users"
            )
        )
        if e.changes.get("username") == "canbo2"
    ]
    assert created.user_id == team["commander"]
    assert created.changes["password_hash"] == "***" and password not in str(created.changes)


def test_commander_never_creates_an_admin_nor_outside(client, team):
    admin = client.post(
        "/api/v1/users",
        json=new_user(role="admin", unit_code="20179", hamlet_codes=[]),
        headers=team["boss"],
    )
    assert admin.status_code == 403
    assert "quản trị" in admin.get_json()["message"]
    outside = client.post(
        "/api/v1/users", json=new_user(unit_code="19777", hamlet_codes=[]), headers=team["boss"]
    )
    assert outside.status_code == 403 and "đơn vị" in outside.get_json()["message"]
    english = client.post(
        "/api/v1/users",
        json=new_user(unit_code="19777", hamlet_codes=[]),
        headers={**team["boss"], "Accept-Language": "en"},
    )
    assert english.status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "canbo2")) is None
    made = client.post(
        "/api/v1/users",
        json=new_user(role="admin", unit_code="46", hamlet_codes=[]),
        headers=team["root"],
    )
    assert made.status_code == 201, made.get_json()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"username": "canbo"}, 409, "username"),
        ({"username": "CANBO"}, 409, "username"),
        ({"username": "có dấu"}, 422, "username"),
        ({"unit_code": "99999"}, 422, "unit_code"),
        ({"role": "village_head"}, 422, "unit_code"),  # a village head sits on a hamlet
        ({"hamlet_codes": ["19777-001"]}, 422, "hamlet_codes"),
        ({"hamlet_codes": ["nope"]}, 422, "hamlet_codes"),
        ({"role": "commander", "hamlet_codes": ["20179-001"]}, 422, "hamlet_codes"),
        ({"phone": "call me"}, 422, "phone"),
        ({"full_name": "   "}, 422, "full_name"),
        ({"role": "king"}, 422, "role"),
        ({"extra": 1}, 422, "extra"),
        ({"hamlet_codes": "20179-001"}, 422, "hamlet_codes"),
    ],
)
def test_create_bad_input_is_refused_clearly(client, team, change, status, field):
    answer = client.post("/api/v1/users", json=new_user(**change), headers=team["boss"])
    assert answer.status_code == status, answer.get_json()
    body = answer.get_json()
    assert body["message"] and field in (body.get("errors") or {}), body


def test_create_missing_fields_and_not_json(client, team):
    assert client.post("/api/v1/users", json={}, headers=team["boss"]).status_code == 422
    assert client.post("/api/v1/users", json=[1], headers=team["boss"]).status_code == 422
    raw = client.post("/api/v1/users", data="x", headers=team["boss"])
    assert raw.status_code in (400, 415, 422)


def test_village_head_on_their_hamlet(client, team):
    body = new_user(role="village_head", unit_code="20179-003", hamlet_codes=[])
    answer = client.post("/api/v1/users", json=body, headers=team["boss"])
    assert answer.status_code == 201, answer.get_json()
    assert [h["code"] for h in answer.get_json()["hamlets"]] == ["20179-003"]


def test_patch_role_unit_hamlets_and_audit(client, team):
    officer = team["officer"]
    moved = client.patch(
        f"/api/v1/users/{officer}",
        json={"hamlet_codes": ["20179-002", "20179-003"], "phone": "0987 000 111"},
        headers=team["boss"],
    )
    assert moved.status_code == 200, moved.get_json()
    assert [h["code"] for h in moved.get_json()["hamlets"]] == ["20179-002", "20179-003"]
    promoted = client.patch(
        f"/api/v1/users/{officer}", json={"role": "commander"}, headers=team["boss"]
    )
    assert promoted.status_code == 200 and promoted.get_json()["hamlets"] == []
    db.session.rollback()
    assert db.session.scalars(select(UserHamlet).where(UserHamlet.user_id == officer)).all() == []
    changed = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "update",
            AuditEntry.object_type == "users",
            AuditEntry.object_id == str(officer),
        )
    ).all()
    assert any(e.changes.get("role") == ["officer", "commander"] for e in changed)
    to_admin = client.patch(
        f"/api/v1/users/{officer}", json={"role": "admin"}, headers=team["boss"]
    )
    assert to_admin.status_code == 403
    away = client.patch(
        f"/api/v1/users/{officer}", json={"unit_code": "19777"}, headers=team["boss"]
    )
    assert away.status_code == 403
    head = client.patch(
        f"/api/v1/users/{officer}",
        json={"role": "village_head", "unit_code": "20179-001"},
        headers=team["boss"],
    )
    assert head.status_code == 200, head.get_json()
    assert [h["code"] for h in head.get_json()["hamlets"]] == ["20179-001"]


def test_patch_refusals(client, team):
    me = team["commander"]
    self_move = client.patch(f"/api/v1/users/{me}", json={"role": "officer"}, headers=team["boss"])
    assert self_move.status_code == 409
    far = client.patch(
        f"/api/v1/users/{team['far']}", json={"full_name": "X"}, headers=team["boss"]
    )
    assert far.status_code == 404 and far.get_json()["message"] == "Không tìm thấy người dùng."
    admin = client.patch(
        f"/api/v1/users/{team['admin']}", json={"full_name": "X"}, headers=team["boss"]
    )
    assert admin.status_code in (403, 404)
    blank = client.patch(
        f"/api/v1/users/{team['officer']}", json={"full_name": " "}, headers=team["boss"]
    )
    assert blank.status_code == 422
    wrong = client.patch(
        f"/api/v1/users/{team['officer']}",
        json={"hamlet_codes": ["00004-001"]},
        headers=team["boss"],
    )
    assert wrong.status_code == 422


def test_last_seen_is_set_by_sign_in(client, team):
    db.session.rollback()
    before = db.session.scalar(select(func.max(AuditEntry.id)))
    db.session.rollback()
    assert (
        client.get(f"/api/v1/users/{team['officer']}", headers=team["boss"]).get_json()[
            "last_seen_at"
        ]
        is None
    )
    signed = client.post(
        "/api/v1/auth/token", json={"username": "canbo", "password": "secret-pass"}
    )
    assert signed.status_code == 200
    seen = client.get(f"/api/v1/users/{team['officer']}", headers=team["boss"]).get_json()
    assert seen["last_seen_at"] is not None
    db.session.rollback()
    updates = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.id > before,
            AuditEntry.action == "update",
            AuditEntry.object_type == "users",
        )
    ).all()
    assert updates == []  # bookkeeping, not an audited change


def test_token_use_sets_last_seen(client, team):
    client.get("/api/v1/me", headers=team["boss"])
    me = client.get(f"/api/v1/users/{team['commander']}", headers=team["boss"]).get_json()
    assert me["last_seen_at"] is not None
