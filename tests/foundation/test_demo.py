"""`flask demo load` builds xã Nam Đông once; the done-when of the foundation on the demo."""

from datetime import timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.clock import today_in_vietnam
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


def test_demo_campaign_shows_progress_against_targets(app, client):
    _load(app)
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    token = client.post(
        "/api/v1/auth/token", json={"username": "chihuy", "password": "gocua-demo"}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/campaigns", headers=headers).get_json()
    assert listing["total"] == 1  # a second load made no second campaign
    campaign = listing["items"][0]
    progress = client.get(f"/api/v1/campaigns/{campaign['id']}/progress", headers=headers)
    assert progress.status_code == 200, progress.get_json()
    text = progress.get_data(as_text=True)
    for metric in ("households_visited", "id_collected", "eid_level2_active"):
        assert metric in text
    assert "20179-001" in text  # targets per hamlet


def test_demo_plans_tomorrows_session_at_home_once(app, client):
    _load(app)
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    token = client.post(
        "/api/v1/auth/token", json={"username": "canbo3", "password": "gocua-demo"}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.get("/api/v1/sessions?mine=1", headers=headers).get_json()
    assert mine["total"] == 1  # a second load made no second session
    session = mine["items"][0]
    assert session["kind"] == "at_home" and session["status"] == "planned"
    assert session["date"] == (today_in_vietnam() + timedelta(days=1)).isoformat()
    assert 3 <= len(session["residents"]) <= 6
    assert all(r["reason"] for r in session["residents"])


def test_demo_without_units_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "flask units load" in result.output


def test_demo_load_after_real_work_adds_no_visit(app, client):
    """Field work between two `make run`s (a new person in a household) changes nothing."""
    _load(app)
    first = db.session.scalars(select(Household).order_by(Household.code).limit(10))
    for household in first:
        db.session.add(
            Resident(
                household_id=household.id,
                hamlet_id=household.hamlet_id,
                commune_id=household.commune_id,
                province_id=household.province_id,
                full_name="Hồ Văn Mới",
                name_folded="ho van moi",
                relationship_to_head="child",
                presence="present",
            )
        )
    db.session.commit()
    visits = db.session.scalar(select(func.count()).select_from(Visit))
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count()).select_from(Visit)) == visits


def test_demo_is_refused_in_production(make_app):
    production = make_app(
        ENV_NAME="production",
        SECRET_KEY="x" * 40,
        SESSION_COOKIE_SECURE=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
    )
    result = production.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "production" in result.output
    with production.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_households_of_real_work_get_no_demo_visit(app, make_household, world):
    _load(app)
    found = make_household("20179-001", code="F-1", residents=[{"full_name": "Hồ Văn Thật"}])
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count()).where(Visit.household_id == found.id)) == 0


def test_last_weeks_report_of_a_fresh_demo_has_figures(app, client):
    """The demo dates its rows as if each phone had synced when the visit was made, and its
    list before the campaign, so last week's report (counted as of its Sunday) is not empty."""
    _load(app)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Visit).where(Visit.received_at != Visit.visited_at)
        )
        == 0
    )
    token = client.post(
        "/api/v1/auth/token", json={"username": "chihuy", "password": "gocua-demo"}
    ).get_json()["token"]
    report = client.get(
        "/api/v1/reports/summary?unit=20179", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    totals = report["totals"]
    assert totals["households_total"] == db.session.scalar(
        select(func.count()).select_from(Household)
    )
    assert totals["visits"] > 0 and totals["households_checked"] > 0
    assert report["previous_totals"]["visits"] > 0
    # Split by residence status: the boarding house's temporary residents, adding up.
    statuses = ("permanent", "temporary", "staying")
    for figure in ("residents_required", "id_collected_total", "eid_level2_active_total"):
        assert sum(totals[f"{figure}_{s}"] for s in statuses) == totals[figure], figure
    assert totals["residents_required_temporary"] > 0
    assert totals["sites_checked_total"] <= totals["households_checked_total"]
