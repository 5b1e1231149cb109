"""Tokens, login page, roles bound to unit levels."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import service
from app.auth.models import ApiToken, AuditEntry, User, UserHamlet
from app.common import utcnow
from app.errors import InvalidError
from app.extensions import db
from app.units.models import Unit


def test_token_and_me(client, world, make_user):
    make_user("officer", "20179", username="canbo", hamlets=["20179-001"])
    response = client.post(
        "/api/v1/auth/token", json={"username": "canbo", "password": "secret-pass"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "user"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}).get_json()
    assert me["username"] == "canbo"
    assert me["role"] == "officer"
    assert me["unit"] == {"code": "20179", "name": "Xã Nam Đông", "level": "commune"}
    assert [h["code"] for h in me["hamlets"]] == ["20179-001"]
    # Only the hash is stored.
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert body["token"] not in stored


def test_wrong_password(client, world, make_user):
    make_user("officer", "20179", username="canbo")
    response = client.post("/api/v1/auth/token", json={"username": "canbo", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["message"] == "Sai tên đăng nhập hoặc mật khẩu."


def test_expired_and_revoked_tokens(client, world, make_user):
    user = make_user("officer", "20179")
    raw, _token = service.issue_token(user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    raw2, token2 = service.issue_token(user)
    token2.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw2}"}).status_code == 401


def test_inactive_user_cannot_log_in(client, world, make_user):
    user = make_user("officer", "20179", username="gone")
    user.active = False
    db.session.commit()
    response = client.post(
        "/api/v1/auth/token", json={"username": "gone", "password": "secret-pass"}
    )
    assert response.status_code == 401


def test_role_must_fit_unit_level(world):
    with pytest.raises(InvalidError):
        service.create_user(
            username="x", password="secret-pass", role="village_head", unit_code="20179"
        )
    with pytest.raises(InvalidError):
        service.create_user(username="y", password="secret-pass", role="officer", unit_code="46")


def test_token_endpoint_rate_limited(make_app, world, make_user):
    make_user("officer", "20179", username="canbo")
    app = make_app(RATELIMIT_ENABLED=True, TOKEN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/api/v1/auth/token", json={"username": "canbo", "password": "x"}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    refused = client.post("/api/v1/auth/token", json={})
    assert refused.get_json()["code"] == 429
    assert int(refused.headers["Retry-After"]) > 0  # a phone knows when to try again


def test_login_page_with_csrf(make_app, world, make_user):
    make_user("commander", "20179", username="chihuy")
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    assert "Đăng nhập".encode() in page.data
    # Without the CSRF token the form is refused.
    refused = client.post("/login", data={"username": "chihuy", "password": "secret-pass"})
    assert refused.status_code == 400
    token = page.data.decode().split('name="csrf_token" value="')[1].split('"')[0]
    ok = client.post(
        "/login", data={"username": "chihuy", "password": "secret-pass", "csrf_token": token}
    )
    assert ok.status_code == 302
    # The session works on the API too, and writes need the CSRF header.
    assert client.get("/api/v1/me").get_json()["username"] == "chihuy"
    write = client.post("/api/v1/units/20179/hamlets", json={"name": "Thôn mới"})
    assert write.status_code == 403
    write = client.post(
        "/api/v1/units/20179/hamlets", json={"name": "Thôn mới"}, headers={"X-CSRFToken": token}
    )
    assert write.status_code == 201


def test_login_is_audited(client, world, make_user):
    make_user("officer", "20179", username="canbo")
    client.post("/api/v1/auth/token", json={"username": "canbo", "password": "secret-pass"})
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "sign_in" in actions


def test_open_redirect_refused(client, world, make_user):
    make_user("commander", "20179", username="chihuy")
    response = client.post(
        "/login?next=https://evil.example/x", data={"username": "chihuy", "password": "secret-pass"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def users_cli(app, *args: str):
    """Run `flask users ...`; the test's own transaction is ended first (the command writes)."""
    db.session.rollback()
    return app.test_cli_runner().invoke(args=["users", *args])


def hamlets_of(username: str) -> list[str]:
    user = db.session.scalar(select(User).where(User.username == username))
    codes = sorted(
        db.session.scalars(
            select(Unit.code)
            .join(UserHamlet, UserHamlet.hamlet_id == Unit.id)
            .where(UserHamlet.user_id == user.id)
        )
    )
    db.session.rollback()
    return codes


def test_cli_assigns_hamlets_adds_replaces_and_refuses_bad_codes(app, world, make_user):
    make_user("officer", "20179", username="canbo")
    make_user("commander", "20179", username="chihuy")
    result = users_cli(app, "assign-hamlets", "canbo", "20179-001", "20179-002")
    assert result.exit_code == 0, result.output
    assert "canbo: 20179-001, 20179-002" in result.output
    assert hamlets_of("canbo") == ["20179-001", "20179-002"]
    # Without --replace hamlets are added; with it, the others are dropped.
    assert users_cli(app, "assign-hamlets", "canbo", "20179-003").exit_code == 0
    assert hamlets_of("canbo") == ["20179-001", "20179-002", "20179-003"]
    assert users_cli(app, "assign-hamlets", "canbo", "20179-002", "--replace").exit_code == 0
    assert hamlets_of("canbo") == ["20179-002"]
    # Unknown codes, a hamlet of another commune, a commander, an unknown user: refused whole.
    for args, message in [
        (("canbo", "20179-001", "20179-999", "xyz"), "Không có thôn: 20179-999, xyz."),
        (("canbo", "20179-001", "19777-001"), "Thôn 19777-001 không thuộc đơn vị"),
        (("chihuy", "20179-001"), "Chỉ cán bộ hoặc trưởng thôn được phân công thôn."),
        (("nobody", "20179-001"), "no user: nobody"),
    ]:
        result = users_cli(app, "assign-hamlets", *args)
        assert result.exit_code == 1 and message in result.output, result.output
    assert hamlets_of("canbo") == ["20179-002"]
    assert hamlets_of("chihuy") == []
    assert users_cli(app, "assign-hamlets", "canbo").exit_code == 2  # no hamlet given


def test_cli_sets_the_mobile_team_audited(app, world, make_user):
    make_user("officer", "20179", username="canbo")
    make_user("commander", "20179", username="chihuy")
    result = users_cli(app, "set-mobile-team", "canbo", "--on")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "canbo"))
    assert user.mobile_team is True
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.object_type == "users",
            AuditEntry.object_id == str(user.id),
            AuditEntry.action == "update",
        )
    )
    assert entry.changes == {"mobile_team": [False, True]}
    assert users_cli(app, "set-mobile-team", "canbo", "--off").exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "canbo")).mobile_team is False
    changes = db.session.scalars(
        select(AuditEntry.changes)
        .where(AuditEntry.object_type == "users", AuditEntry.action == "update")
        .order_by(AuditEntry.id)
    ).all()
    assert changes == [{"mobile_team": [False, True]}, {"mobile_team": [True, False]}]
    # Officers only, an existing user, and a choice.
    result = users_cli(app, "set-mobile-team", "chihuy", "--on")
    assert result.exit_code == 1 and "only officers" in result.output
    assert users_cli(app, "set-mobile-team", "nobody", "--on").exit_code == 1
    assert users_cli(app, "set-mobile-team", "canbo").exit_code == 2
    assert db.session.scalar(select(User).where(User.username == "chihuy")).mobile_team is False
