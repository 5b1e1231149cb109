"""Session pages with CSRF on: the list, the planner from the proposals, the detail, the print."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import today_in_vietnam
from app.extensions import db
from app.sessions.models import CaptureSession
from tests.reports import test_overdue_pages as pages
from tests.reports.test_overdue_pages import csrf_token, sign_in

client = pages.client  # a browser on an app that checks CSRF tokens


def test_plan_a_session_from_the_proposals(client, people, invited):
    sign_in(client, "chihuy")
    page = client.get("/sessions/new?kind=at_home")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.index("Lê Văn Nằm") < text.index("Hồ Văn Trẻ")  # unable to travel first
    assert text.count('name="resident_ids"') == 4 and text.count("checked") >= 4
    tomorrow = (today_in_vietnam() + timedelta(days=1)).isoformat()
    data = {
        "csrf_token": csrf_token(client),
        "kind": "at_home",
        "date": tomorrow,
        "starts_at": "08:00",
        "ends_at": "11:00",
        "hamlet_code": "20179-001",
        "place": "",
        "team_ids": [str(people.mobile.id)],
        "resident_ids": [str(invited["old"].id), str(invited["far"].id)],
        "equipment": "Máy lưu động",
    }
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.rollback()
    session = db.session.scalar(select(CaptureSession))
    assert [i.resident_id for i in session.invitees] == [invited["old"].id, invited["far"].id]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hồ Thị Già" in detail and "Chưa ghi" in detail
    listing = client.get(f"/sessions?from={tomorrow}&kind=at_home").get_data(as_text=True)
    assert "Thu nhận tại nhà" in listing and "0/2" in listing
    assert "Hồ Thị Già" in client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    printed = client.get(f"/sessions/{session.id}/print")
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    assert "Giấy khai sinh" in text and "1946" in text
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print"))
    assert (entry.object_type, entry.object_id) == ("capture_sessions", str(session.id))


def test_edit_keeps_the_commune_and_changes_the_status(client, people, invited, plan):
    made = plan([invited["old"].id, invited["far"].id])
    sign_in(client, "chihuy")
    page = client.get(f"/sessions/{made['id']}/edit").get_data(as_text=True)
    assert page.count("checked") >= 3  # two invited, one team member
    data = {
        "csrf_token": csrf_token(client),
        "kind": "at_home",
        "status": "done",
        "date": made["date"],
        "team_ids": [str(people.mobile.id)],
        "resident_ids": [str(invited["far"].id)],
    }
    response = client.post(f"/sessions/{made['id']}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.rollback()
    session = db.session.get(CaptureSession, made["id"])
    assert (session.status, session.hamlet_id) == ("done", None)
    assert [i.resident_id for i in session.invitees] == [invited["far"].id]
    assert "Đã thực hiện" in client.get(f"/sessions/{made['id']}").get_data(as_text=True)


def test_a_bad_form_keeps_what_was_typed(client, people, invited):
    sign_in(client, "chihuy")
    data = {
        "csrf_token": csrf_token(client),
        "kind": "at_home",
        "date": "2026-13-45",
        "starts_at": "10:00",
        "ends_at": "09:00",
        "place": "Nhà văn hóa",
        "resident_ids": [str(invited["old"].id)],
    }
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nhà văn hóa" in text and 'id="form-error"' in text
    db.session.rollback()
    assert db.session.scalar(select(CaptureSession)) is None


def test_outsiders_and_village_heads(client, people, invited, plan, make_user):
    made = plan([invited["old"].id])
    make_user("commander", "19777", username="xa_khac")
    sign_in(client, "xa_khac")
    assert client.get(f"/sessions/{made['id']}").status_code == 404
    assert client.get(f"/sessions/{made['id']}/print").status_code == 404
    assert "Hồ Thị Già" not in client.get("/sessions").get_data(as_text=True)
