"""Overdue work on the dashboard: who owns it, the summary by hamlet and officer, the whole list
page by page, and reassigning from the page (audited, in scope, CSRF)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup


def named(user, name: str):
    user.full_name = name
    db.session.commit()
    return user


def table(html: str, css_class: str) -> str:
    match = re.search(rf'<table class="{css_class}">(.*?)</table>', html, re.S)
    assert match, f"no table {css_class}"
    return match.group(1)


def ids(rows: dict) -> dict[str, int]:
    """The ids of committed rows, read in a transaction that ends at once: the app's requests
    take the SQLite write lock when they begin, which an open read of the test would block."""
    out = {key: row.id for key, row in rows.items()}
    db.session.rollback()
    return out


@pytest.fixture
def late(make_household, add_followup) -> dict[str, int]:
    """Three overdue follow-ups in Thôn 1 and Thôn 2, one not yet due (their ids)."""
    first = make_household("20179-001")
    second = make_household("20179-002")
    return ids(
        {
            "a": add_followup(first, today_in_vietnam() - timedelta(days=5)),
            "b": add_followup(first, today_in_vietnam() - timedelta(days=2), kind="id_capture"),
            "c": add_followup(second, today_in_vietnam() - timedelta(days=1)),
            "later": add_followup(second, today_in_vietnam() + timedelta(days=3)),
        }
    )


@pytest.fixture
def staff(make_user) -> dict[str, int]:
    """Two officers of xã Nam Đông, one of Phường Vỹ Dạ, the commander of xã Nam Đông."""
    return ids(
        {
            "mot": named(make_user("officer", "20179", hamlets=["20179-001"]), "Hồ Văn Một"),
            "hai": named(make_user("officer", "20179", hamlets=["20179-002"]), "Lê Thị Hai"),
            "other": named(make_user("officer", "19777"), "Trần Văn Vỹ"),
            "chief": named(make_user("commander", "20179", username="chihuy"), "Chỉ Huy Xã"),
        }
    )


@pytest.fixture
def client(make_app, app):
    """A browser on an app that checks CSRF tokens, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def csrf_token(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str) -> None:
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/login", data={"username": username, "password": "secret-pass", "csrf_token": token}
    )
    assert response.status_code == 302


def reassign(client, followup_id: int, **data):
    """Post the reassign form with the session's CSRF token."""
    return client.post(
        f"/dashboard/overdue/{followup_id}/assignee",
        data={"csrf_token": csrf_token(client), **data},
    )


def assignee_of(followup_id: int) -> int | None:
    """Read a follow-up's assignee as stored, ending the read at once (see `ids`)."""
    db.session.expire_all()
    assignee_id = db.session.get(Followup, followup_id).assignee_id
    db.session.rollback()
    return assignee_id


def log_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client)})


def test_dashboard_shows_who_owns_overdue_work_and_the_summary(client, late, staff):
    for key, owner in (("a", "mot"), ("b", "mot"), ("later", "hai")):
        db.session.get(Followup, late[key]).assignee_id = staff[owner]
    db.session.commit()
    sign_in(client, "chihuy")
    html = client.get("/dashboard").get_data(as_text=True)
    rows = table(html, "overdue").split("<tr>")[2:]
    assert len(rows) == 3
    assert "Hồ Văn Một" in rows[0] and "5 ngày" in rows[0]
    assert "Chưa giao" in rows[2]  # c has nobody
    summary = table(html, "overdue-summary")
    lines = [re.sub(r"<[^>]+>", " ", r).split() for r in summary.split("<tr>")[2:]]
    assert [" ".join(line) for line in lines] == [
        f"Thôn 1 Hồ Văn Một 2 2 {(today_in_vietnam() - timedelta(days=5)).strftime('%d/%m/%Y')}",
        f"Thôn 2 Chưa giao 1 1 {(today_in_vietnam() - timedelta(days=1)).strftime('%d/%m/%Y')}",
    ]
    # A reassign form per item, offering the commune's officers only.
    forms = re.findall(r'<form method="post" action="(/dashboard/overdue/\d+/assignee)"', html)
    assert len(forms) == 3
    assert "Lê Thị Hai" in html and "Trần Văn Vỹ" not in html
    # Everything fits: no "see all" link.
    assert "/dashboard/overdue?unit=20179" not in html


def test_officers_see_the_owners_but_no_reassign_form(client, late, staff, make_user):
    make_user("officer", "20179", username="canbo")
    sign_in(client, "canbo")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Người được giao" in html
    assert "/assignee" not in html


def test_the_whole_list_page_by_page(
    client, late, staff, make_household, add_followup, monkeypatch
):
    from app.reports import dashboard, dashboard_overdue

    household = make_household("20179-003")
    for days in range(10, 35):
        add_followup(household, today_in_vietnam() - timedelta(days=days))
    sign_in(client, "chihuy")
    html = client.get("/dashboard").get_data(as_text=True)
    assert len(table(html, "overdue").split("<tr>")[2:]) == dashboard_overdue.LIST_LIMIT
    assert "/dashboard/overdue?unit=20179" in html and "Xem tất cả 28 việc quá hạn" in html
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 10)
    pages = [
        client.get(f"/dashboard/overdue?unit=20179&page={n}").get_data(as_text=True)
        for n in (1, 2, 3)
    ]
    ids = [re.findall(r"/dashboard/overdue/(\d+)/assignee", page) for page in pages]
    assert [len(i) for i in ids] == [10, 10, 8]
    assert len({i for page in ids for i in page}) == 28
    assert "Trang 1/3" in pages[0] and "page=2" in pages[0]
    assert str(late["c"]) in ids[2]  # the least late comes last
    empty = client.get("/dashboard/overdue?unit=20179&page=9")
    assert empty.status_code == 200 and "Trang này không còn việc nào." in empty.text
    assert client.get("/dashboard/overdue?unit=19777").status_code == 404
    assert client.get("/dashboard/overdue?page=0").status_code == 422


def test_reassign_changes_the_assignee_and_is_audited(client, late, staff):
    hai = staff["hai"]
    sign_in(client, "chihuy")
    followup = late["a"]
    response = reassign(client, followup, assignee_id=hai, next="/dashboard?unit=20179#overdue")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard?unit=20179#overdue"
    assert assignee_of(followup) == hai
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.object_type == "followups", AuditEntry.object_id == str(followup))
        .order_by(AuditEntry.id.desc())  # the follow-up's creation is in the trail too
        .limit(1)
    )
    assert entry.action == "update" and entry.user_id == staff["chief"]
    assert entry.changes == {"assignee_id": [None, hai]}
    db.session.rollback()
    page = client.get("/dashboard").get_data(as_text=True)
    assert f"Đã giao việc số {followup} cho Lê Thị Hai." in page


def test_reassign_refuses_an_officer_of_another_commune(client, late, staff):
    sign_in(client, "chihuy")
    followup = late["a"]
    response = reassign(client, followup, assignee_id=staff["other"])
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert assignee_of(followup) is None
    assert "Người được giao phải là cán bộ của xã có việc này." in client.get("/dashboard").text
    # A commander is no assignee for a revisit; an unknown user neither.
    for assignee in (staff["chief"], 999999):
        reassign(client, followup, assignee_id=assignee)
        assert assignee_of(followup) is None


def test_reassign_only_by_commanders_and_admins_in_scope(client, late, staff, make_user):
    followup = late["a"]
    hai = staff["hai"]
    anonymous = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post(
        f"/dashboard/overdue/{followup}/assignee",
        data={"assignee_id": hai, "csrf_token": anonymous},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    make_user("commander", "19777", username="chihuy_vyda")
    sign_in(client, "chihuy_vyda")
    assert reassign(client, followup, assignee_id=hai).status_code == 404
    log_out(client)
    make_user("officer", "20179", username="canbo")
    sign_in(client, "canbo")
    assert reassign(client, followup, assignee_id=hai).status_code == 403
    log_out(client)
    make_user("admin", "46", username="quantri")
    sign_in(client, "quantri")
    assert reassign(client, followup, assignee_id="x").status_code == 422
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        assert reassign(client, followup, assignee_id=hai, next=bad).status_code == 422
    assert reassign(client, 999999, assignee_id=hai).status_code == 404
    assert assignee_of(followup) is None
    assert reassign(client, followup, assignee_id=hai).status_code == 303
    assert assignee_of(followup) == hai


def test_reassign_needs_the_csrf_token(client, late, staff):
    hai = staff["hai"]
    sign_in(client, "chihuy")
    followup = late["a"]
    url = f"/dashboard/overdue/{followup}/assignee"
    for token in (None, "forged"):
        data = {"assignee_id": hai} | ({"csrf_token": token} if token else {})
        refused = client.post(url, data=data)
        assert refused.status_code == 400
        assert "tải lại trang" in refused.get_data(as_text=True)
    assert assignee_of(followup) is None
    # The token the page's own form carries is accepted.
    dashboard = client.get("/dashboard").get_data(as_text=True)
    form = re.search(rf'action="{url}".*?</form>', dashboard, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    done = client.post(url, data={"assignee_id": hai, "csrf_token": token})
    assert done.status_code == 303
    assert assignee_of(followup) == hai
