"""The demo's sites: a boarding house of 12 rooms and 20 temporary residents, a company
dormitory, and an informal lot found in the field, so screens and maps show them at once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.clock import today_in_vietnam
from app.demo.data import generate_demo
from app.demo.sites import LOT_CLIENT_ID, generate_sites
from app.extensions import db
from app.people.models import Household, Resident
from app.visits.models import RejectedSubmission, Visit


def _load(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return runner


def _site(kind: str) -> Household:
    return db.session.scalars(select(Household).where(Household.kind == kind)).one()


def test_sites_are_generated_deterministically():
    one, two = generate_sites(6), generate_sites(6)
    assert [[p.full_name for p in s.people] for s in one] == [
        [p.full_name for p in s.people] for s in two
    ]
    boarding = one[0]
    assert boarding.rooms == [f"P1{n:02d}" for n in range(1, 13)]
    assert len(boarding.people) == 20
    assert {p.room for p in boarding.people} == set(boarding.rooms)
    register = {r.id_number for r in generate_demo(6).residents if r.id_number}
    workers = [p.id_number for s in one for p in s.people if p.id_number]
    assert len(set(workers)) == len(workers) and not register & set(workers)


def test_the_demo_has_a_boarding_house_a_dormitory_and_a_lot_found_in_the_field(app):
    runner = _load(app)
    boarding = _site("boarding_house")
    assert boarding.site_name == "Nhà trọ Hoa Sen" and len(boarding.rooms) == 12
    assert boarding.contact_name and boarding.contact_phone and boarding.lat is not None
    workers = boarding.residents
    assert len(workers) == 20
    assert {w.residence for w in workers} == {"temporary"}
    assert all(w.home_province_code != "46" and w.home_address for w in workers)
    assert sorted({w.room for w in workers}) == boarding.rooms
    ended = [w for w in workers if w.residence_until and w.residence_until < today_in_vietnam()]
    assert len(ended) == 2  # two workers have moved on: out of the denominators
    dorm = _site("dormitory")
    assert dorm.site_name.startswith("Ký túc xá")
    assert {r.residence for r in dorm.residents} == {"staying"}
    lot = db.session.scalars(select(Household).where(Household.client_id == LOT_CLIENT_ID)).one()
    officer = db.session.scalars(select(User).where(User.username == "canbo1")).one()
    assert (lot.source, lot.kind, lot.created_by_id) == ("field", "other_site", officer.id)
    assert lot.code == f"F-{lot.id}"
    visits = db.session.scalars(select(Visit).where(Visit.household_id == lot.id)).all()
    assert len(visits) == 1 and visits[0].outcome == "met"
    assert visits[0].received_at == visits[0].visited_at  # synced when made
    assert lot.created_at == visits[0].visited_at  # found by that visit
    assert db.session.scalar(select(func.count()).select_from(RejectedSubmission)) == 0
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Household, Resident, Visit)
    ]
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    again = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Household, Resident, Visit)
    ]
    assert again == counts


def test_the_demo_coverage_shows_the_sites(app, client):
    _load(app)
    token = client.post(
        "/api/v1/auth/token", json={"username": "chihuy", "password": "gocua-demo"}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/coverage?unit=20179", headers=headers).get_json()
    totals = body["totals"]
    assert totals["sites_total"] == 3
    assert totals["sites_visited"] >= 1  # the lot, found by its visit
    assert totals["temporary_residents"] == 18 + 8 + 3
    rows = {row["code"]: row for row in body["children"]}
    assert rows["20179-001"]["temporary_residents"] == 18
    boarding = client.get("/api/v1/coverage?unit=20179&kind=boarding_house", headers=headers)
    assert boarding.get_json()["totals"]["residents_eligible"] == 18
