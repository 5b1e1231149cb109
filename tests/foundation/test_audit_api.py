"""`GET /api/v1/audit`: filters, scope, old names under new ones, refusals; sign-ins recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.audit import acting_as, record
from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.common import utcnow
from app.extensions import db
from tests.factories import api_get


def add(action: str, object_type: str, object_id, user=None, detail=None, days_ago: int = 0):
    """Write an entry as `user` (at `days_ago` days back) and commit."""
    with acting_as(user):
        record(db.session, action, object_type, object_id, detail)
    if days_ago:
        entry = [o for o in db.session.new if isinstance(o, AuditEntry)][-1]
        entry.at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


@pytest.fixture
def people(make_user):
    """The commander of xã Nam Đông, an officer there, and a commander of Phường Vỹ Dạ."""
    return {
        "chief": make_user("commander", "20179", username="chihuy"),
        "officer": make_user("officer", "20179", username="canbo", hamlets=["20179-001"]),
        "other": make_user("commander", "19777", username="vyda"),
        "admin": make_user("admin", "46", username="quantri"),
    }


def audit(client, headers, query: str = "") -> tuple[int, dict]:
    return api_get(client, f"/api/v1/audit{query}", headers)


def test_answer_shape_newest_first_and_paged(client, people, token_for):
    officer = people["officer"]
    add("read", "residents", 12, officer, {"field": "id_number"}, days_ago=2)
    add("export", "visits", "20179", officer, {"format": "csv"})
    status, body = audit(client, token_for(people["chief"]), "?action=read,export&per_page=1")
    assert status == 200, body
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 1
    (item,) = body["items"]
    assert set(item) >= {"id", "at", "user", "action", "object_type", "object_id", "detail"}
    assert item["action"] == "export" and item["user"] == {"id": officer.id, "username": "canbo"}
    assert item["object_id"] == "20179" and item["detail"] == {"format": "csv"}
    status, body = audit(
        client, token_for(people["chief"]), "?action=read,export&page=2&per_page=1"
    )
    assert [i["action"] for i in body["items"]] == ["read"]


def test_filters(client, people, token_for, make_household):
    officer, chief = people["officer"], people["chief"]
    household = make_household("20179-001")
    add("read", "residents", household.residents[0].id, officer, days_ago=3)
    add("print", "units", household.hamlet_id, chief, days_ago=1)
    headers = token_for(people["admin"])
    _, body = audit(client, headers, "?user=canbo&action=read")
    assert body["total"] == 1
    _, body = audit(client, headers, f"?user={chief.id}&action=print")
    assert body["total"] == 1
    _, body = audit(client, headers, f"?object_type=households&object_id={household.id}")
    assert [i["action"] for i in body["items"]] == ["create"]
    yesterday = today_in_vietnam() - timedelta(days=1)
    _, body = audit(client, headers, f"?since={yesterday}&until={yesterday}")
    assert [i["action"] for i in body["items"]] == ["print"]
    two_days = today_in_vietnam() - timedelta(days=2)
    _, body = audit(client, headers, f"?until={two_days}&action=read,print")
    assert [i["action"] for i in body["items"]] == ["read"]
    _, body = audit(client, headers, "?user=nobody")
    assert body == {"items": [], "total": 0, "page": 1, "per_page": 50}


def test_old_names_are_found_under_new_ones(client, people, token_for):
    officer = people["officer"]
    add("login", "users", officer.id, officer, {"via": "token"})
    add("view_visit_list", "units", officer.unit_id, officer, {"format": "html"})
    add("logout", "users", officer.id, officer, {"via": "page"})
    headers = token_for(people["chief"])
    _, body = audit(client, headers, "?action=sign_in&user=canbo")
    assert [(i["action"], i["detail"]) for i in body["items"]] == [("sign_in", {"via": "token"})]
    _, body = audit(client, headers, "?action=print")
    assert [i["action"] for i in body["items"]] == ["print"]
    _, body = audit(client, headers, "?action=login")  # an old name asks for the new one
    assert body["total"] == 1 and body["items"][0]["action"] == "sign_in"
    _, body = audit(client, headers, "?action=sign_out")
    assert body["total"] == 1


def test_each_reader_sees_only_their_unit(client, people, token_for, make_household, make_user):
    here = make_household("20179-001")
    there = make_household("19777-001")
    officer, other = people["officer"], people["other"]
    add("read", "residents", here.residents[0].id, people["admin"], {"n": "here"})
    add("read", "residents", there.residents[0].id, people["admin"], {"n": "there"})
    add("export", "coverage", "19777", other, {"n": "their export"})
    add("export", "coverage", "20179", people["admin"], {"n": "our export"})
    add("sign_in", "users", officer.id, officer, {"n": "our officer"})
    add("sign_in", "users", other.id, other, {"n": "their commander"})
    add("sign_in_failed", "users", None, None, {"username": "ghost", "n": "ghost"})
    far_admin = make_user("admin", "01")

    def seen(user, query="") -> set:
        _, body = audit(client, token_for(user), f"?per_page=200{query}")
        return {(i["detail"] or {}).get("n") for i in body["items"]} - {None}

    expected_here = {"here", "our export", "our officer"}
    assert seen(people["chief"]) == expected_here
    assert seen(other) == {"there", "their export", "their commander"}
    everything = expected_here | {"there", "their export", "their commander"}
    assert seen(people["admin"]) == everything | {"ghost"}
    # An admin of another province sees only what is about nobody.
    assert seen(far_admin) == {"ghost"}
    # Households created in the other commune do not show either.
    _, body = audit(client, token_for(people["chief"]), "?object_type=households&per_page=200")
    assert {i["object_id"] for i in body["items"]} == {str(here.id)}
    _, body = audit(client, token_for(people["admin"]), "?action=sign_in_failed")
    assert body["total"] == 1 and body["items"][0]["user"] is None


@pytest.mark.parametrize("role", ["officer", "village_head"])
def test_officers_and_village_heads_are_refused(client, make_user, token_for, world, role):
    user = make_user(role, "20179-001" if role == "village_head" else "20179")
    status, body = audit(client, token_for(user))
    assert status == 403 and body["message"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?action=dance", "action"),
        ("?action=,,", "action"),
        ("?since=2026-13-01", "since"),
        ("?since=yesterday", "since"),
        ("?until=1900-01-01", "until"),
        ("?since=2026-11-22&until=2026-11-21", "until"),
        ("?object_type=Households;drop", "object_type"),
        ("?object_id=" + "9" * 65, "object_id"),
        ("?user=" + "u" * 65, "user"),
        ("?user=", "user"),
        ("?page=0", "page"),
        ("?per_page=500", "per_page"),
        ("?since=2026-11-22T25:00", "since"),
    ],
)
def test_bad_filters_answer_422_in_vietnamese(client, people, token_for, query, field):
    status, body = audit(client, token_for(people["chief"]), query)
    assert status == 422, body
    assert body["code"] == 422 and field in body["errors"]
    assert body["message"] and "error" not in body["message"].lower()


def test_bad_filters_in_english(client, people, token_for):
    status, body = audit(client, token_for(people["chief"], lang="en"), "?action=dance")
    assert status == 422 and "action" in body["errors"]


def test_sign_ins_are_recorded_by_the_token_endpoint(client, people):
    ok = client.post("/api/v1/auth/token", json={"username": "canbo", "password": "secret-pass"})
    assert ok.status_code == 200
    bad = client.post("/api/v1/auth/token", json={"username": "CANBO", "password": "wrong-pass"})
    assert bad.status_code == 401 and bad.get_json()["code"] == 401
    long_name = "x" * 64
    ghost = client.post("/api/v1/auth/token", json={"username": long_name, "password": "pw-123"})
    assert ghost.status_code == 401
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    signed = [e for e in entries if e.action == "sign_in"]
    assert [(e.user_id, e.changes) for e in signed] == [(people["officer"].id, {"via": "token"})]
    failed = [e for e in entries if e.action == "sign_in_failed"]
    assert [(e.user_id, e.object_id) for e in failed] == [
        (people["officer"].id, str(people["officer"].id)),
        (None, None),
    ]
    assert failed[0].changes["username"] == "CANBO" and failed[0].changes["via"] == "token"
    assert failed[1].changes["username"] == long_name
    assert all(e.remote_addr for e in failed)
    flat = repr([e.changes for e in entries])
    assert "wrong-pass" not in flat and "pw-123" not in flat and "secret-pass" not in flat


def test_sign_ins_are_recorded_by_the_login_page(client, people):
    assert (
        client.post("/login", data={"username": "chihuy", "password": "nope-nope"}).status_code
        == 401
    )
    ghost = "g" * 80
    assert (
        client.post("/login", data={"username": ghost, "password": "nope-nope"}).status_code == 401
    )
    ok = client.post("/login", data={"username": "chihuy", "password": "secret-pass"})
    assert ok.status_code == 302
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("sign_in%")).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.user_id) for e in entries] == [
        ("sign_in_failed", people["chief"].id),
        ("sign_in_failed", None),
        ("sign_in", people["chief"].id),
    ]
    assert entries[1].changes["username"] == "g" * 64 and entries[1].changes["via"] == "page"
    assert "nope-nope" not in repr([e.changes for e in entries])


def test_a_failed_record_never_breaks_the_refusal(client, people, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.auth import audit

    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(audit, "describe_client", broken)
    bad = client.post("/api/v1/auth/token", json={"username": "canbo", "password": "wrong-pass"})
    assert bad.status_code == 401
    page = client.post("/login", data={"username": "canbo", "password": "wrong-pass"})
    assert page.status_code == 401
