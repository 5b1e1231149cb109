"""`flask demo load` plans Thôn 1's visits from tomorrow on, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.auth.scope import rows_inside
from app.clock import today_in_vietnam
from app.demo.schedule import DEMO_HAMLET, demo_days
from app.extensions import db
from app.people.models import Household, ScheduledVisit, VisitSchedule
from app.units.models import Unit


def _load(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return runner, result


def test_the_demo_plans_one_hamlet_from_tomorrow(app, client):
    runner, result = _load(app)
    assert "lịch thăm thôn 20179-001: đã lập" in result.output
    hamlet = db.session.scalar(select(Unit).where(Unit.code == DEMO_HAMLET))
    households = db.session.scalar(
        select(func.count(Household.id)).where(rows_inside(Household, hamlet))
    )
    visits = db.session.scalars(select(ScheduledVisit)).all()
    assert len(visits) == households > 0
    tomorrow = today_in_vietnam() + timedelta(days=1)
    assert min(v.date for v in visits) >= tomorrow
    assert all(v.date.weekday() != 6 for v in visits)
    again = runner.invoke(args=["demo", "load"])
    assert "lịch thăm thôn 20179-001: đã có" in again.output
    assert db.session.scalar(select(func.count(VisitSchedule.id))) == 1
    token = client.post(
        "/api/v1/auth/token", json={"username": "canbo1", "password": "gocua-demo"}
    ).get_json()["token"]
    answer = client.get(
        f"/api/v1/units/{DEMO_HAMLET}/schedule", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200 and len(answer.get_json()["visits"]) == households


def test_demo_days_leave_out_sundays():
    saturday = today_in_vietnam()
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    days = demo_days(3, saturday - timedelta(days=1))
    assert days == [saturday, saturday + timedelta(days=2), saturday + timedelta(days=3)]
