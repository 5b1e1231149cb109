"""`flask demo load` builds xã Nam Đông once; the done-when of the foundation on the demo."""

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.people.models import Household, Resident
from app.visits.models import RejectedSubmission, Visit


def _load(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return runner, result


def test_demo_load_is_idempotent(app):
    runner, result = _load(app)
    assert "canbo1" in result.output and "gocua-demo" in result.output
    households = db.session.scalar(select(func.count()).select_from(Household))
    residents = db.session.scalar(select(func.count()).select_from(Resident))
    assert 280 <= households <= 320
    assert 1000 <= residents <= 1200
    visits = db.session.scalar(select(func.count()).select_from(Visit))
    assert 50 < visits < households  # a few weeks of field work, with gaps left
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Household)) == households
    assert db.session.scalar(select(func.count()).select_from(Resident)) == residents
    assert db.session.scalar(select(func.count()).select_from(Visit)) == visits
    assert db.session.scalar(select(func.count()).select_from(RejectedSubmission)) == 0
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"admin", "commander", "officer", "village_head"}


def test_commander_sees_six_demo_hamlets_with_geometry(app, client):
    _load(app)
    token = client.post(
        "/api/v1/auth/token", json={"username": "chihuy", "password": "gocua-demo"}
    ).get_json()["token"]
    body = client.get(
        "/api/v1/units/20179/children", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert body["total"] == 6
    assert all(item["geometry"]["type"] == "Polygon" for item in body["items"])


def test_demo_without_units_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "flask units load" in result.output
