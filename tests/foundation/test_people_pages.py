"""The people pages: list and filters, enrolment with the one-time password shown once, edit,
reset, (de)activation, revoking phone sessions; refusals outside the unit; forms keep input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth.models import ApiToken, User
from app.extensions import db


@pytest.fixture
def client(make_app, app):
    """A browser on an app that checks CSRF tokens, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


@pytest.fixture
def team(world, make_user) -> dict[str, int]:
    chief = make_user("commander", "20179", username="chihuy")
    officer = make_user("officer", "20179", username="canbo", hamlets=["20179-001"])
    officer.full_name = "Nguyễn Thị Đào"
    far = make_user("officer", "19777", username="vyda")
    admin = make_user("admin", "46", username="quantri")
    db.session.commit()
    out = {"chief": chief.id, "officer": officer.id, "far": far.id, "admin": admin.id}
    db.session.rollback()
    return out


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str = "secret-pass") -> None:
    token = token_of(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 302


def post(client, url: str, **data):
    token = token_of(client.get("/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def text(answer) -> str:
    return answer.get_data(as_text=True)


def new_form(**extra) -> dict:
    return {
        "username": "canbo.lan",
        "full_name": "Lê Thị Lan",
        "role": "officer",
        "unit_code": "20179",
        "hamlet_codes": ["20179-002", "20179-003"],
        "phone": "0912 345 678",
        **extra,
    }


def test_list_search_and_filters(client, team):
    sign_in(client, "chihuy")
    page = text(client.get("/admin/users"))
    assert "Nguyễn Thị Đào" in page and 'data-username="chihuy"' in page
    assert "vyda" not in page and "quantri" not in page
    assert '<option value="admin"' not in page  # a commander cannot pick the admin role
    found = text(client.get("/admin/users?q=nguyen+dao&role=&unit=&active=&seen="))
    assert 'data-username="canbo"' in found and 'data-username="chihuy"' not in found
    none = text(client.get("/admin/users?active=0"))
    assert 'id="no-people"' in none
    assert client.get("/admin/users?role=king").status_code == 422
    outside = client.get("/admin/users?unit=19777")
    assert outside.status_code == 404


def test_officer_may_not_open_the_people_pages(client, team):
    sign_in(client, "canbo")
    assert client.get("/admin/users").status_code == 403


def test_create_shows_the_one_time_password_once(client, team):
    sign_in(client, "chihuy")
    form = text(client.get("/admin/users/new"))
    assert 'name="hamlet_codes" value="20179-001"' in form
    answer = post(client, "/admin/users/new", **new_form())
    assert answer.status_code == 200, text(answer)[:500]
    assert answer.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([a-z0-9]+)<', text(answer)).group(1)
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.username == "canbo.lan"))
    assert user.must_change_password and user.phone == "0912 345 678"
    user_id = user.id
    db.session.rollback()
    for url in ("/admin/users", f"/admin/users/{user_id}", f"/admin/users/{user_id}/edit"):
        assert password not in text(client.get(url))
    # The new user signs in with it and is sent to change it.
    other = client.application.test_client()
    sign_in(other, "canbo.lan", password)
    assert other.get("/admin/users").headers["Location"].endswith("/account/password")


def test_create_errors_keep_what_was_typed(client, team):
    sign_in(client, "chihuy")
    taken = post(client, "/admin/users/new", **new_form(username="canbo"))
    assert taken.status_code == 409
    page = text(taken)
    assert "đã có người dùng" in page and 'value="Lê Thị Lan"' in page
    assert 'value="0912 345 678"' in page
    assert re.search(r'value="20179-002" checked', page)
    admin = post(client, "/admin/users/new", **new_form(role="admin", hamlet_codes=[]))
    assert admin.status_code == 403 and "quản trị" in text(admin)
    outside = post(client, "/admin/users/new", **new_form(unit_code="19777", hamlet_codes=[]))
    assert outside.status_code == 403
    head = post(client, "/admin/users/new", **new_form(role="village_head"))
    assert head.status_code == 422 and 'id="unit_code-error"' in text(head)
    bad = post(client, "/admin/users/new", username="x y", full_name="", role="", unit_code="")
    assert bad.status_code in (409, 422)
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "canbo.lan")) is None
    no_token = client.post("/admin/users/new", data=new_form())
    assert no_token.status_code in (400, 403)


def test_edit_reset_revoke_deactivate(client, team, token_for):
    officer = team["officer"]
    db.session.rollback()
    token_for(db.session.get(User, officer))
    sign_in(client, "chihuy")
    page = text(client.get(f"/admin/users/{officer}"))
    assert "Thu hồi tất cả phiên" in page and "Nguyễn Thị Đào" in page
    edited = post(
        client,
        f"/admin/users/{officer}/edit",
        full_name="Nguyễn Thị Đào Mới",
        role="officer",
        unit_code="20179",
        hamlet_codes=["20179-003"],
        phone="",
    )
    assert edited.status_code == 303
    shown = text(client.get(edited.headers["Location"]))
    assert "Nguyễn Thị Đào Mới" in shown and "Thôn 3" in shown
    wrong = post(
        client,
        f"/admin/users/{officer}/edit",
        full_name="Giữ Lại",
        role="officer",
        unit_code="20179",
        hamlet_codes_text="19777-001",
        phone="",
    )
    assert wrong.status_code == 422 and 'value="Giữ Lại"' in text(wrong)
    reset = post(client, f"/admin/users/{officer}/password-reset")
    assert reset.status_code == 200 and 'id="one-time-password"' in text(reset)
    revoked = post(client, f"/admin/users/{officer}/sessions/revoke")
    assert revoked.status_code == 303
    off = post(client, f"/admin/users/{officer}/active", active="0")
    assert off.status_code == 303
    db.session.rollback()
    assert db.session.get(User, officer).active is False
    open_tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == officer, ApiToken.revoked_at.is_(None))
    ).all()
    assert open_tokens == []
    db.session.rollback()
    assert "Mở lại tài khoản" in text(client.get(f"/admin/users/{officer}"))
    assert post(client, f"/admin/users/{officer}/active", active="1").status_code == 303
    db.session.rollback()
    assert db.session.get(User, officer).active is True
    db.session.rollback()


def test_cannot_lock_oneself(client, team):
    sign_in(client, "chihuy")
    answer = post(client, f"/admin/users/{team['chief']}/active", active="0")
    assert answer.status_code == 303
    assert "tự khóa" in text(client.get(answer.headers["Location"]))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/edit"),
        ("POST", "/edit"),
        ("POST", "/password-reset"),
        ("POST", "/active"),
        ("POST", "/sessions/revoke"),
    ],
)
def test_outside_the_unit_is_a_clear_refusal(client, team, method, path):
    sign_in(client, "chihuy")
    url = f"/admin/users/{team['far']}{path}"
    answer = client.get(url) if method == "GET" else post(client, url, active="0")
    assert answer.status_code == 404
    assert "Không tìm thấy người dùng" in text(answer)
    db.session.rollback()
    assert db.session.get(User, team["far"]).active is True
    db.session.rollback()
