"""A lost phone and accounts: phone sessions, revocation, password resets, deactivation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth.clients import describe_client
from app.auth.models import ApiToken, AuditEntry, User
from app.extensions import db

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def sign_in(client, username: str, password: str = "secret-pass", agent: str = ANDROID_CHROME):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers={"User-Agent": agent},
    )


def bearer(answer) -> dict[str, str]:
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def audit_actions(user_id: int, action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == action,
                AuditEntry.object_type == "users",
                AuditEntry.object_id == str(user_id),
            )
        )
    )


@pytest.fixture
def team(world, make_user, token_for) -> dict:
    commander = make_user("commander", "20179", username="chihuy")
    officer = make_user("officer", "20179", username="canbo", hamlets=["20179-001"])
    return {
        "commander": commander,
        "officer": officer,
        "boss": token_for(commander),
    }


@pytest.mark.parametrize(
    ("agent", "described"),
    [
        (ANDROID_CHROME, "Chrome 120 / Android"),
        (IPHONE_SAFARI, "Safari 17 / iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox 121 / Windows",
        ),
        ("python-requests/2.31.0", "python-requests 2.31.0"),
        ("", None),
        (None, None),
        ("x" * 500, "x" * 120),
    ],
)
def test_client_description(agent, described):
    assert describe_client(agent) == described


def test_sessions_listed_newest_first_then_revoked_at_once(client, team):
    phone = bearer(sign_in(client, "canbo"))
    tablet = bearer(sign_in(client, "canbo", agent=IPHONE_SAFARI))
    officer = team["officer"].id
    answer = client.get(f"/api/v1/users/{officer}/tokens", headers=team["boss"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["total"] == 2
    assert [s["client"] for s in body["items"]] == ["Safari 17 / iOS", "Chrome 120 / Android"]
    assert set(body["items"][0]) == {"id", "created_at", "last_used_at", "expires_at", "client"}

    gone = client.delete(f"/api/v1/users/{officer}/tokens", headers=team["boss"])
    assert gone.status_code == 204
    for headers in (phone, tablet):
        refused = client.get("/api/v1/me", headers=headers)
        assert refused.status_code == 401 and refused.is_json
    entries = audit_actions(officer, "token_revoked")
    assert len(entries) == 1
    assert entries[0].user_id == team["commander"].id
    assert entries[0].changes["count"] == 2
    listed = client.get(f"/api/v1/users/{officer}/tokens", headers=team["boss"]).get_json()
    assert listed == {"items": [], "total": 0}
    # Signing in again works: the account itself is untouched.
    assert sign_in(client, "canbo").status_code == 200


def test_get_user(client, team):
    officer = team["officer"]
    answer = client.get(f"/api/v1/users/{officer.id}", headers=team["boss"])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["username"] == "canbo"
    assert body["active"] is True and body["must_change_password"] is False
    assert [h["code"] for h in body["hamlets"]] == ["20179-001"]
    assert body["unit"]["code"] == "20179"
    assert "last_seen_at" in body and "phone" in body


def test_scope_of_managers(client, team, make_user, token_for):
    officer = team["officer"].id
    admin = make_user("admin", "20179", username="quantri")  # inside the commander's unit
    province_admin = make_user("admin", "46")
    outside = make_user("commander", "19777")
    for path in (f"/api/v1/users/{officer}", f"/api/v1/users/{officer}/tokens"):
        assert client.get(path, headers=token_for(outside)).status_code == 404
    # A commander never manages an admin account; an admin does.
    for method, path in [
        ("GET", f"/api/v1/users/{admin.id}"),
        ("DELETE", f"/api/v1/users/{admin.id}/tokens"),
        ("POST", f"/api/v1/users/{admin.id}/password-reset"),
    ]:
        answer = client.open(path, method=method, headers=team["boss"])
        assert answer.status_code == 403, answer.get_json()
    assert (
        client.get(f"/api/v1/users/{admin.id}", headers=token_for(province_admin)).status_code
        == 200
    )
    assert client.get(f"/api/v1/users/{officer}", headers=token_for(admin)).status_code == 200
    # Officers and village heads manage nobody, not even themselves.
    own = token_for(team["officer"])
    assert client.get(f"/api/v1/users/{officer}", headers=own).status_code == 403
    head = make_user("village_head", "20179-001")
    answer = client.delete(f"/api/v1/users/{officer}/tokens", headers=token_for(head))
    assert answer.status_code == 403
    assert client.get("/api/v1/users/999999", headers=team["boss"]).status_code == 404


def test_deactivate_and_reactivate(client, team):
    officer = team["officer"].id
    phone = bearer(sign_in(client, "canbo"))
    web = client.application.test_client()
    assert (
        web.post("/login", data={"username": "canbo", "password": "secret-pass"}).status_code == 302
    )
    assert web.get("/account").status_code == 200
    answer = client.patch(
        f"/api/v1/users/{officer}",
        json={"active": False, "full_name": "Hồ Văn Cán", "phone": "0912 345 678"},
        headers=team["boss"],
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["active"] is False and body["full_name"] == "Hồ Văn Cán"
    assert body["phone"] == "0912 345 678"
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    assert sign_in(client, "canbo").status_code == 401
    assert web.get("/account").status_code == 302  # the session no longer signs anyone in
    refused = web.post("/login", data={"username": "canbo", "password": "secret-pass"})
    assert refused.status_code == 401
    assert len(audit_actions(officer, "token_revoked")) == 1
    [change] = [e for e in audit_actions(officer, "update") if "active" in (e.changes or {})]
    assert change.changes["active"] == [True, False]

    answer = client.patch(f"/api/v1/users/{officer}", json={"active": True}, headers=team["boss"])
    assert answer.status_code == 200 and answer.get_json()["active"] is True
    assert sign_in(client, "canbo").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"role": "king"},  # role and unit may change (test_people.py), not to these
        {"unit_code": "99999"},
        {"active": "no"},
        {"active": None},
        {"full_name": ""},
        {"phone": "call me"},
        [],
    ],
)
def test_patch_refuses_bad_or_unknown_fields(client, team, body):
    answer = client.patch(f"/api/v1/users/{team['officer'].id}", json=body, headers=team["boss"])
    assert answer.status_code == 422, answer.get_json()
    assert answer.is_json


def test_commander_cannot_deactivate_themselves(client, team):
    me = team["commander"].id
    answer = client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=team["boss"])
    assert answer.status_code == 409
    assert "tự khóa" in answer.get_json()["message"]
    assert db.session.get(User, me).active is True


def test_password_reset_and_required_change_via_api(client, team):
    officer = team["officer"].id
    old = bearer(sign_in(client, "canbo"))
    answer = client.post(f"/api/v1/users/{officer}/password-reset", headers=team["boss"])
    assert answer.status_code == 200
    one_time = answer.get_json()["one_time_password"]
    assert set(answer.get_json()) == {"one_time_password"} and len(one_time) >= 12
    assert client.get("/api/v1/me", headers=old).status_code == 401  # reset revokes sessions
    assert sign_in(client, "canbo").status_code == 401  # the old password is gone
    assert len(audit_actions(officer, "token_revoked")) == 1

    fresh = bearer(sign_in(client, "canbo", one_time))
    held = client.get("/api/v1/households", headers=fresh)
    assert held.status_code == 403
    assert held.get_json()["reason"] == "password_change_required"
    assert client.get("/api/v1/me", headers=fresh).status_code == 403
    for new, field in [
        ("short", "new_password"),
        ("canbo", "new_password"),
        ("CANBO", "new_password"),
        (one_time, "new_password"),
    ]:
        refused = client.post(
            "/api/v1/me/password",
            json={"current_password": one_time, "new_password": new},
            headers=fresh,
        )
        assert refused.status_code == 422 and field in refused.get_json()["errors"], new
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "nope-nope", "new_password": "mat-khau-moi"},
        headers=fresh,
    )
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["errors"]
    done = client.post(
        "/api/v1/me/password",
        json={"current_password": one_time, "new_password": "mat-khau-moi"},
        headers=fresh,
    )
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    assert sign_in(client, "canbo", "mat-khau-moi").status_code == 200
    assert db.session.get(User, officer).must_change_password is False


def test_required_change_via_the_web_page(make_app, world, make_user):
    make_user("commander", "20179", username="chihuy")
    app = make_app(WTF_CSRF_ENABLED=True)
    admin = app.test_client()
    boss = bearer(sign_in(admin, "chihuy"))
    user = db.session.scalar(select(User).where(User.username == "chihuy"))
    officer = make_user("officer", "20179", username="canbo")
    one_time = admin.post(f"/api/v1/users/{officer.id}/password-reset", headers=boss).get_json()[
        "one_time_password"
    ]
    assert user is not None

    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    login = web.post(
        "/login", data={"username": "canbo", "password": one_time, "csrf_token": token}
    )
    assert login.status_code == 302
    assert login.headers["Location"].endswith("/account/password")
    # Every other page sends the user back to the form.
    elsewhere = web.get("/account")
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"].endswith(
        "/account/password"
    )
    form = web.get("/account/password")
    assert form.status_code == 200
    assert "Đổi mật khẩu" in form.get_data(as_text=True)
    # Without its CSRF token the form is refused.
    bare = {"current_password": one_time, "new_password": "mat-khau-moi"}
    assert web.post("/account/password", data=bare).status_code == 400
    mismatch = web.post(
        "/account/password",
        data={**bare, "confirm_password": "khac-han-nhe", "csrf_token": token},
    )
    assert mismatch.status_code == 422 and "không khớp" in mismatch.get_data(as_text=True)
    weak = web.post(
        "/account/password",
        data={**bare, "new_password": "canbo", "confirm_password": "canbo", "csrf_token": token},
    )
    assert weak.status_code == 422
    done = web.post(
        "/account/password",
        data={**bare, "confirm_password": "mat-khau-moi", "csrf_token": token},
    )
    assert done.status_code == 302 and not done.headers["Location"].endswith("/account/password")
    assert web.get("/account").status_code == 200


def test_cli_revokes_tokens(app, team, client):
    phone = bearer(sign_in(client, "canbo"))
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["users", "revoke-tokens", "canbo"])
    assert result.exit_code == 0, result.output
    assert "revoked 1" in result.output
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    assert len(audit_actions(team["officer"].id, "token_revoked")) == 1
    missing = app.test_cli_runner().invoke(args=["users", "revoke-tokens", "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output


def test_token_records_its_client(client, team):
    sign_in(client, "canbo")
    db.session.rollback()
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == team["officer"].id))
    assert token.client == "Chrome 120 / Android"


def test_password_change_required_in_english(client, team):
    officer = team["officer"].id
    one_time = client.post(
        f"/api/v1/users/{officer}/password-reset", headers=team["boss"]
    ).get_json()["one_time_password"]
    fresh = bearer(sign_in(client, "canbo", one_time))
    answer = client.get("/api/v1/households", headers={**fresh, "Accept-Language": "en"})
    assert answer.get_json() == {
        "code": 403,
        "message": "You need to change your password before going on.",
        "reason": "password_change_required",
    }
