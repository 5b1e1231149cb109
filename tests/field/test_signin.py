"""One sign-in: the page session hands the phone app its token; signing out ends both."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth.models import ApiToken, AuditEntry
from app.extensions import db

PASSWORD = "secret-pass"


@pytest.fixture
def guarded(make_app, world):
    """An app that checks CSRF tokens as production does."""
    return make_app(WTF_CSRF_ENABLED=True)


def _sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        token = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code == 302


def _csrf(client) -> str:
    answer = client.get("/app/session")
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["signed_in"] is True
    return body["csrf_token"]


@pytest.mark.parametrize("role,unit", [("officer", "20179"), ("village_head", "20179-001")])
def test_a_signed_in_page_hands_the_app_a_token(guarded, make_user, role, unit):
    user = make_user(role, unit, username="nguoidung")
    client = guarded.test_client()
    _sign_in(client, "nguoidung")
    answer = client.post("/app/session-token", headers={"X-CSRFToken": _csrf(client)})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"]["username"] == "nguoidung" and body["user"]["role"] == role
    assert answer.headers["Cache-Control"] == "no-store"
    bearer = {"Authorization": f"Bearer {body['token']}"}
    assert guarded.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    with guarded.app_context():
        logins = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sign_in", AuditEntry.user_id == user.id)
        ).all()
        assert [e.changes for e in logins] == [{"via": "page"}, {"via": "session"}]


def test_no_session_is_401_json(guarded):
    client = guarded.test_client()
    assert client.get("/app/session").get_json() == {"signed_in": False}
    answer = client.post("/app/session-token")
    assert answer.status_code == 401
    assert answer.get_json() == {"code": 401, "message": "Bạn cần đăng nhập."}


def test_a_bearer_token_is_no_page_session(guarded, make_user, token_for):
    with guarded.app_context():
        headers = token_for(make_user("officer", "20179"))
    client = guarded.test_client()
    assert client.get("/app/session", headers=headers).get_json() == {"signed_in": False}
    assert client.post("/app/session-token", headers=headers).status_code == 401


@pytest.mark.parametrize("header", [None, "", "not-a-token"])
def test_missing_or_bad_csrf_is_400_json_in_vietnamese(guarded, make_user, header):
    make_user("officer", "20179", username="canbo")
    client = guarded.test_client()
    _sign_in(client, "canbo")
    headers = {} if header is None else {"X-CSRFToken": header}
    answer = client.post("/app/session-token", headers=headers)
    assert answer.status_code == 400
    assert answer.is_json
    assert answer.get_json()["message"] == "Thiếu hoặc sai mã CSRF. Hãy mở lại ứng dụng."
    english = client.post(
        "/app/session-token", headers={**headers, "Accept-Language": "en"}
    ).get_json()
    assert english["message"] == "Missing or wrong CSRF token. Open the app again."
    with guarded.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_commanders_get_no_app_token(guarded, make_user):
    make_user("commander", "20179", username="chihuy")
    client = guarded.test_client()
    _sign_in(client, "chihuy")
    answer = client.post("/app/session-token", headers={"X-CSRFToken": _csrf(client)})
    assert answer.status_code == 403
    assert answer.is_json


def test_web_sign_out_revokes_the_tokens_of_its_session(guarded, make_user, token_for):
    officer = make_user("officer", "20179", username="canbo")
    with guarded.app_context():
        own_login = token_for(officer)  # the app's own login: not this session's to end
    client = guarded.test_client()
    _sign_in(client, "canbo")
    csrf = _csrf(client)
    tokens = [client.post("/app/session-token", headers={"X-CSRFToken": csrf}).get_json()]
    tokens.append(client.post("/app/session-token", headers={"X-CSRFToken": csrf}).get_json())
    api = guarded.test_client()

    def me(body):
        return api.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})

    assert [me(body).status_code for body in tokens] == [200, 200]
    assert client.post("/logout", headers={"X-CSRFToken": csrf}).status_code == 302
    assert [me(body).status_code for body in tokens] == [401, 401]
    assert api.get("/api/v1/me", headers=own_login).status_code == 200
    assert client.get("/app/session").get_json() == {"signed_in": False}
    with guarded.app_context():
        logout = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sign_out"))
        assert logout.changes == {"via": "page", "tokens": 2}


def test_logout_needs_its_csrf_token(guarded, make_user):
    make_user("officer", "20179", username="canbo")
    client = guarded.test_client()
    _sign_in(client, "canbo")
    assert client.post("/logout").status_code == 400
    assert client.get("/app/session").get_json()["signed_in"] is True
