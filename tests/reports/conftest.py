"""Fixtures of the reports tests: visits, follow-ups, corrections and status history rows,
created directly with the models, and a hand-counted commune."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.auth.models import User
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Household, Resident, StatusChange
from app.text import fold
from app.visits.models import Visit, VisitResident

_ids = itertools.count(1)


def years_ago(years: int, days: int = 0) -> str:
    """A birth date `years` years before today, moved `days` later."""
    now = today_in_vietnam()
    try:
        born = now.replace(year=now.year - years)
    except ValueError:
        born = now.replace(year=now.year - years, day=28)
    return (born + timedelta(days=days)).isoformat()


def at_days_ago(days: float) -> datetime:
    """A moment some days before now (UTC)."""
    return datetime.now(UTC) - timedelta(days=days)


@pytest.fixture
def field_officer(make_user) -> User:
    """An officer of the demo commune who made the visits."""
    return make_user("officer", "20179", hamlets=["20179-001", "20179-002", "20179-003"])


@pytest.fixture
def add_visit(field_officer) -> Callable[..., Visit]:
    """Record a visit of a household directly (no rules run)."""

    def add(
        household: Household,
        outcome: str = "met",
        *,
        at: datetime | None = None,
        flags: list[str] | None = None,
        location: tuple[float, float] | None = None,
        seen: list[tuple[Resident, dict[str, Any]]] | None = None,
    ) -> Visit:
        visit = Visit(
            client_id=f"test-{next(_ids)}",
            body_hash="0" * 64,
            household_id=household.id,
            officer_id=field_officer.id,
            visited_at=at or at_days_ago(1),
            outcome=outcome,
            lat=location[0] if location else household.lat,
            lon=location[1] if location else household.lon,
            accuracy_m=10.0,
            distance_m=5.0,
            flags=flags or [],
            flagged=bool(flags),
            body={},
            hamlet_id=household.hamlet_id,
            commune_id=household.commune_id,
            province_id=household.province_id,
        )
        db.session.add(visit)
        db.session.flush()
        for resident, values in seen or []:
            db.session.add(VisitResident(visit_id=visit.id, resident_id=resident.id, **values))
        db.session.commit()
        return visit

    return add


@pytest.fixture
def add_followup() -> Callable[..., Followup]:
    """Create a follow-up of a household."""

    def add(household: Household, due: date, status: str = "open", kind: str = "revisit"):
        row = Followup(
            kind=kind,
            status=status,
            reason="Chưa gặp",
            due_date=due,
            household_id=household.id,
            lat=household.lat,
            lon=household.lon,
            hamlet_id=household.hamlet_id,
            commune_id=household.commune_id,
            province_id=household.province_id,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return add


@pytest.fixture
def add_correction() -> Callable[..., Correction]:
    """Create a correction of a household's first resident."""

    def add(household: Household, status: str = "open") -> Correction:
        resident = household.residents[0] if household.residents else None
        row = Correction(
            household_id=household.id,
            resident_id=resident.id if resident else None,
            field="date_of_birth",
            status=status,
            hamlet_id=household.hamlet_id,
            commune_id=household.commune_id,
            province_id=household.province_id,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return add


@pytest.fixture
def add_change() -> Callable[..., StatusChange]:
    """Record a status change of a resident (the history a visit writes)."""

    def add(
        resident: Resident,
        column: str,
        old: str | None,
        new: str,
        *,
        at: datetime | None = None,
        visit: Visit | None = None,
    ) -> StatusChange:
        setattr(resident, column, new)
        row = StatusChange(
            resident_id=resident.id,
            visit_id=visit.id if visit else None,
            field=column,
            old_value=old,
            new_value=new,
            at=at or at_days_ago(1),
        )
        db.session.add(row)
        db.session.commit()
        return row

    return add


def adult(name: str, **kw: Any) -> dict[str, Any]:
    """A resident spec: an adult present, unless told otherwise."""
    return {"full_name": name, "date_of_birth": "1980-05-05", **kw}


@dataclass
class Commune:
    """The hand-counted commune: households by letter and the expected figures."""

    households: dict[str, Household] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)


@pytest.fixture
def counted(world, make_household, add_visit, add_followup, add_correction) -> Commune:
    """Households of xã Nam Đông (and one elsewhere) whose figures were counted by hand.

    Hamlet 001: A met; B nobody home (attempted only); C moved (visited, after an earlier
    nobody home); D never visited. Eligible (present, 14+, confirmed): a1 a2 b1 b2 c1 c2 = 6;
    ID collected or issued among them: a1 a2 b2 = 3; e-ID level 2: a1 c1 = 2.
    Hamlet 002: E met, F never. Eligible e1 f1; ID e1; e-ID e1.
    Hamlet 003: nothing. One household of the commune has no hamlet (G).
    Phường Vỹ Dạ (19777-001): H met. Hà Nội (00004-001): I met (never in province 46).
    """
    c = Commune()
    hh = c.households
    hh["A"] = make_household(
        "20179-001",
        residents=[
            adult("A Một", id_card="issued", eid="level2_active"),
            adult("A Hai", id_card="collected", eid="level1"),
            adult("A Ba", date_of_birth=years_ago(10)),
            adult("A Bốn", presence="away_working"),
        ],
    )
    hh["B"] = make_household(
        "20179-001",
        residents=[
            adult("B Một"),
            adult("B Hai", date_of_birth=years_ago(14), id_card="collected"),
        ],
    )
    hh["C"] = make_household(
        "20179-001",
        residents=[
            adult("C Một", date_of_birth=str(today_in_vietnam().year - 14), eid="level2_active"),
            adult("C Hai", date_of_birth=None),
            adult("C Ba", pending=True, id_card="collected"),
        ],
    )
    hh["D"] = make_household(
        "20179-001",
        residents=[
            adult("D Một", presence="deceased", id_card="issued"),
            adult("D Hai", date_of_birth=years_ago(14, days=1)),
        ],
    )
    hh["E"] = make_household(
        "20179-002", residents=[adult("E Một", id_card="issued", eid="level2_active")]
    )
    hh["F"] = make_household("20179-002", residents=[adult("F Một")])
    hh["H"] = make_household("19777-001", residents=[adult("H Một", id_card="issued")])
    hh["I"] = make_household("00004-001", residents=[adult("I Một", id_card="issued")])
    commune = world["20179"]
    g = Household(
        code="HO-G",
        address="Chưa rõ thôn",
        search_text=fold("Chưa rõ thôn"),
        hamlet_id=None,
        commune_id=commune.id,
        province_id=commune.province_id,
    )
    db.session.add(g)
    db.session.flush()
    db.session.add(
        Resident(
            household_id=g.id,
            full_name="G Một",
            name_folded="g mot",
            birth_year=1970,
            hamlet_id=None,
            commune_id=commune.id,
            province_id=commune.province_id,
        )
    )
    db.session.commit()
    hh["G"] = g
    c.visits["A"] = add_visit(hh["A"], "met", at=at_days_ago(2))
    c.visits["B"] = add_visit(hh["B"], "nobody_home", at=at_days_ago(1))
    add_visit(hh["C"], "nobody_home", at=at_days_ago(5))
    c.visits["C"] = add_visit(hh["C"], "household_moved", at=at_days_ago(0.5))
    c.visits["E"] = add_visit(hh["E"], "met", at=at_days_ago(3))
    c.visits["H"] = add_visit(hh["H"], "met", at=at_days_ago(1))
    c.visits["I"] = add_visit(hh["I"], "met", at=at_days_ago(1))
    add_correction(hh["A"])
    add_correction(hh["A"])
    add_correction(hh["A"], status="fixed")
    add_correction(hh["E"])
    add_followup(hh["B"], today_in_vietnam() - timedelta(days=1))
    add_followup(hh["D"], today_in_vietnam() + timedelta(days=1))
    add_followup(hh["C"], today_in_vietnam() - timedelta(days=3), status="done")
    add_followup(hh["E"], today_in_vietnam())
    return c
