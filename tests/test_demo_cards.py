"""The demo's cards: two people unable to travel with their capture at home, a lost card with
its reissue_card follow-up, a renewal due within 90 days with its renew_card; a second load
changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Resident


def _load(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return runner


def _open(resident: Resident) -> list[str]:
    return [
        f.kind
        for f in db.session.scalars(
            select(Followup).where(Followup.resident_id == resident.id, Followup.status == "open")
        )
    ]


def _cases():
    db.session.expire_all()
    residents = db.session.scalars(select(Resident).order_by(Resident.id)).all()
    lost = [r for r in residents if r.card_issue == "lost"]
    soon = today_in_vietnam() + timedelta(days=90)
    due = [r for r in residents if r.card_renewal_due and r.card_renewal_due <= soon]
    return residents, lost, due


def test_the_demo_has_card_cases_with_their_followups(app):
    runner = _load(app)
    residents, lost, due = _cases()
    today = today_in_vietnam()
    young_unable = [
        r
        for r in residents
        if r.unable_to_travel and r.birth_date and today.year - r.birth_date.year < 69
    ]
    assert len(young_unable) >= 2
    assert all(
        "id_capture_at_home" in _open(r) for r in young_unable if r.id_card == "not_collected"
    )
    assert len(lost) == 1 and "reissue_card" in _open(lost[0])
    assert len(due) >= 1 and all("renew_card" in _open(r) for r in due)
    before = db.session.scalar(select(db.func.count(Followup.id)))

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    _residents, lost_again, due_again = _cases()
    assert [r.id for r in lost_again] == [r.id for r in lost]
    assert [r.id for r in due_again] == [r.id for r in due]
    assert db.session.scalar(select(db.func.count(Followup.id))) == before
